import { execFileSync } from 'node:child_process';
import type { XdpActions } from '@ringside/shared';
import { afterEach, expect, it } from 'vitest';
import { APP_IP, APP_MAC, Lab, PEER_IP, PEER_MAC } from '../src/lab/lab.ts';
import { possibleCpuCount } from '../src/native/bpf-map.ts';
import { RingsideProgram, RingsideProgramError } from '../src/xdp/ringside-program.ts';
import { BareSocket } from './bare-socket.ts';
import { describeKernel, tearDownBuilt, vethStatistic, waitFor } from './kernel.ts';

const STEERED_PORT = 4242;
const OTHER_PORT = 5353;

/** The stack's count of UDP datagrams to a port nobody listens on: frames that reached it. */
function udpNoPorts(namespace: string): number {
  const snmp = execFileSync('ip', ['netns', 'exec', namespace, 'cat', '/proc/net/snmp'], { encoding: 'utf8' });
  const [names, values] = snmp.split('\n').filter((line) => line.startsWith('Udp:'));
  const field = names?.split(/\s+/).indexOf('NoPorts') ?? -1;
  return Number(values?.split(/\s+/)[field]);
}

function attachedProgram(lab: Lab): { mode?: number; prog?: { id?: number } } | undefined {
  const [link] = JSON.parse(
    execFileSync('ip', ['-n', lab.appNamespace, '-j', 'link', 'show', lab.appIfname], { encoding: 'utf8' }),
  ) as { xdp?: { mode?: number; prog?: { id?: number } } }[];
  return link?.xdp;
}

const NONE: XdpActions = { redirected: 0, passed: 0, dropped: 0, noSocket: 0, wrongQueue: 0 };

describeKernel("Ringside's XDP programs, attached and driven by the agent", () => {
  let lab: Lab | null = null;
  let program: RingsideProgram | null = null;
  let sockets: BareSocket[] = [];

  /**
   * A lab whose two ends know each other's MAC for good: no ARP crosses the
   * program, so its counters hold only the frames a test sends (and pings).
   */
  function labWith(queues: number): Lab {
    lab = Lab.create(queues);
    const neighbour = (namespace: string, ip: readonly number[], mac: readonly number[], dev: string) =>
      execFileSync('ip', [
        '-n',
        namespace,
        'neigh',
        'replace',
        ip.join('.'),
        'lladdr',
        mac.map((b) => b.toString(16).padStart(2, '0')).join(':'),
        'dev',
        dev,
        'nud',
        'permanent',
      ]);
    neighbour(lab.appNamespace, PEER_IP, PEER_MAC, lab.appIfname);
    neighbour(lab.peerNamespace, APP_IP, APP_MAC, lab.peerIfname);
    return lab;
  }

  function open(side: 'app' | 'peer', queueId: number): BareSocket {
    if (!lab) throw new Error('no lab');
    const socket =
      side === 'app'
        ? BareSocket.open(lab.appNamespacePath, lab.appIfname, queueId, 'receiver')
        : BareSocket.open(lab.peerNamespacePath, lab.peerIfname, queueId, 'sender');
    sockets.push(socket);
    return socket;
  }

  /** Waits until the program has counted `frames` frames in all (its outcomes add up to the frames seen). */
  async function seen(frames: number): Promise<XdpActions> {
    const total = () => {
      const c = program?.counters() ?? NONE;
      return c.redirected + c.wrongQueue + c.passed + c.dropped;
    };
    // A frame's NO_SOCKET is counted before its outcome: once the outcomes add up, every counter is final.
    await waitFor(() => total() >= frames, 20_000, `the program to count ${frames} frames`);
    return program?.counters() ?? NONE;
  }

  afterEach(() => {
    const built = { sockets, program, lab };
    sockets = [];
    program = null;
    lab = null;
    tearDownBuilt(built);
  });

  it('by-queue redirects queue 0 to the socket at index 0, and counts each frame', async () => {
    const lab = labWith(1);
    program = RingsideProgram.attach('by-queue', lab.appIfname, 'drv', lab.appNamespacePath);
    const receiver = open('app', 0);
    const sender = open('peer', 0);
    program.setSocket(0, receiver.fd);

    await sender.send(200, STEERED_PORT);
    await waitFor(() => receiver.receivedFrames() >= 200, 20_000, '200 frames at the socket');
    expect(await seen(200)).toEqual({ ...NONE, redirected: 200 });
    expect(receiver.receivedFrames()).toBe(200);
  });

  it('by-queue passes frames to the stack while index 0 is empty, and counts them as no socket', async () => {
    const lab = labWith(1);
    program = RingsideProgram.attach('by-queue', lab.appIfname, 'drv', lab.appNamespacePath);
    const receiver = open('app', 0);
    const sender = open('peer', 0);
    program.setSocket(0, receiver.fd);
    await sender.send(100, STEERED_PORT);
    await waitFor(() => receiver.receivedFrames() >= 100, 20_000, '100 frames at the socket');

    program.clearIndex(0);
    const stackBefore = udpNoPorts(lab.appNamespace);
    await sender.send(150, STEERED_PORT);
    expect(await seen(250)).toEqual({ ...NONE, redirected: 100, passed: 150, noSocket: 150 });
    // Passed really means the stack got them: nobody listens on the port, so each one is a NoPorts (counted after
    // the program's own counter, in the same receive pass, which a busy machine may not have finished yet).
    await waitFor(() => udpNoPorts(lab.appNamespace) - stackBefore >= 150, 20_000, '150 NoPorts');
    expect(udpNoPorts(lab.appNamespace) - stackBefore).toBe(150);
    expect(receiver.receivedFrames()).toBe(100);
  });

  it("steer-by-port sends the routed port's frames to its socket, passes the rest, and ping still works", async () => {
    const lab = labWith(1);
    program = RingsideProgram.attach('steer-by-port', lab.appIfname, 'drv', lab.appNamespacePath);
    const receiver = open('app', 0);
    const sender = open('peer', 0);
    program.setSocket(0, receiver.fd);
    program.routePort(STEERED_PORT, 0);

    const stackBefore = udpNoPorts(lab.appNamespace);
    await sender.send(150, STEERED_PORT);
    await sender.send(100, OTHER_PORT);
    await waitFor(() => receiver.receivedFrames() >= 150, 20_000, '150 frames at the socket');
    expect(await seen(250)).toEqual({ ...NONE, redirected: 150, passed: 100 });
    expect(receiver.receivedFrames()).toBe(150);
    expect([...receiver.receivedPorts]).toEqual([STEERED_PORT]);
    await waitFor(() => udpNoPorts(lab.appNamespace) - stackBefore >= 100, 20_000, '100 NoPorts');
    expect(udpNoPorts(lab.appNamespace) - stackBefore).toBe(100);

    // ICMP is not UDP: the echo replies cross the program back to the stack.
    execFileSync(
      'ip',
      ['netns', 'exec', lab.appNamespace, 'ping', '-c', '3', '-i', '0.2', '-W', '2', PEER_IP.join('.')],
      {
        stdio: 'pipe',
      },
    );
    expect(program.counters().passed).toBeGreaterThanOrEqual(103);

    // Unrouted, the port's frames go to the stack too.
    program.unroutePort(STEERED_PORT);
    await sender.send(50, STEERED_PORT);
    await waitFor(() => (program?.counters().passed ?? 0) >= 153, 20_000, 'the unrouted port to pass');
    expect(program.counters().redirected).toBe(150);
    expect(receiver.receivedFrames()).toBe(150);
  });

  it('steer-by-port drops a port routed to an empty index and counts it as no socket', async () => {
    const lab = labWith(1);
    program = RingsideProgram.attach('steer-by-port', lab.appIfname, 'drv', lab.appNamespacePath);
    const sender = open('peer', 0);
    program.routePort(STEERED_PORT, 5);

    const stackBefore = udpNoPorts(lab.appNamespace);
    await sender.send(120, STEERED_PORT);
    expect(await seen(120)).toEqual({ ...NONE, dropped: 120, noSocket: 120 });
    expect(udpNoPorts(lab.appNamespace) - stackBefore).toBe(0);
  });

  it('a socket of queue 1 at the index of queue 0 receives nothing: the kernel refuses every frame (wrong queue)', async () => {
    const lab = labWith(2);
    program = RingsideProgram.attach('by-queue', lab.appIfname, 'drv', lab.appNamespacePath);
    const receiver = open('app', 1);
    const sender0 = open('peer', 0);
    program.setSocket(0, receiver.fd);
    const stackBefore = udpNoPorts(lab.appNamespace);

    await sender0.send(100, STEERED_PORT);
    expect(await seen(100)).toEqual({ ...NONE, wrongQueue: 100 });
    // The veth driver counts the refused redirect as a drop of queue 0; the socket's own statistics stay silent.
    await waitFor(() => vethStatistic(lab, 'rx_queue_0_drops') >= 100, 20_000, 'veth to count 100 drops');
    expect(vethStatistic(lab, 'rx_queue_0_drops')).toBe(100);
    expect(receiver.receivedFrames()).toBe(0);
    expect(vethStatistic(lab, 'rx_queue_0_xdp_redirect')).toBe(0);
    expect(receiver.socket.statistics().rxDropped).toBe(0);
    expect(udpNoPorts(lab.appNamespace) - stackBefore).toBe(0);

    // The same socket at its own queue's index receives that queue's frames: only the queue was wrong.
    const sender1 = open('peer', 1);
    program.setSocket(1, receiver.fd);
    await sender1.send(100, STEERED_PORT);
    await waitFor(() => receiver.receivedFrames() >= 100, 20_000, '100 frames on queue 1');
    expect(program.counters()).toEqual({ ...NONE, wrongQueue: 100, redirected: 100 });
  });

  it('round-robin takes turns over the count the agent sets, dropping the turns of an empty index', async () => {
    const lab = labWith(1);
    program = RingsideProgram.attach('round-robin', lab.appIfname, 'drv', lab.appNamespacePath);
    const receiver = open('app', 0);
    const sender = open('peer', 0);
    program.setSocket(0, receiver.fd);

    // No count yet: the program steers nothing.
    await sender.send(40, STEERED_PORT);
    expect(await seen(40)).toEqual({ ...NONE, passed: 40 });

    program.setSocketCount(2);
    await sender.send(400, STEERED_PORT);
    const counters = await seen(440);
    expect(counters.redirected + counters.noSocket).toBe(400);
    expect(counters.dropped).toBe(counters.noSocket);
    // Each CPU keeps its own turn, so each CPU's share is off by at most one frame.
    expect(Math.abs(counters.redirected - counters.noSocket)).toBeLessThanOrEqual(possibleCpuCount());
    await waitFor(() => receiver.receivedFrames() >= counters.redirected, 20_000, 'the redirected frames');
    expect(receiver.receivedFrames()).toBe(counters.redirected);

    expect(() => program?.setSocketCount(65)).toThrow(RangeError);
  });

  it("drop-half drops every second frame it sees and steers the rest by queue, as the selftests' XDP_DROP_HALF", async () => {
    const lab = labWith(1);
    program = RingsideProgram.attach('drop-half', lab.appIfname, 'drv', lab.appNamespacePath);
    const receiver = open('app', 0);
    const sender = open('peer', 0);
    program.setSocket(0, receiver.fd);

    const sent = 300;
    await sender.send(sent, STEERED_PORT);
    expect(await seen(sent)).toEqual({ ...NONE, redirected: sent / 2, dropped: sent / 2 });
    await waitFor(() => receiver.receivedFrames() >= sent / 2, 20_000, `${sent / 2} frames at the socket`);
    expect(receiver.receivedFrames()).toBe(sent / 2);
    expect(receiver.socket.statistics().rxDropped).toBe(0);

    // The kernel's own tools see the same: the program by name, its drop count summed over CPUs, its frame count.
    const shown = JSON.parse(
      execFileSync('bpftool', ['-j', 'prog', 'show', 'id', String(program.id)], { encoding: 'utf8' }),
    ) as { name: string; map_ids: number[] };
    expect(shown.name).toBe('ringside_drop_half');
    const maps = shown.map_ids.map(
      (id) =>
        JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'id', String(id)], { encoding: 'utf8' })) as {
          id: number;
          name: string;
        },
    );
    const dump = (name: string) => {
      const map = maps.find((candidate) => candidate.name === name);
      if (!map) throw new Error(`drop-half has no map ${name}: ${maps.map((m) => m.name).join(', ')}`);
      const entries = JSON.parse(
        execFileSync('bpftool', ['-j', 'map', 'dump', 'id', String(map.id)], { encoding: 'utf8' }),
      ) as { formatted: { key: number; value?: number; values?: { value: number }[] } }[];
      // With the program's BTF, bpftool adds each entry decoded, as `formatted`.
      return entries.map((entry) => entry.formatted);
    };
    const dropped = dump('action_counts').find((entry) => entry.key === 2); // RINGSIDE_DROPPED
    expect((dropped?.values ?? []).reduce((sum, cpu) => sum + cpu.value, 0)).toBe(sent / 2);
    expect(dump('frames_seen')[0]?.value).toBe(sent);
  });

  it('refuses what cannot work, saying what to do', () => {
    const lab = labWith(1);
    program = RingsideProgram.attach('by-queue', lab.appIfname, 'drv', lab.appNamespacePath);
    const second = () => RingsideProgram.attach('steer-by-port', lab.appIfname, 'skb', lab.appNamespacePath);
    expect(second).toThrow(RingsideProgramError);
    expect(second).toThrow(/already has an XDP program \(ringside_by_queue, id \d+, drv mode\).*xdp off/);
    expect(() => RingsideProgram.attach('by-queue', 'rs-absent', 'drv', lab.appNamespacePath)).toThrow(
      /does not exist/,
    );
    expect(() => program?.setSocket(64, 0)).toThrow(/0 to 63/);
    expect(() => program?.setSocket(0, 0)).toThrow(RingsideProgramError);
    expect(() => program?.routePort(STEERED_PORT, 0)).toThrow(/only the steer-by-port program/);
    expect(() => program?.setSocketCount(1)).toThrow(/only the round-robin program/);

    // The refused attach kept no fd to the first program: detached, the kernel frees it.
    const id = program.id;
    program.detach();
    expect(() => execFileSync('bpftool', ['prog', 'show', 'id', String(id)], { stdio: 'pipe' })).toThrow();
  });

  it('detach leaves no program on the interface, and may be called again', () => {
    const lab = labWith(1);
    program = RingsideProgram.attach('steer-by-port', lab.appIfname, 'drv', lab.appNamespacePath);
    // mode 1 is XDP_ATTACHED_DRV: the program runs in the veth driver, not in generic (skb) mode.
    expect(attachedProgram(lab)).toMatchObject({ mode: 1, prog: { id: program.id } });
    const shown = JSON.parse(
      execFileSync('bpftool', ['-j', 'map', 'show', 'id', String(program.xskmap.id)], { encoding: 'utf8' }),
    ) as { type: string; max_entries: number };
    expect(shown).toMatchObject({ type: 'xskmap', max_entries: program.xskmap.maxEntries });

    program.detach();
    program.detach();
    expect(attachedProgram(lab)).toBeUndefined();
    // Closed too: with no fd and no link left, the kernel freed the program and its maps.
    const id = program.id;
    expect(() => execFileSync('bpftool', ['prog', 'show', 'id', String(id)], { stdio: 'pipe' })).toThrow();
    expect(() => program?.counters()).toThrow(/detached/);
  });
});
