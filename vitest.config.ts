import { defineConfig } from 'vitest/config';

// Two tiers. unit: the pure core, formats and in-process adapters, a few seconds in all, a short
// timeout. slow: contract tests against stand-ins (dynalite, Prism, loopback servers, Chromium),
// end-to-end replays, the CDK synth and the benchmarks' promises. `npm test` runs both;
// `npm run test:unit` the first alone.
export default defineConfig({
  test: {
    // In CI, also a JSON report, from which .ci/run prints the plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-artifacts/vitest.json' }]] : ['default'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 5_000 } },
      {
        test: {
          name: 'slow',
          include: ['test/{contract,e2e,infra,bench}/**/*.test.ts'],
          // The construct deploys prebuilt Lambda bundles: build them from the sources under test.
          globalSetup: ['test/support/lambda-bundles.ts'],
          // A replay runs the whole guardrail over a day of data; give it room on a busy machine.
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
