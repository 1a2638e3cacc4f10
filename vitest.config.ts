import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end replays run the whole guardrail over a day of data; give them room on a busy machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
