// Stands in for zod's `z.locales` (every language's error messages, ~300 KB of source that
// each command loading config would parse): ops never calls z.locales.*, and zod's English
// messages, which ops shows, come from their own module, untouched.
export {};
