import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SocketConfig, XdpMode } from '@ringside/shared';
import { afterEach, expect, it } from 'vitest';
import { InterfaceSteering } from '../src/engine/xdp-steering.ts';
import { Lab } from '../src/lab/lab.ts';
import { XskSocket } from '../src/xsk/socket.ts';
import { Umem } from '../src/xsk/umem.ts';
import { BareSocket } from './bare-socket.ts';
import { describeKernel, everyStep, waitFor } from './kernel.ts';

const BPF_BUILD = fileURLToPath(new URL('../../bpf/build/', import.meta.url));
const PORT = 4242;
const UMEM = { frameCount: 512, frameSize: 2048, headroom: 0, fillSize: 256, completionSize: 256, unaligned: false };

function onLo(xdpMode: XdpMode): SocketConfig {
  const rings = { rxSize: 256, txSize: 0, batchSize: 32 };
  return { ifname: 'lo', queueId: 0, ...rings, xdpMode, copy: true, zeroCopy: false, needWakeup: true };
}

/** The XDP program `ip link` shows on `ifname` in the lab's app namespace (mode 1: drv, 2: skb), undefined when none. */
function xdpOf(lab: Lab, ifname = lab.appIfname): { mode?: number; prog?: { id?: number } } | undefined {
  const [link] = JSON.parse(
    execFileSync('ip', ['-n', lab.appNamespace, '-j', 'link', 'show', ifname], { encoding: 'utf8' }),
  ) as { xdp?: { mode?: number; prog?: { id?: number } } }[];
  return link?.xdp;
}

const programOnInterface = (lab: Lab) => xdpOf(lab)?.prog?.id;

/** A bpf build with by_queue.o and nothing else (no frags variant, no other program), as a half-finished setup leaves it. */
function buildWithByQueueAlone(): string {
  const objects = mkdtempSync(join(tmpdir(), 'ringside-bpf-'));
  copyFileSync(join(BPF_BUILD, 'by_queue.o'), join(objects, 'by_queue.o'));
  return objects;
}

describeKernel('Steering an interface through a change of program', () => {
  let lab: Lab | null = null;
  let steering: InterfaceSteering | null = null;
  let sockets: { destroy(): void }[] = [];
  let objects: string | null = null;
  let umem: Umem | null = null;

  afterEach(() => {
    const steps = [
      () => steering?.detach(),
      ...sockets.map((socket) => () => socket.destroy()),
      () => umem?.destroy(),
      () => lab?.destroy(),
      () => objects && rmSync(objects, { recursive: true }),
    ];
    // The steps read steering, lab and objects when they run: those are let go only after.
    try {
      everyStep(steps);
    } finally {
      sockets = [];
      steering = null;
      lab = null;
      objects = null;
      umem = null;
    }
  });

  /**
   * A lab of `queues` queues whose bpf build has by-queue alone, steered by it: a receiver on queue 0 at
   * index 0 and a sender on the peer. Returns them, the lab, and the id of the program the kernel runs.
   */
  function steerWithByQueueAlone(queues: number): {
    built: Lab;
    receiver: BareSocket;
    sender: BareSocket;
    attached: number;
  } {
    const built = Lab.create(queues);
    lab = built;
    objects = buildWithByQueueAlone();
    const steered = new InterfaceSteering(built.appIfname, built.appNamespacePath, 'by-queue', objects);
    steering = steered;
    const receiver = BareSocket.open(built.appNamespacePath, built.appIfname, 0, 'receiver');
    const sender = BareSocket.open(built.peerNamespacePath, built.peerIfname, 0, 'sender');
    sockets.push(receiver, sender);
    steered.place({ socketId: 'a', fd: receiver.fd, queueId: 0, requestedIndex: undefined }, 'drv');
    const attached = steered.programId;
    if (attached === null) throw new Error('by-queue did not attach');
    expect(programOnInterface(built)).toBe(attached);
    return { built, receiver, sender, attached };
  }

  /** The kernel runs the program `attached` still, and it steers queue 0 to the receiver alone. */
  async function expectStillSteering(receiver: BareSocket, sender: BareSocket, attached: number): Promise<void> {
    expect(programOnInterface(lab as Lab)).toBe(attached);
    expect(steering?.programId).toBe(attached);
    expect(steering?.kind).toBe('by-queue');
    expect(steering?.entries()).toEqual([{ index: 0, socketId: 'a' }]);
    await sender.send(64, PORT);
    await waitFor(() => receiver.receivedFrames() >= 64, 20_000, '64 frames at the first socket');
    expect(steering?.counters()).toMatchObject({ redirected: 64 });
  }

  it('keeps the old program attached and steering when the frags variant a multi-buffer socket needs cannot load', async () => {
    const { built, receiver, sender, attached } = steerWithByQueueAlone(2);
    const second = BareSocket.open(built.appNamespacePath, built.appIfname, 1, 'receiver');
    sockets.push(second);

    expect(() =>
      steering?.place(
        { socketId: 'b', fd: second.fd, queueId: 1, requestedIndex: undefined, multiBuffer: true },
        'drv',
      ),
    ).toThrow(/by_queue\.frags\.o is missing/);

    await expectStillSteering(receiver, sender, attached);
  });

  it('leaves the old program steering, the same one, when the program switched to cannot load', async () => {
    const { receiver, sender, attached } = steerWithByQueueAlone(1);

    expect(() => steering?.switchTo('round-robin', [])).toThrow(/round_robin\.o is missing/);

    // Never detached, never loaded again: the kernel runs the program it ran, and the steering says the same.
    await expectStillSteering(receiver, sender, attached);
  });

  it('puts the old program back when the interface refuses the new one', () => {
    lab = Lab.create(1);
    // lo runs XDP in skb mode only: a drv attach is refused after the new program loaded and the old one went.
    umem = Umem.create(UMEM, lab.appNamespacePath);
    const socket = XskSocket.create(umem, onLo('skb'), {
      namespacePath: lab.appNamespacePath,
      inhibitProgramLoad: true,
    });
    sockets.push(socket);
    steering = new InterfaceSteering('lo', lab.appNamespacePath);
    steering.place({ socketId: 'a', fd: socket.fd, queueId: 0, requestedIndex: undefined }, 'skb');
    steering.remove('a');
    expect(xdpOf(lab, 'lo')?.mode).toBe(2);

    expect(() =>
      steering?.place({ socketId: 'a', fd: socket.fd, queueId: 0, requestedIndex: undefined }, 'drv'),
    ).toThrow(/EOPNOTSUPP/);
    expect(xdpOf(lab, 'lo')).toMatchObject({ mode: 2, prog: { id: steering.programId } });
    expect(steering.counters()).toMatchObject({ ifname: 'lo' });
  });
});
