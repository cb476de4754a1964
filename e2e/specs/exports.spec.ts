import { readFileSync } from 'node:fs';
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

test("a view-only page downloads the socket's next received frames as a pcap from the packet inspector", async ({
  page,
}) => {
  await openExplorer(page, agent.viewUrl, { socket: 'xsk0', view: 'inspector' });
  // A capture waits two seconds at most for its frames (agent/src/export/capture.ts), and a busy machine may hold
  // the source back longer: a capture that came back short is taken again, until one is full.
  await expect(async () => {
    const downloaded = page.waitForEvent('download');
    await page.getByTestId('inspector-xsk0').getByTestId('inspector-pcap').click();
    const download = await downloaded;
    expect(download.suggestedFilename()).toMatch(/^ringside-xsk0-.+\.pcap$/);
    const file = readFileSync(await download.path());
    expect(file.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(file.readUInt32LE(20)).toBe(1); // Ethernet
    // As many frames as the agent keeps, each its whole 128 bytes: the lab sends 5000 a second.
    expect(file.length).toBe(24 + 32 * (16 + 128));
  }).toPass({ timeout: 40_000 });
});
