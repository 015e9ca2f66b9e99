/**
 * Imported by ./start before Ink, which restores fetch once Ink is loaded.
 *
 * Yoga, Ink's layout engine, decodes its WebAssembly from a base64 data: URL, and does it
 * with fetch() whenever `typeof fetch` says there is one. In Node, that first look at fetch
 * loads undici (Node's fetch) and then has it parse the data: URL: ~45 ms of the console's
 * ~400 ms to its first frame, for a string Yoga decodes itself without fetch. So fetch is
 * hidden while Ink's modules are evaluated (nothing in them fetches anything), and put back
 * untouched (the same lazy getter: undici still loads only if something calls it).
 */
const saved = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
if (saved?.configurable) Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });

export function restoreFetch(): void {
  if (saved?.configurable) Object.defineProperty(globalThis, 'fetch', saved);
}
