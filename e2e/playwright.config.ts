import { defineConfig } from '@playwright/test';
import { requireChromium } from '../agent/src/setup/chromium.mjs';

// The system's Chromium (Debian's package, Ubuntu's snap, or RINGSIDE_CHROMIUM): Playwright must never download a browser of its own here.
export default defineConfig({
  testDir: './specs',
  outputDir: './artifacts/results',
  // Each spec starts its own agent, and agents share the machine's namespaces and CPU.
  workers: 1,
  fullyParallel: false,
  // The agent samples and serves at nice 19 behind its data plane (agent/src/dataplane/control.ts): on a loaded
  // machine a snapshot can come seconds late. A bound that only matters when something is wrong can be generous.
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['json', { outputFile: './artifacts/report.json' }]],
  // A test that passes only on a second try has a cause to find, not to hide:
  // no retries, and one given on the command line still fails the run.
  retries: 0,
  failOnFlakyTests: true,
  // The screenshots of every view are listed last but depend on no other
  // project: a dependency's one failure would skip every screenshot.
  projects: [
    { name: 'explorer', testIgnore: /screenshots\.spec\.ts/ },
    { name: 'screenshots', testMatch: /screenshots\.spec\.ts/ },
  ],
  use: {
    viewport: { width: 1280, height: 720 },
    launchOptions: {
      executablePath: requireChromium(),
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
