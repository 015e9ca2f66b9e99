// yargs' ESM shim imports node:assert for two invariant checks; loading it (AssertionError,
// util colors) costs every ops command ~4 ms of start-up. The same checks, without it.
export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) throw new Error(message ?? `Expected values to be strictly equal: ${String(actual)} !== ${String(expected)}`);
}

export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) throw new Error(message ?? `Expected "actual" to be strictly unequal to: ${String(expected)}`);
}
