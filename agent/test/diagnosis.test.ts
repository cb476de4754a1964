import { execFileSync } from 'node:child_process';
import {
  type Diagnosis,
  type DiagnosisStage,
  diagnose,
  expectedRises,
  type SnapshotMessage,
  type SocketRequest,
  type StateMessage,
} from '@ringside/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LinkCounters } from '../src/host/link-counters.ts';
import { type RunningAgent, startAgent } from './agent-process.ts';
import { describeKernel } from './kernel.ts';
import { TestClient } from './ws-client.ts';

/**
 * The FAQ's pitfalls built one after another on one lab (two queues, the
 * source sending on queue 0, the by-queue program), each diagnosed from the
 * state and snapshots a page receives.
 */
describeKernel('why a socket receives nothing, diagnosed on the lab', () => {
  let agent: RunningAgent;
  let client: TestClient;
  let requests = 0;

  beforeAll(async () => {
    agent = await startAgent(['--rate', '5000', '--lab-queues', '2']);
    client = await TestClient.connect(agent.controlUrl);
    await client.next('state');
  });

  afterAll(async () => {
    client?.close();
    expect(await agent?.stop()).toBe(0);
  });

  const latestState = () => client.of('state').at(-1) as StateMessage;

  async function command(message: Record<string, unknown>): Promise<void> {
    const requestId = `diag-${++requests}`;
    const states = client.of('state').length;
    client.send({ ...message, requestId });
    const answer = await new Promise<unknown>((resolve, reject) => {
      const deadline = Date.now() + 20_000;
      const look = () => {
        const found = client.received.find(
          (received) => (received.type === 'ack' || received.type === 'error') && received.requestId === requestId,
        );
        if (found) resolve(found);
        else if (Date.now() > deadline) reject(new Error(`no answer to ${requestId}: ${agent.log().slice(-3000)}`));
        else setTimeout(look, 10);
      };
      look();
    });
    expect(answer).toEqual({ type: 'ack', requestId });
    // The state the command changed follows its ack.
    while (client.of('state').length === states) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /**
   * Two snapshots at least one link reading apart: rates need the agent to
   * have read the link counters anew in between. The second new reading
   * after `before` is waited for, so the window spans a whole reading
   * interval, whatever the link reader's interval is.
   */
  async function linkWindow(): Promise<{ before: SnapshotMessage; now: SnapshotMessage }> {
    const ifname = latestState().lab?.appIfname;
    const readAt = (snapshot: SnapshotMessage) => snapshot.links?.find((link) => link.ifname === ifname)?.readAt ?? 0;
    const before = await client.fresh('snapshot');
    const readings = new Set([readAt(before)]);
    const deadline = Date.now() + 20_000;
    let now = before;
    while (readings.size < 3) {
      if (Date.now() > deadline) throw new Error(`no new reading of ${ifname}'s link in 20 s`);
      now = await client.fresh('snapshot');
      readings.add(readAt(now));
    }
    return { before, now };
  }

  /** Diagnoses `socketId` over successive windows until `stage` fails first (or, for null, all is well). */
  async function settlesOn(socketId: string, stage: DiagnosisStage | null, timeoutMs = 20_000): Promise<Diagnosis> {
    const deadline = Date.now() + timeoutMs;
    let last: Diagnosis | null = null;
    while (Date.now() < deadline) {
      const { before, now } = await linkWindow();
      last = diagnose(latestState(), socketId, before, now);
      if (last && last.failing === stage && (stage !== null || last.verdict === 'receiving')) return last;
    }
    throw new Error(`${socketId} never settled on ${stage ?? 'receiving'}; last: ${last?.line ?? 'no diagnosis'}`);
  }

  function requestOf(socketId: string): SocketRequest {
    const socket = latestState().sockets.find((candidate) => candidate.id === socketId);
    if (!socket) throw new Error(`no socket ${socketId}`);
    return socket.request;
  }

  it('says "receiving" for the lab’s rxdrop socket, whose TX ring’s empty-descriptor count rises as expected', async () => {
    const result = await settlesOn('xsk0', null);
    expect(result.line).toMatch(/^receiving: \d+ frames\/s$/);
    expect(result.stages.every((stage) => stage.status === 'ok')).toBe(true);
    expect(result.stages.find((stage) => stage.stage === 'queue')?.evidence).toMatch(/frames\/s arrive on queue 0/);
    // The kernel counts an empty TX ring at every poll of this rxdrop socket: a healthy socket raises it.
    const { before, now } = await linkWindow();
    const stat = (snapshot: typeof now) => snapshot.sockets[0]?.stats.txRingEmptyDescs ?? 0;
    expect(stat(now)).toBeGreaterThan(stat(before));
    const xsk0 = latestState().sockets.find((socket) => socket.id === 'xsk0');
    expect(xsk0 && expectedRises(xsk0).txRingEmptyDescs).toMatch(/^expected: each poll/);
  });

  it('sees tx_ring_empty_descs rise on a healthy txonly socket too, as expected there', async () => {
    const request = requestOf('xsk0');
    await command({
      type: 'createSocket',
      socketId: 'tx0',
      request: {
        ...request,
        workload: 'txonly',
        traffic: { ratePps: 2000, frameLength: 128 },
        socket: { ...request.socket, queueId: 1, rxSize: 0 },
      },
    });
    const sent = (snapshot: SnapshotMessage) => snapshot.sockets.find((sample) => sample.socketId === 'tx0');
    const { before, now } = await linkWindow();
    expect(sent(now)?.totals?.txPackets).toBeGreaterThan(sent(before)?.totals?.txPackets ?? 0);
    expect(sent(now)?.stats.txRingEmptyDescs).toBeGreaterThan(sent(before)?.stats.txRingEmptyDescs ?? 0);
    expect(sent(now)?.stats.txInvalidDescs).toBe(0);
    const tx0 = latestState().sockets.find((socket) => socket.id === 'tx0');
    expect(tx0 && expectedRises(tx0).txRingEmptyDescs).toMatch(/^expected: each sendto of txonly/);
    // Nothing to receive, so no verdict against it.
    expect(diagnose(latestState(), 'tx0', before, now)).toMatchObject({ verdict: 'quiet', failing: null });
    await command({ type: 'destroySocket', socketId: 'tx0' });
  });

  it('reads the per-queue counters `ethtool -S` shows, and the link state', () => {
    const lab = latestState().lab;
    if (!lab) throw new Error('no lab');
    const read = () => new LinkCounters(`/run/netns/${lab.appNamespace}`).read([lab.appIfname]);
    const ethtool = () => {
      const text = execFileSync('ip', ['netns', 'exec', lab.appNamespace, 'ethtool', '-S', lab.appIfname], {
        encoding: 'utf8',
      });
      return Number(/^\s*rx_queue_0_xdp_packets: (\d+)$/m.exec(text)?.[1]);
    };
    const [first] = read();
    const shown = ethtool();
    const [then] = read();
    expect(first).toMatchObject({ ifname: lab.appIfname, up: true, queues: [expect.anything(), expect.anything()] });
    // The counter rises under traffic: ethtool's reading falls between ours.
    expect(first?.queues?.[0]?.frames).toBeLessThanOrEqual(shown);
    expect(then?.queues?.[0]?.frames).toBeGreaterThanOrEqual(shown);
    expect(shown).toBeGreaterThan(0);
  });

  it('blames FILL when its refill is paused, and its counters', async () => {
    await command({ type: 'pauseStages', socketId: 'xsk0', stages: ['fillRefill'] });
    const result = await settlesOn('xsk0', 'fill');
    expect(result.blames).toContain('rxFillRingEmptyDescs');
    expect(result.stages.find((stage) => stage.stage === 'fill')?.fix).toMatch(/Refill FILL is paused/);
    await command({ type: 'resumeStages', socketId: 'xsk0', stages: ['fillRefill'] });
    await settlesOn('xsk0', null);
  });

  it('blames RX when its drain is paused', async () => {
    await command({ type: 'pauseStages', socketId: 'xsk0', stages: ['rxDrain'] });
    const result = await settlesOn('xsk0', 'rx');
    expect(result.blames).toEqual(['rxRingFull']);
    await command({ type: 'resumeStages', socketId: 'xsk0', stages: ['rxDrain'] });
    await settlesOn('xsk0', null);
  });

  it('names the queue the traffic uses when a socket is bound to another', async () => {
    const request = requestOf('xsk0');
    await command({
      type: 'createSocket',
      socketId: 'xsk1',
      request: { ...request, socket: { ...request.socket, queueId: 1 } },
    });
    const result = await settlesOn('xsk1', 'queue');
    expect(result.line).toMatch(/frames arrive on queue 0 \(\d+\/s\), none on queue 1/);
  });

  it('names the empty XSKMAP index the program sends the socket’s queue to', async () => {
    await command({ type: 'reconfigureSocket', socketId: 'xsk0', request: { ...requestOf('xsk0'), xskmapIndex: 5 } });
    const result = await settlesOn('xsk0', 'xskmap');
    expect(result.line).toMatch(/index 0, which is empty \(xsk0 sits at index 5\)/);
  });

  it('names the socket of another queue sitting at that index', async () => {
    await command({ type: 'reconfigureSocket', socketId: 'xsk1', request: { ...requestOf('xsk1'), xskmapIndex: 0 } });
    const result = await settlesOn('xsk0', 'xskmap');
    expect(result.line).toMatch(/index 0 holds xsk1, bound to queue 1/);
    // The program's own counters agree: it redirected queue 0's frames to a socket of queue 1.
    expect(result.stages.find((stage) => stage.stage === 'actions')?.evidence).toMatch(
      /to a socket of another queue [1-9]\d*\/s/,
    );
  });

  it('blames the missing program once the interface’s program is detached from outside', async () => {
    const { appNamespace, appIfname } = latestState().lab ?? { appNamespace: '', appIfname: '' };
    execFileSync('ip', ['-n', appNamespace, 'link', 'set', 'dev', appIfname, 'xdp', 'off']);
    const result = await settlesOn('xsk0', 'program');
    expect(result.line).toMatch(/no XDP program is attached to rs-app/);
  });

  it('blames the link when the veth’s peer goes down, taking the carrier with it', async () => {
    const lab = latestState().lab;
    if (!lab) throw new Error('no lab');
    execFileSync('ip', ['-n', lab.peerNamespace, 'link', 'set', 'dev', lab.peerIfname, 'down']);
    const result = await settlesOn('xsk0', 'link');
    expect(result.line).toMatch(/rs-app is down or has no carrier/);
  });
});
