import { defineConfig } from 'vitest/config';

// Three suites: unit (no privileges), integration (real kernel, each test in
// its own throwaway network namespace), e2e (Chromium against a real helper).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['helper/src/**/*.test.ts', 'src/**/*.test.ts', 'src/**/*.test.tsx', 'bench/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks',
          maxWorkers: 1,
        },
      },
    ],
  },
});
