import { defineConfig } from 'vitest/config';

// Three suites: unit (no privileges), integration (real kernel, each test in
// its own throwaway network namespace), e2e (Chromium against a real helper).
// Timeouts are bounds for a loaded 2-core machine, not speed checks: waits
// end as soon as their condition holds, and timings live in bench/.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['helper/src/**/*.test.ts', 'src/**/*.test.ts', 'src/**/*.test.tsx', 'bench/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/setup/unit.ts'],
          // a jsdom view test took 28 s of a 30 s bound at load average 25
          // (ContainersView, test:repeat --load): bounds, not speed checks
          testTimeout: 120_000,
          hookTimeout: 120_000,
          expect: { poll: { timeout: 15_000 } },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          expect: { poll: { timeout: 60_000, interval: 100 } },
          pool: 'forks',
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          expect: { poll: { timeout: 30_000, interval: 100 } },
          pool: 'forks',
          maxWorkers: 1,
        },
      },
    ],
  },
});
