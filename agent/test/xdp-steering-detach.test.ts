import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import type { Engine } from '../src/engine/engine.ts';
import { InterfaceSteering } from '../src/engine/xdp-steering.ts';
import { Lab } from '../src/lab/lab.ts';
import { BareSocket } from './bare-socket.ts';
import { describeKernel, everyStep, waitFor } from './kernel.ts';
import { labEngine, TEST_UMEM, testSocket } from './lab-sockets.ts';

const DROP_HALF = fileURLToPath(new URL('../../bpf/build/drop_half.o', import.meta.url));
const PORT = 4242;
const UPPER = 'ut-upper';

/** The id of the XDP program `ip link` shows on `ifname` in the lab's app namespace, undefined when none. */
function programOn(lab: Lab, ifname: string): number | undefined {
  const [link] = JSON.parse(
    execFileSync('ip', ['-n', lab.appNamespace, '-j', 'link', 'show', ifname], { encoding: 'utf8' }),
  ) as { xdp?: { prog?: { id?: number } } }[];
  return link?.xdp?.prog?.id;
}

const ipIn = (lab: Lab, ...args: string[]) => execFileSync('ip', ['-n', lab.appNamespace, ...args]);

describeKernel('Steering an interface whose program cannot be detached', () => {
  let lab: Lab | null = null;
  let steering: InterfaceSteering | null = null;
  let sockets: { destroy(): void }[] = [];

  afterEach(() => {
    const steps = [
      // The upper device goes first: while its program runs, the kernel refuses to detach the one below it.
      () => lab && ipIn(lab, 'link', 'del', UPPER),
      () => steering?.detach(),
      ...sockets.map((socket) => () => socket.destroy()),
      () => lab?.destroy(),
    ];
    try {
      everyStep(steps);
    } finally {
      sockets = [];
      steering = null;
      lab = null;
    }
  });

  it('keeps the old program attached, steering and driven when a device stacked on the interface runs XDP, and names that program as what to remove', async () => {
    lab = Lab.create(2);
    const { appNamespacePath, appIfname } = lab;
    steering = new InterfaceSteering(appIfname, appNamespacePath, 'by-queue');
    const receiver = BareSocket.open(appNamespacePath, appIfname, 0, 'receiver');
    const second = BareSocket.open(appNamespacePath, appIfname, 1, 'receiver');
    const sender = BareSocket.open(lab.peerNamespacePath, lab.peerIfname, 0, 'sender');
    sockets.push(receiver, second, sender);
    steering.place({ socketId: 'a', fd: receiver.fd, queueId: 0, requestedIndex: undefined }, 'drv');
    const attached = steering.programId;
    expect(programOn(lab, appIfname)).toBe(attached);

    // Another owner stacks a macvlan on the interface and runs XDP there: the kernel (dev_xdp_attach) then
    // refuses every XDP change below it, a detach included, with EEXIST.
    ipIn(lab, 'link', 'add', 'link', appIfname, 'name', UPPER, 'type', 'macvlan');
    ipIn(lab, 'link', 'set', 'dev', UPPER, 'xdpgeneric', 'obj', DROP_HALF, 'sec', 'xdp');
    const multiBuffer = { socketId: 'b', fd: second.fd, queueId: 1, requestedIndex: undefined, multiBuffer: true };
    const refusal = /EEXIST.*a device stacked on it.*ip link set dev <that device> xdp off/;

    // Swapping in the frags variant, then another program: both need the old one off the interface.
    expect(() => steering?.place(multiBuffer, 'drv')).toThrow(refusal);
    expect(() => steering?.switchTo('round-robin', [])).toThrow(refusal);

    expect(programOn(lab, appIfname)).toBe(attached);
    expect(steering.programId).toBe(attached);
    expect(steering.kind).toBe('by-queue');
    expect(steering.entries()).toEqual([{ index: 0, socketId: 'a' }]);
    await sender.send(64, PORT);
    await waitFor(() => receiver.receivedFrames() >= 64, 20_000, '64 frames at the first socket');
    expect(steering.counters()).toMatchObject({ redirected: 64 });

    // Once the stacked device's program goes, the same swap goes through.
    ipIn(lab, 'link', 'set', 'dev', UPPER, 'xdpgeneric', 'off');
    expect(steering.place(multiBuffer, 'drv')).toBe(1);
    expect(steering.programId).not.toBe(attached);
    expect(programOn(lab, appIfname)).toBe(steering.programId);
    expect(steering.entries()).toEqual([
      { index: 0, socketId: 'a' },
      { index: 1, socketId: 'b' },
    ]);
  });
});

describeKernel('Shutting down while one interface keeps its program', () => {
  const SECOND = 'ut-second';
  let lab: Lab | null = null;
  let engine: Engine | null = null;

  afterEach(async () => {
    // Every step runs, the first failure is thrown: a clean-up must not leave a lab behind.
    const failures: unknown[] = [];
    const attempt = async (step: () => unknown) => {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    };
    await attempt(() => lab && ipIn(lab, 'link', 'del', UPPER));
    await attempt(() => engine?.destroyAll());
    await attempt(() => lab?.destroy());
    engine = null;
    lab = null;
    if (failures.length > 0) throw failures[0];
  });

  it("detaches every other interface's program and reports the one refused", async () => {
    lab = Lab.create(1);
    ipIn(lab, 'link', 'add', SECOND, 'type', 'veth', 'peer', 'name', `${SECOND}-p`);
    ipIn(lab, 'link', 'set', SECOND, 'up');
    ipIn(lab, 'link', 'set', `${SECOND}-p`, 'up');
    engine = labEngine(lab);
    const request = (ifname: string) => ({
      umem: TEST_UMEM,
      socket: testSocket(lab as Lab, { ifname }),
      workload: 'rxdrop' as const,
    });
    // The lab's interface first: the engine meets its refusal before the second interface.
    await engine.create(request(lab.appIfname), 'first');
    await engine.create(request(SECOND), 'second');
    expect(programOn(lab, lab.appIfname)).toBeDefined();
    expect(programOn(lab, SECOND)).toBeDefined();

    ipIn(lab, 'link', 'add', 'link', lab.appIfname, 'name', UPPER, 'type', 'macvlan');
    ipIn(lab, 'link', 'set', 'dev', UPPER, 'xdpgeneric', 'obj', DROP_HALF, 'sec', 'xdp');
    await expect(engine.destroyAll()).rejects.toThrow(/a device stacked on it/);
    expect(programOn(lab, SECOND)).toBeUndefined();
    expect(programOn(lab, lab.appIfname)).toBeDefined();
  });
});
