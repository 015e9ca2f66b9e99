// The errors and exit codes live in src/base (every layer uses them, the ledger too).
export * from '../base/errors';
