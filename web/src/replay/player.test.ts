import type { FrameBytesMessage } from '@ringside/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { useRingside } from '../store.ts';
import { labState } from '../test-fixtures.ts';
import { openRecording, seek, step, useReplay } from './player.ts';
import { hello, recordedRun } from './test-recording.ts';

const state = labState();

const frameBytes: FrameBytesMessage = {
  type: 'frameBytes',
  requestId: 'r7',
  socketId: 'xsk0',
  frame: 3,
  address: 12_288,
  owner: 'rx',
  length: 60,
  offset: 256,
  bytes: 'AAAA',
};

/** An answer the player gives arrives on a later turn, as an agent's would: one microtask later. */
const answered = () => Promise.resolve();

describe('the replay player', () => {
  beforeAll(async () => {
    const { bytes } = recordedRun(100, [
      { at: 0, message: state },
      { at: 50, message: { ...hello, role: 'control' } },
      { at: 100, message: frameBytes },
    ]);
    await openRecording(new File([bytes], 'lab.ringside'));
  });

  const shown = () => useRingside.getState().snapshot?.seq;

  it('shows the snapshot that had arrived by a time, with the state recorded before it', () => {
    seek(500);
    expect(shown()).toBe(15);
    expect(useReplay.getState()).toMatchObject({ at: 500, index: 15, error: null, fileName: 'lab.ringside' });
    expect(useRingside.getState().agentState?.sockets.map((socket) => socket.id)).toEqual(['xsk0', 'xsk1']);
  });

  it('steps one snapshot on and back, landing on its arrival time', () => {
    seek(500);
    step(1);
    expect(shown()).toBe(16);
    expect(useReplay.getState().at).toBe(16 * 33);
    step(-1);
    step(-1);
    expect(shown()).toBe(14);
  });

  it('goes back in time with what had arrived by then, and no more', () => {
    seek(3000);
    expect(useRingside.getState().frames.xsk0).toBeDefined();
    seek(20);
    expect(shown()).toBe(0);
    expect(useRingside.getState().frames.xsk0).toBeUndefined();
    expect(useRingside.getState().agentState).not.toBeNull();
  });

  it('shows every recording as a view page does, whoever recorded it: nothing can be changed', async () => {
    seek(3000);
    expect(useRingside.getState().hello?.role).toBe('view');
    useRingside.getState().destroySocket('xsk0', 'form:xsk0');
    await answered();
    expect(useRingside.getState().outcomes['form:xsk0']).toMatchObject({
      state: 'refused',
      code: 'forbidden',
      message: 'This is a recording: nothing can be changed.',
    });
  });

  it("answers the inspector with the frame's recorded bytes, and says when the recording has none by then", async () => {
    seek(3000);
    useRingside.getState().readFrame('xsk0', 3);
    await answered();
    expect(useRingside.getState().frames.xsk0).toMatchObject({ frame: 3, address: 12_288, bytes: 'AAAA' });
    expect(useRingside.getState().outcomes['inspector:xsk0']?.state).toBe('done');

    seek(60);
    useRingside.getState().readFrame('xsk0', 3);
    await answered();
    expect(useRingside.getState().outcomes['inspector:xsk0']).toMatchObject({
      state: 'refused',
      code: 'not-found',
      message: expect.stringMatching(/holds no bytes of frame 3 of xsk0 by this time/),
    });
  });

  it('refuses a file that is not a recording, saying so, and keeps the one it replays', async () => {
    await openRecording(new File(['{"type":"hello"}'], 'hello.json'));
    expect(useReplay.getState().error).toMatch(/^hello\.json: this file is not a Ringside recording/);
    expect(useReplay.getState()).toMatchObject({ fileName: 'lab.ringside' });
    expect(useReplay.getState().timeline?.snapshotCount).toBe(100);
  });
});
