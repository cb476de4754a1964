import { defaultSocketRequest, HelloMessage, type InterfaceInfo, StateMessage } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { kernelViewOf } from './observe/kernel-view.ts';
import { readings } from './observe/test-readings.ts';
import {
  describeMismatchChange,
  describeMismatches,
  helloMessage,
  type SteeringFacts,
  stateMessage,
  xdpProgramsOf,
} from './state-view.ts';

const device = (name: string, programId: number | null): InterfaceInfo => ({
  name,
  ifindex: 2,
  driver: 'veth',
  rxQueues: 2,
  txQueues: 2,
  mtu: 1500,
  xdpFeatures: null,
  attachedXdp: programId === null ? null : { mode: 'drv', programId },
});

const request = defaultSocketRequest('rs-app', 1);
const RUNNING = { state: 'running' } as const;
const socket = { id: 'xsk0', config: request.socket };
const program = (id: number) => ({ id, name: `prog${id}`, xskmap: { id: 90 + id, name: 'xsks_map', maxEntries: 64 } });
const ours = (programId: number, ownsProgram: boolean): SteeringFacts => ({
  ifname: 'rs-app',
  kind: ownsProgram ? 'steer-by-port' : 'libxdp-default',
  ports: ownsProgram ? [{ port: 9000, index: 3 }] : [],
  programId,
  ownsProgram,
  entries: ownsProgram ? [{ index: 3, socketId: 'xsk0' }] : [],
});

describe('the XDP programs the state lists', () => {
  it("lists Ringside's program with the XSKMAP entries where Ringside put its sockets", () => {
    const [listed] = xdpProgramsOf([device('rs-app', 7)], new Map([[7, program(7)]]), [socket], [ours(7, true)]);
    expect(listed).toMatchObject({ kind: 'steer-by-port', ports: [{ port: 9000, index: 3 }] });
    expect(listed?.xskmap?.entries).toEqual([{ index: 3, socketId: 'xsk0' }]);
  });

  it("lists libxdp's program with each receiving socket at its queue id", () => {
    const [listed] = xdpProgramsOf([device('rs-app', 8)], new Map([[8, program(8)]]), [socket], [ours(8, false)]);
    expect(listed).toMatchObject({ kind: 'libxdp-default', ports: [] });
    expect(listed?.xskmap?.entries).toEqual([{ index: 1, socketId: 'xsk0' }]);
  });

  it('calls a program someone else attached other, and skips interfaces with none or one gone meanwhile', () => {
    const listed = xdpProgramsOf(
      [device('rs-app', 9), device('lo', null), device('eth9', 10)],
      new Map([[9, program(9)]]),
      [socket],
      [ours(7, true)],
    );
    expect(listed.map((entry) => [entry.ifname, entry.kind])).toEqual([['rs-app', 'other']]);
  });
});

describe('the state and hello messages', () => {
  it('builds a state the protocol accepts, with each socket at its XSKMAP index or none', () => {
    const state = stateMessage({
      umems: [{ id: 'u0', config: request.umem, socketIds: ['xsk0', 'xsk1'], pairs: [] }],
      sockets: ['xsk0', 'xsk1'].map((id) => ({
        id,
        umemId: 'u0',
        config: request.socket,
        workload: request.workload,
        request,
        pausedStages: [],
        zeroCopyActive: false,
        kernel: kernelViewOf(readings()),
        mismatches: [],
        dataPlane: id === 'xsk1' ? { state: 'down', since: 5, reason: 'the data-plane worker crashed' } : RUNNING,
      })),
      steering: [ours(7, true)],
      traffic: null,
      lab: null,
      interfaces: [device('rs-app', 7)],
      xdpPrograms: [],
      umemLimits: {
        pageSize: 4096,
        alignedChunkSizes: [2048, 4096],
        unalignedChunkRange: { min: 2048, max: 65536 },
        maxHeadroom: {},
      },
      snapshotsPerSecond: 10,
      discovered: [],
      attached: [],
    });
    expect(StateMessage.parse(state)).toEqual(state);
    expect(state.sockets.map((entry) => entry.xskmapIndex)).toEqual([3, null]);
    expect(state.sockets.map((entry) => entry.dataPlane?.state)).toEqual(['running', 'down']);
  });

  it('greets in lab or NIC mode with what this agent can do', () => {
    const host = { kernel: '6.18', hostname: 'here', interfaces: [device('rs-app', null)] };
    const hello = helloMessage('view', host, 'lab');
    expect(HelloMessage.parse(hello)).toEqual(hello);
    expect(hello).toMatchObject({ role: 'view', mode: 'lab' });
    expect(hello.capabilities).toContain('shared-umem');
    expect(helloMessage('control', host, 'nic').mode).toBe('nic');
  });
});

describe('a kernel-mismatch event', () => {
  it('names each fact, what was asked and what the kernel shows', () => {
    const message = describeMismatches('xsk0', [
      { fact: 'xdpMode', requested: 'skb', inEffect: 'drv', explanation: 'the program on rs-app runs in drv mode' },
      { fact: 'rings.rx', requested: '512 entries', inEffect: '2048 entries', explanation: 'another size' },
    ]);
    expect(message).toBe(
      "socket xsk0: the kernel's view differs from the request: xdpMode: requested skb, the kernel shows drv (the program on rs-app runs in drv mode); rings.rx: requested 512 entries, the kernel shows 2048 entries (another size)",
    );
  });
});

describe('a kernel-mismatch event when the mismatches change', () => {
  const mode = { fact: 'xdpMode', requested: 'skb', inEffect: 'no program', explanation: 'rs-app has none' };

  it('names what differs now, or says the view agrees again, naming what cleared', () => {
    expect(describeMismatchChange('xsk0', { now: [mode], cleared: [] })).toBe(describeMismatches('xsk0', [mode]));
    expect(describeMismatchChange('xsk0', { now: [], cleared: [mode] })).toBe(
      "socket xsk0: cleared: the kernel's view agrees with the request again (xdpMode)",
    );
  });
});
