import { type KernelView, StateMessage } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import type { DiscoveredXsk } from './attach/discovery.ts';
import { attachedSocketId, attachedSocketInfo, discoveredForState, umemFrames, umemOf } from './attached-sockets.ts';
import { stateMessage } from './state-view.ts';

const ring = (candidates: number[]) => ({
  candidates,
  exact: candidates.length === 1,
  present: true,
  source: 'mmap-probe' as const,
});
const unknown = { value: null, source: 'unknown' as const };
const kernel: KernelView = {
  readAt: 1,
  rings: { fill: ring([2048]), rx: ring([32, 64]), tx: { ...ring([]), present: false }, completion: ring([2048]) },
  zeroCopy: { value: false, source: 'getsockopt' },
  xdpMode: unknown,
  xdpProgramId: unknown,
  ifname: unknown,
  queueId: unknown,
  chunkSize: unknown,
  headroom: unknown,
  unaligned: unknown,
  fillNeedWakeup: { value: false, source: 'ring-flags' },
  txNeedWakeup: unknown,
};
const noUmem = { id: null, size: null, chunkSize: null, headroom: null, refs: null, source: 'unknown' as const };

function xsk(pid: number, fd: number, command: string): DiscoveredXsk {
  return {
    id: `${pid}-${fd}-${9000 + fd}`,
    pid,
    command,
    cmdline: [command, '-i', 'rs-app'],
    fd,
    inode: 9000 + fd,
    netns: { inode: 4026531840, name: null },
    kernel,
    umem: noUmem,
  };
}

describe('attached sockets in the state', () => {
  it('names an attached socket by pid and fd, in a form no own socket id can take', () => {
    const id = attachedSocketId(4242, 7);
    expect(id).toBe('pid4242.fd7');
    expect(id).not.toMatch(/^[a-z][a-z0-9-]*$/);
  });

  it("lists Ringside's own process's sockets as its own, and each attached one under the id it was attached as", () => {
    const found = [xsk(100, 5, 'node'), xsk(4242, 7, 'xdpsock'), xsk(4242, 8, 'xdpsock')];
    const listed = discoveredForState(found, 100, new Map([['4242-7-9007', 'pid4242.fd7']]));
    expect(listed.map(({ id, own, attachedAs }) => ({ id, own, attachedAs }))).toEqual([
      { id: '100-5-9005', own: true, attachedAs: null },
      { id: '4242-7-9007', own: false, attachedAs: 'pid4242.fd7' },
      { id: '4242-8-9008', own: false, attachedAs: null },
    ]);
  });

  it('builds a state the protocol accepts, with the discovered and the attached beside the own sockets', () => {
    const found = xsk(4242, 7, 'xdpsock');
    const state = stateMessage({
      umems: [],
      sockets: [],
      steering: [],
      traffic: null,
      lab: null,
      interfaces: [],
      xdpPrograms: [],
      umemLimits: {
        pageSize: 4096,
        alignedChunkSizes: [2048, 4096],
        unalignedChunkRange: { min: 2048, max: 65536 },
        maxHeadroom: {},
      },
      snapshotsPerSecond: 10,
      discovered: discoveredForState([found], 1, new Map([[found.id, 'pid4242.fd7']])),
      attached: [attachedSocketInfo('pid4242.fd7', found)],
    });
    expect(StateMessage.parse(state)).toEqual(state);
    expect(state.attached[0]?.origin).toEqual({
      kind: 'attached',
      pid: 4242,
      command: 'xdpsock',
      fd: 7,
      netns: { inode: 4026531840, name: null },
    });
  });

  it('knows the frames of a UMEM only where the kernel said its size and chunk size', () => {
    expect(umemFrames(noUmem)).toBeNull();
    expect(umemFrames({ ...noUmem, size: 4096 * 2048, source: 'socket-diag' })).toBeNull();
    expect(umemFrames({ ...noUmem, size: 4096 * 2048, chunkSize: 2048, source: 'socket-diag' })).toEqual({
      count: 4096,
      chunkSize: 2048,
    });
  });

  it("takes the UMEM from the rings' contents where socket diag is silent, as a floor on its frames", () => {
    const seen = { chunkSize: 2048, framesAtLeast: 4000, note: 'FILL holds odd multiples of 2048' };
    expect(umemOf(noUmem, seen)).toEqual({
      umem: { ...noUmem, chunkSize: 2048, source: 'ring-contents' },
      frames: { count: 4000, chunkSize: 2048 },
    });
    expect(umemOf(noUmem, { ...seen, chunkSize: null })).toEqual({ umem: noUmem, frames: null });
    expect(umemOf(noUmem, null).frames).toBeNull();
    const told = { ...noUmem, size: 4096 * 4096, chunkSize: 4096, source: 'socket-diag' as const };
    expect(umemOf(told, seen)).toEqual({ umem: told, frames: { count: 4096, chunkSize: 4096 } });
  });
});
