import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { openExplorer } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

test('an XDP program detached from outside shows as a fault in the event log, and the page goes on', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl);
  execFileSync('ip', ['-n', `ringside-${agent.pid}-0-app`, 'link', 'set', 'dev', 'rs-app', 'xdp', 'off']);
  const fault = page.locator('.events li[data-kind="fault"]');
  await expect(fault).toContainText('the XDP program on rs-app', { timeout: 20_000 });
  await expect(fault).toContainText('was detached from outside');
  await expect(page.getByTestId('connection-status')).toHaveText('connected');
});
