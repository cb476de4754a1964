import { defineConfig } from '@playwright/test';
import { requireChromium } from '../agent/src/setup/chromium.mjs';

// The system's Chromium (Debian's package, Ubuntu's snap, or RINGSIDE_CHROMIUM): Playwright must never download a browser of its own here.
export default defineConfig({
  testDir: './specs',
  outputDir: './artifacts/results',
  // Each spec starts its own agent, and agents share the machine's namespaces and CPU.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: './artifacts/report.json' }]],
  // The screenshots of every view come last, once the specs that prove the views have run.
  projects: [
    { name: 'explorer', testIgnore: /screenshots\.spec\.ts/ },
    { name: 'screenshots', testMatch: /screenshots\.spec\.ts/, dependencies: ['explorer'] },
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
