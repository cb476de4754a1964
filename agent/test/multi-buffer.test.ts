import { execFileSync } from 'node:child_process';
import type { SocketConfig, SocketRequest, UmemConfig, Workload } from '@ringside/shared';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Counter } from '../src/dataplane/control.ts';
import { writeUdpFrame } from '../src/dataplane/frames.ts';
import type { Engine } from '../src/engine/engine.ts';
import type { ManagedSocket } from '../src/engine/managed-socket.ts';
import { probeSocketFeatures } from '../src/host/socket-features.ts';
import { Lab } from '../src/lab/lab.ts';
import { FRAME_TO_PEER, TrafficSource } from '../src/lab/traffic-source.ts';
import { ringMemoryAt } from '../src/native/ring-memory.ts';
import { XDP_PKT_CONTD } from '../src/native/uapi.ts';
import { RingsideProgram } from '../src/xdp/ringside-program.ts';
import { RxRing } from '../src/xsk/ring.ts';
import { type RunningAgent, startAgent } from './agent-process.ts';
import { describeKernel, sendInRounds, waitFor } from './kernel.ts';
import { expectLedgerHolds, labEngine, receivesFrom, refusal, testSocket } from './lab-sockets.ts';
import { TestClient } from './ws-client.ts';

const noop = () => {};
const JUMBO_MTU = 9000;
const JUMBO_FRAME = 9000;
const CHUNK = 4096;
/** What one RX descriptor holds in copy mode: the chunk less XDP_PACKET_HEADROOM (256), with no UMEM headroom. */
const RX_BUFFER = CHUNK - 256;
const JUMBO_UMEM: UmemConfig = {
  frameCount: 1024,
  frameSize: CHUNK,
  headroom: 0,
  fillSize: 512,
  completionSize: 512,
  unaligned: false,
};

describeKernel('multi-buffer on the lab at MTU 9000', () => {
  let lab: Lab;
  let source: TrafficSource;
  let engine: Engine;

  beforeEach(async () => {
    lab = Lab.create(1, JUMBO_MTU);
    source = await TrafficSource.start(
      lab,
      { ratePps: 2000, frameLength: JUMBO_FRAME, paused: true, queueId: 0 },
      noop,
    );
    engine = labEngine(lab);
  });

  afterEach(async () => {
    await engine?.destroyAll();
    await source?.stop();
    lab?.destroy();
  });

  const request = (workload: Workload, socket: Partial<SocketConfig> = {}): SocketRequest => ({
    umem: JUMBO_UMEM,
    socket: testSocket(lab, { multiBuffer: true, rxSize: 512, txSize: workload === 'rxdrop' ? 0 : 512, ...socket }),
    workload,
  });

  const counter = (socket: ManagedSocket, slot: number) => socket.worker.counters[slot] as number;
  const ipLink = (namespace: string, ifname: string) =>
    execFileSync('ip', ['-n', namespace, '-d', 'link', 'show', ifname], { encoding: 'utf8' });

  it('a 9000-byte frame arrives as three descriptors of 4096-byte chunks, XDP_PKT_CONTD on the first two, its bytes as sent', async () => {
    const socket = await engine.create(request('rxdrop'));
    // Both ends at 9000, as ip -d link lists them; the peer may keep it only because the app end's program is frags-aware.
    expect(ipLink(lab.appNamespace, lab.appIfname)).toMatch(
      / mtu 9000 .*\n[\s\S]*prog\/xdp id \d+ name ringside_by_que/,
    );
    const peer = ipLink(lab.peerNamespace, lab.peerIfname);
    expect(peer).toMatch(/ mtu 9000 /);
    expect(Number(/maxmtu (\d+)/.exec(peer)?.[1])).toBeGreaterThanOrEqual(JUMBO_MTU);

    socket.pause(['rxDrain']);
    const rx = new RxRing(
      ringMemoryAt(
        socket.socket.rxLayout as NonNullable<typeof socket.socket.rxLayout>,
        'descriptor',
        new Uint32Array(2),
      ),
    );
    source.sendExactly(1);
    await waitFor(() => rx.sharedProducer() - rx.sharedConsumer() === 3, 5000, 'three descriptors on RX');
    const descriptors = [0, 1, 2].map((i) => {
      const index = (rx.sharedConsumer() + i) >>> 0;
      return { address: rx.dataAddress(index), length: rx.length(index), options: rx.options(index) };
    });
    expect(descriptors.map((d) => d.length)).toEqual([RX_BUFFER, RX_BUFFER, JUMBO_FRAME - 2 * RX_BUFFER]);
    expect(descriptors.map((d) => d.options & XDP_PKT_CONTD)).toEqual([XDP_PKT_CONTD, XDP_PKT_CONTD, 0]);
    const received = Buffer.concat(
      descriptors.map(({ address, length }) => {
        const offset = address % CHUNK;
        return socket.umem.frameBytes(Math.floor(address / CHUNK)).subarray(offset, offset + length);
      }),
    );
    // The source's first frame: its template at 9000 bytes, sequence 0.
    const sent = new Uint8Array(JUMBO_FRAME);
    // The source sends to Ringside's sockets what they send back to it, addresses and ports the other way round.
    const { sourceMac, destinationMac, sourceIp, destinationIp, sourcePort, destinationPort } = FRAME_TO_PEER;
    writeUdpFrame(sent, 0, {
      sourceMac: destinationMac,
      destinationMac: sourceMac,
      sourceIp: destinationIp,
      destinationIp: sourceIp,
      sourcePort: destinationPort,
      destinationPort: sourcePort,
      length: JUMBO_FRAME,
    });
    expect(received.equals(Buffer.from(sent))).toBe(true);

    socket.resume(['rxDrain']);
    await waitFor(() => socket.observe().totals.rxPackets === 1, 5000, 'the packet drained');
    // The data plane counts packets, then descriptors, then bytes: a whole round after, all three are in.
    await socket.step(['rxDrain']);
    expect(counter(socket, Counter.RX_DESCRIPTORS)).toBe(3);
    expect(socket.observe().totals.rxBytes).toBe(JUMBO_FRAME);
    expect(socket.socket.statistics().rxDropped).toBe(0);
  });

  it('rxdrop: every jumbo packet counted once and its descriptors apart, the ledger holding on every snapshot', async () => {
    const socket = await engine.create(request('rxdrop'));
    let snapshots = 0;
    const arrived = () => {
      // A reading that cannot wait is inconsistent when the worker is mid-batch past its budget (a busy machine
      // descheduled it): only a consistent one can be held to the ledger's promise.
      const observation = socket.observeInDetail();
      if (observation.consistent) {
        expectLedgerHolds(observation, JUMBO_UMEM.frameCount);
        snapshots++;
      }
      return socket.observe().totals.rxPackets;
    };
    // 50 packets a round: 150 descriptors, well inside the FILL ring's 512.
    await sendInRounds(300, 50, (count) => source.sendExactly(count), arrived, 'jumbo packets');
    expect(snapshots).toBeGreaterThan(6);
    // The rounds waited on the packets, counted before the last batch's descriptors and bytes: a round after, all in.
    await socket.step(['rxDrain']);
    expect(socket.observe().totals.rxPackets).toBe(300);
    expect(counter(socket, Counter.RX_DESCRIPTORS)).toBe(900);
    expect(socket.observe().totals.rxBytes).toBe(300 * JUMBO_FRAME);
  });

  it('l2fwd: every jumbo packet goes back whole, its chain intact, the ledger holding on every snapshot', async () => {
    const socket = await engine.create(request('l2fwd'));
    source.verify(true);
    const arrived = () => {
      const observation = socket.observeInDetail();
      if (observation.consistent) expectLedgerHolds(observation, JUMBO_UMEM.frameCount);
      return source.receivedFrames;
    };
    await sendInRounds(200, 40, (count) => source.sendExactly(count), arrived, 'jumbo packets back at the source');
    // The source checks every byte of each packet it gathers: a chain cut, reordered or sent without CONTD fails.
    expect(source.verification()).toEqual({ verified: 200, defective: 0 });
    expect(socket.observe().totals.txPackets).toBe(200);
    expect(counter(socket, Counter.TX_DESCRIPTORS)).toBe(600);
    await waitFor(() => socket.observe().totals.completed === 600, 20_000, 'every descriptor back on COMPLETION');
    expectLedgerHolds(await socket.observer.observeInDetail(), JUMBO_UMEM.frameCount);
  });

  it('txonly sends 9000-byte frames as chains of chunks, XDP_PKT_CONTD on all but the last; the peer gets them whole', async () => {
    // Born with TX submit paused: nothing is sent before the exact count is set.
    const socket = await engine.create({
      ...request('txonly', { rxSize: 0, txSize: 512 }),
      pausedStages: ['txSubmit'],
    });
    engine.setTraffic(socket.id, { frames: 0, ratePps: 2000, frameLength: JUMBO_FRAME });
    engine.resume(socket.id, ['txSubmit']);
    source.verify(true);
    await sendInRounds(
      150,
      50,
      (count) => engine.setTraffic(socket.id, { frames: count }),
      () => source.receivedFrames,
      'jumbo frames at the source',
    );
    expect(source.verification()).toEqual({ verified: 150, defective: 0 });
    // 9000 bytes in 4096-byte chunks: three descriptors a frame.
    expect(socket.observe().totals.txPackets).toBe(150);
    expect(counter(socket, Counter.TX_DESCRIPTORS)).toBe(450);
    expect(socket.socket.statistics().txInvalidDescs).toBe(0);
    await waitFor(() => socket.observe().totals.completed === 450, 20_000, 'every descriptor back on COMPLETION');
    expectLedgerHolds(await socket.observer.observeInDetail(), JUMBO_UMEM.frameCount);
  });

  it('a TX chain of the probed fragment limit is sent; one longer is dropped whole, each descriptor in tx_invalid_descs and back on COMPLETION', async () => {
    const limit = probeSocketFeatures().multiBuffer?.maxFragments;
    expect(limit).toBeGreaterThan(1);
    const chainLength = limit as number;
    const socket = await engine.create({ ...request('txonly', { rxSize: 0, txSize: 64 }), pausedStages: ['txSubmit'] });
    engine.setTraffic(socket.id, { frames: 0 });
    engine.resume(socket.id, ['txSubmit']);
    const post = async (length: number) => {
      const completed = socket.observe().totals.completed;
      // Each descriptor a UDP frame of its own chunk: the first one's headers steer the packet to the source's socket.
      const chain = Array.from({ length }, (_, i) => ({
        addr: (i + 1) * CHUNK,
        len: 100,
        options: i < length - 1 ? XDP_PKT_CONTD : 0,
      }));
      const posted = socket.sendTxDescriptors(chain);
      await waitFor(() => socket.txTablesPosted >= posted, 5000, 'the chain posted');
      await waitFor(() => socket.observe().totals.completed >= completed + length, 5000, 'the chain completed');
    };
    const received = source.receivedFrames;
    const invalid = socket.socket.statistics().txInvalidDescs;
    await post(chainLength);
    await waitFor(() => source.receivedFrames === received + 1, 5000, 'the chain at the limit at the source');
    expect(socket.socket.statistics().txInvalidDescs).toBe(invalid);

    // xsk_build_skb refuses a fragment past MAX_SKB_FRAGS (EOVERFLOW) and drops the packet built so far with the
    // rest of its chain: tx_invalid_descs counts every descriptor of it, and every one still comes back on COMPLETION.
    await post(chainLength + 1);
    expect(socket.socket.statistics().txInvalidDescs).toBe(invalid + chainLength + 1);
    // The next chain arrives next: had any part of the long one been sent, it would have arrived before it.
    await post(chainLength);
    await waitFor(() => source.receivedFrames >= received + 2, 5000, 'the next chain at the source');
    expect(source.receivedFrames).toBe(received + 2);
    expectLedgerHolds(await socket.observer.observeInDetail(), JUMBO_UMEM.frameCount);
  });

  it('refuses multi-buffer on an interface whose driver lacks rx-sg, naming it and the fix; the running socket keeps receiving', async () => {
    const running = await engine.create(request('rxdrop'));
    // A tap device: native XDP, but no rx-sg in its xdp-features.
    execFileSync('ip', ['-n', lab.appNamespace, 'tuntap', 'add', 'dev', 'rs-tap', 'mode', 'tap']);
    const error = await refusal(engine.create(request('rxdrop', { ifname: 'rs-tap' })));
    expect(error.message).toContain(
      'the tun driver of rs-tap cannot receive a frame in several buffers (no rx-sg in its xdp-features): turn multi-buffer off, or use an interface whose driver has rx-sg',
    );
    expect(engine.list().map((socket) => socket.id)).toEqual([running.id]);
    await receivesFrom(engine, source, running.id, 20);
  });

  it('a program that is not frags-aware is refused at MTU 9000 with the kernel’s ERANGE and the fix; the running socket keeps receiving', async () => {
    const running = await engine.create(request('rxdrop'));
    execFileSync('ip', [
      ...['-n', lab.appNamespace, 'link', 'add', 'rs-mb0', 'mtu', String(JUMBO_MTU), 'type', 'veth'],
      ...['peer', 'name', 'rs-mb1', 'mtu', String(JUMBO_MTU)],
    ]);
    expect(() => RingsideProgram.attach('by-queue', 'rs-mb0', 'drv', lab.appNamespacePath, false)).toThrow(
      /refused \(ERANGE\): the MTU of rs-mb0 or of its veth peer is above 3506, more than one page holds, and this program is not frags-aware: lower the MTU, or load the multi-buffer \(xdp\.frags\) variant/,
    );
    // Left to choose, Ringside loads the frags-aware variant there.
    const frags = RingsideProgram.attach('by-queue', 'rs-mb0', 'drv', lab.appNamespacePath);
    expect(frags.frags).toBe(true);
    frags.detach();
    // The MTU is read at each load: lowered again on both ends, the single-buffer variant goes on.
    for (const ifname of ['rs-mb0', 'rs-mb1']) {
      execFileSync('ip', ['-n', lab.appNamespace, 'link', 'set', 'dev', ifname, 'mtu', '1500']);
    }
    const single = RingsideProgram.attach('by-queue', 'rs-mb0', 'drv', lab.appNamespacePath);
    expect(single.frags).toBe(false);
    single.detach();
    await receivesFrom(engine, source, running.id, 20);
  });
});

describeKernel('an agent started with --lab-mtu 9000', () => {
  let agent: RunningAgent | null = null;

  afterEach(async () => {
    await agent?.stop();
    agent = null;
  });

  it('builds the lab at that MTU, sends jumbo frames, and states multi-buffer and the probed fragment limit', async () => {
    agent = await startAgent(['--rate', '500', '--lab-mtu', '9000', '--frame-length', '9000']);
    const client = await TestClient.connect(agent.controlUrl);
    const state = await client.next('state');
    expect(state.lab?.mtu).toBe(JUMBO_MTU);
    expect(state.traffic?.frameSize).toBe(JUMBO_FRAME);
    expect(state.socketFeatures?.multiBuffer).toEqual({
      available: true,
      refusal: null,
      maxFragments: probeSocketFeatures().multiBuffer?.maxFragments,
    });
    client.close();
  });
});
