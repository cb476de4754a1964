import { defineConfig } from 'vitest/config';

// Three projects: `unit` is pure logic that runs anywhere; `kernel` opens real
// AF_XDP sockets in lab namespaces and needs root (see agent/test/kernel.ts);
// `bench` is the benchmark's pure helpers (statistics, report shape).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{agent,shared,web}/src/**/*.test.ts', 'agent/scripts/*.test.ts'],
          environment: 'node',
          // A loaded machine stretches what takes a second when idle (real servers, thousands of decodes) past the
          // default 5 s; a test that hangs still fails.
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'bench',
          include: ['bench/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'kernel',
          include: ['agent/test/**/*.test.ts'],
          environment: 'node',
          // Sockets, namespaces and XDP programs are machine-wide: one file at a time.
          fileParallelism: false,
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          execArgv: ['--import', 'tsx'],
        },
      },
    ],
  },
});
