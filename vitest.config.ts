import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
    // Tests share nothing but the built dist/; each uses its own temp workspace.
    pool: 'forks',
  },
});
