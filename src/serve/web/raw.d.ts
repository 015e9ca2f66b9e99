/** `import text from './file?raw'`: the file's text, bundled by build/plugins.mjs rawText (Vite reads it the same way in tests). */
declare module '*?raw' {
  const text: string;
  export default text;
}

/** `import text from 'x.js?minified'`: the script's text, minified at build time. */
declare module '*?minified' {
  const text: string;
  export default text;
}
