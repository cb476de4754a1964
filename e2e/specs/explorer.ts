import { expect, type Locator, type Page } from '@playwright/test';
import { decodeSnapshot, FRAME_OWNERS, PROTOCOL_VERSION, type SnapshotMessage } from '@ringside/shared';
import WebSocket from 'ws';
import type { RunningAgent } from '../../agent/test/agent-process.ts';

/** Helpers the explorer's specs share: opening the page on a selection, reading numbers, asking the agent directly. */

export const numberIn = async (locator: Locator) => Number(await locator.textContent());

/** Opens the page at `url` with the selection parameters the page keeps in its URL. */
export async function openExplorer(page: Page, url: URL, selection: Record<string, string> = {}): Promise<void> {
  const target = new URL(url);
  for (const [name, value] of Object.entries(selection)) target.searchParams.set(name, value);
  await page.goto(target.href);
  await expect(page.getByTestId('connection-status')).toHaveText('connected');
  // The socket opens before the agent's hello says what this page may do: controls and keys wait for it.
  await expect(page.getByTestId('role')).toBeVisible();
}

/**
 * One snapshot as a second client of the agent receives it: the agent's own
 * ledger counts and every frame's owner, independent of the page under test.
 */
export async function agentSnapshot(
  agent: RunningAgent,
): Promise<{ snapshot: SnapshotMessage; owners: Map<string, Uint8Array> }> {
  const token = agent.viewUrl.searchParams.get('token') ?? '';
  const socket = new WebSocket(`ws://127.0.0.1:${agent.port}/ws?token=${encodeURIComponent(token)}`);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no snapshot from the agent within 10 s')), 10_000);
      socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION })));
      socket.on('message', (data, isBinary) => {
        if (!isBinary) return;
        clearTimeout(timer);
        // The first snapshot a client receives carries every frame's owner whole.
        resolve(decodeSnapshot(new Uint8Array(data as Buffer), null));
      });
      socket.on('error', reject);
    });
  } finally {
    socket.close();
  }
}

/** Frames per owner, as the page's UMEM legend shows them. */
export async function legendCounts(page: Page, socketId: string): Promise<Record<string, number>> {
  const panel = page.getByTestId(`umem-${socketId}`);
  const counts: Record<string, number> = {};
  for (const owner of FRAME_OWNERS) counts[owner] = await numberIn(panel.getByTestId(`umem-count-${owner}`));
  return counts;
}

/** One frame's bytes as a second client of the agent reads them, independent of the page under test. */
export async function agentFrame(agent: RunningAgent, socketId: string, frame: number): Promise<Uint8Array> {
  const token = agent.viewUrl.searchParams.get('token') ?? '';
  const socket = new WebSocket(`ws://127.0.0.1:${agent.port}/ws?token=${encodeURIComponent(token)}`);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no bytes of frame ${frame} within 10 s`)), 10_000);
      socket.on('open', () => {
        socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
        socket.send(JSON.stringify({ type: 'readFrame', requestId: 'e2e-frame', socketId, frame }));
      });
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        const message = JSON.parse(String(data)) as { type: string; requestId?: string; bytes?: string };
        if (message.requestId !== 'e2e-frame') return;
        clearTimeout(timer);
        if (message.type === 'frameBytes' && message.bytes !== undefined) {
          resolve(new Uint8Array(Buffer.from(message.bytes, 'base64')));
        } else reject(new Error(`the agent answered readFrame with ${String(data)}`));
      });
      socket.on('error', reject);
    });
  } finally {
    socket.close();
  }
}
