import { DETAIL_PER_SECOND, FRAME_OWNERS, PROTOCOL_VERSION, type SnapshotMessage } from '@ringside/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from './agent-process.ts';
import { describeKernel } from './kernel.ts';
import { TestClient } from './ws-client.ts';

describeKernel('the agent in lab mode, over its WebSocket', () => {
  let agent: RunningAgent;

  beforeAll(async () => {
    agent = await startAgent(['--rate', '20000', '--lab-queues', '4']);
  });

  afterAll(async () => {
    expect(await agent?.stop()).toBe(0);
  });

  it('greets, describes its state, and streams snapshots of all four rings', async () => {
    const client = await TestClient.connect(agent.controlUrl);
    const hello = await client.next('hello');
    expect(hello).toMatchObject({ role: 'control', mode: 'lab', protocol: { major: PROTOCOL_VERSION.major } });
    expect(hello.host.interfaces).toMatchObject([{ name: 'rs-app', driver: 'veth', rxQueues: 4 }]);
    expect(hello.capabilities).toContain('binary-snapshots');
    const state = await client.next('state');
    expect(state.sockets).toHaveLength(1);
    expect(state.xdpPrograms).toMatchObject([
      {
        ifname: 'rs-app',
        mode: 'drv',
        kind: 'by-queue',
        name: expect.stringMatching(/^ringside_by_qu/),
        xskmap: { name: 'xsks_map', entries: [{ index: 0, socketId: 'xsk0' }] },
      },
    ]);
    expect(state.lab?.appNamespace).toMatch(new RegExp(`^ringside-${agent.pid}-`));
    expect(state.traffic).toMatchObject({ paused: false, ratePps: 20000 });
    const snapshot = await client.next('snapshot');
    const socket = snapshot.sockets[0];
    expect(Object.keys(socket?.rings ?? {})).toEqual(['fill', 'rx', 'tx', 'completion']);
    expect(socket?.rings.rx?.size).toBe(2048);
    // The binary frame's per-frame owners agree with the ledger counts it carries.
    const owners = client.ownersAt(snapshot.seq, 'xsk0');
    expect(owners?.length).toBe(state.sockets[0]?.request.umem.frameCount);
    const tally = FRAME_OWNERS.map((_, code) => owners?.filter((owner) => owner === code).length);
    expect(tally).toEqual(FRAME_OWNERS.map((owner) => socket?.ledger.counts[owner]));
    expect(client.invalid).toEqual([]);
    client.close();
  });

  it('shows RX producer rising under traffic and standing still once the source is paused', async () => {
    const client = await TestClient.connect(agent.controlUrl);
    await client.next('state');
    const producerOf = (snapshot: SnapshotMessage) => snapshot.sockets[0]?.rings.rx?.producer ?? -1;

    const first = producerOf(await client.fresh('snapshot'));
    await client.snapshotWhere((snapshot) => producerOf(snapshot) > first, 'RX producer rising');

    client.send({ type: 'setTraffic', requestId: 'pause-1', paused: true });
    expect(await client.next('ack')).toEqual({ type: 'ack', requestId: 'pause-1' });
    expect((await client.next('state')).traffic?.paused).toBe(true);
    // Frames already in flight land first: the rate over the sampler's window falls to 0 once none came.
    // Still means the same producer over four snapshots in a row, not one quiet sample: a busy kernel may deliver a
    // frame from before the pause a moment later.
    const recent: number[] = [];
    const still = await client.snapshotWhere((snapshot) => {
      recent.push(producerOf(snapshot));
      return snapshot.sockets[0]?.rates.rxPps === 0 && recent.length >= 4 && new Set(recent.slice(-4)).size === 1;
    }, 'no RX rate');
    const paused = producerOf(still);
    for (const later of await client.nextSnapshots(5)) expect(producerOf(later)).toBe(paused);

    client.send({ type: 'setTraffic', requestId: 'resume-1', paused: false });
    await client.next('ack');
    await client.snapshotWhere((snapshot) => producerOf(snapshot) > paused, 'RX producer rising again');
    client.close();
  });

  it('creates a second socket on request, and every snapshot accounts for all its frames', async () => {
    const client = await TestClient.connect(agent.controlUrl);
    const state = await client.next('state');
    const base = state.sockets[0]?.request;
    if (!base) throw new Error('no first socket');
    client.send({
      type: 'createSocket',
      requestId: 'create-1',
      socketId: 'sender',
      request: {
        ...base,
        workload: 'txonly',
        socket: { ...base.socket, queueId: 1, rxSize: 0 },
        traffic: { ratePps: 1000, frameLength: 100 },
      },
    });
    expect(await client.next('ack', 10_000)).toEqual({ type: 'ack', requestId: 'create-1' });
    // A sample taken before the create may still be on its way after the ack: the first one with the new socket.
    const sockets = (await client.snapshotWhere((snapshot) => snapshot.sockets.length === 2, 'the second socket'))
      .sockets;
    expect(sockets.map((socket) => socket.socketId)).toEqual(['xsk0', 'sender']);
    for (const socket of sockets) {
      const total = Object.values(socket.ledger.counts).reduce((a, b) => a + b, 0);
      expect(total).toBe(base.umem.frameCount);
      expect(socket.ledger.violations).toEqual([]);
    }
    client.send({ type: 'destroySocket', requestId: 'destroy-1', socketId: 'sender' });
    await client.next('ack', 10_000);
    const after = await client.snapshotWhere((snapshot) => snapshot.sockets.length === 1, 'the second socket gone');
    expect(after.sockets.map((socket) => socket.socketId)).toEqual(['xsk0']);
    client.close();
  });

  it('refuses a reconfiguration the kernel would refuse, per field, and the socket keeps receiving', async () => {
    const client = await TestClient.connect(agent.controlUrl);
    const base = (await client.next('state')).sockets[0]?.request;
    if (!base) throw new Error('no first socket');
    const before = (await client.fresh('snapshot')).sockets[0]?.totals?.rxPackets ?? 0;
    client.send({
      type: 'reconfigureSocket',
      requestId: 'zc-1',
      socketId: 'xsk0',
      request: { ...base, socket: { ...base.socket, copy: false, zeroCopy: true } },
    });
    const error = await client.next('error', 10_000);
    expect(error).toMatchObject({ requestId: 'zc-1', code: 'bad-request' });
    expect(error.problems).toEqual([
      { field: 'zeroCopy', message: 'the veth driver of rs-app does not support zero-copy AF_XDP: use copy mode' },
    ]);
    await client.snapshotWhere(
      (snapshot) => (snapshot.sockets[0]?.totals?.rxPackets ?? 0) > before,
      'the socket still receiving',
    );
    client.close();
  });

  it("answers Ringside's own limits with their own code, apart from the kernel's rules", async () => {
    const client = await TestClient.connect(agent.controlUrl);
    const base = (await client.next('state')).sockets[0]?.request;
    if (!base) throw new Error('no first socket');
    // A second UMEM on xsk0's queue, at xsk0's XSKMAP index: Ringside refuses both before the kernel sees them.
    client.send({ type: 'createSocket', requestId: 'taken-1', request: base });
    const taken = await client.next('error', 10_000);
    expect(taken).toMatchObject({ requestId: 'taken-1', code: 'ringside-limit' });
    expect(taken.problems?.map((problem) => problem.field)).toEqual(['queueId', 'xskmapIndex']);
    // Over 1 GiB: a ceiling of Ringside's, which the kernel would take.
    const huge = { ...base, socket: { ...base.socket, queueId: 1 }, umem: { ...base.umem, frameCount: 1 << 19 } };
    client.send({ type: 'createSocket', requestId: 'huge-1', request: huge });
    expect(await client.next('error', 10_000)).toMatchObject({ requestId: 'huge-1', code: 'ringside-limit' });
    // With a rule of the kernel's beside it, the request is a bad one.
    const odd = { ...huge, umem: { ...huge.umem, fillSize: 1000 } };
    client.send({ type: 'createSocket', requestId: 'odd-1', request: odd });
    expect(await client.next('error', 10_000)).toMatchObject({ requestId: 'odd-1', code: 'bad-request' });
    client.close();
  });

  it('pauses a stage on request: with FILL refill paused the kernel counts empty FILL descriptors', async () => {
    const client = await TestClient.connect(agent.controlUrl);
    await client.next('state');
    client.send({ type: 'pauseStages', requestId: 'p-1', socketId: 'xsk0', stages: ['fillRefill'] });
    await client.next('ack');
    // FILL runs dry once the frames it held are used; then every frame that arrives is counted.
    const sample = await client.snapshotWhere(
      (snapshot) => (snapshot.sockets[0]?.stats.rxFillRingEmptyDescs ?? 0) > 0,
      'empty FILL descriptors counted',
    );
    expect(sample.sockets[0]?.pausedStages).toEqual(['fillRefill']);
    expect(sample.sockets[0]?.stats.rxFillRingEmptyDescs).toBeGreaterThan(0);
    client.send({ type: 'resumeStages', requestId: 'r-1', socketId: 'xsk0', stages: ['fillRefill'] });
    await client.next('ack');
    client.close();
  });

  it('answers an inspection with every descriptor in the rings and every frame owner', async () => {
    const client = await TestClient.connect(agent.viewUrl);
    const state = await client.next('state');
    client.send({ type: 'inspectSocket', requestId: 'i-1', socketId: 'xsk0' });
    const detail = await client.next('socketDetail');
    const frames = Buffer.from(detail.owners, 'base64');
    expect(frames.length).toBe(state.sockets[0]?.request.umem.frameCount);
    // Every address in FILL is a frame whose owner is FILL (owner code 1) unless the kernel lags on FILL's consumer.
    const fillFrames = detail.entries.fill.addresses.map((address) => Math.floor(address / 4096));
    expect(fillFrames.filter((frame) => frames[frame] === 1).length).toBeGreaterThan(fillFrames.length - 64);
    client.send({ type: 'inspectSocket', requestId: 'i-2', socketId: 'nope' });
    expect(await client.next('error')).toMatchObject({ requestId: 'i-2', code: 'not-found' });
    client.close();
  });

  it('streams one socket in full to a client that subscribes, and stops when asked', async () => {
    const client = await TestClient.connect(agent.viewUrl);
    await client.next('state');
    client.send({ type: 'subscribe', requestId: 's-1', detailOf: 'xsk0' });
    await client.next('ack');
    let first = await client.fresh('socketDetail');
    expect(first).toMatchObject({ requestId: 'subscription', socketId: 'xsk0' });
    // FILL is kept stocked, but a data plane the machine holds back can let it run dry for a detail or two.
    while (first.entries.fill.addresses.length === 0) first = await client.fresh('socketDetail');
    // Paced by the snapshots it rides on: at most DETAIL_PER_SECOND for each second they span (a detail's own
    // sampledAt is when the worker answered, which a busy machine delays by any amount, so it cannot show the pace).
    const before = client.of('socketDetail').length;
    const snapshots = await client.nextSnapshots(20);
    const span = (snapshots.at(-1)?.sampledAt ?? 0) - (snapshots[0]?.sampledAt ?? 0);
    const details = client.of('socketDetail').length - before;
    expect(details).toBeGreaterThan(0);
    expect(details).toBeLessThanOrEqual(Math.floor((span * DETAIL_PER_SECOND) / 1000) + 2);
    client.send({ type: 'subscribe', requestId: 's-2', detailOf: null });
    await client.next('ack');
    // One detail may have been on its way; none after it while the snapshots go on.
    const count = client.of('socketDetail').length;
    await client.nextSnapshots(6);
    expect(client.of('socketDetail').length).toBeLessThanOrEqual(count + 1);
    client.close();
  });

  it('costs a client under 100 KB/s at 30 snapshots/s with 4 sockets of 4096 frames under traffic', async () => {
    const client = await TestClient.connect(agent.controlUrl);
    const base = (await client.next('state')).sockets[0]?.request;
    if (!base) throw new Error('no first socket');
    for (const queueId of [1, 2, 3]) {
      client.send({
        type: 'createSocket',
        requestId: `q${queueId}`,
        socketId: `q${queueId}`,
        request: { ...base, socket: { ...base.socket, queueId } },
      });
      await client.next('ack', 10_000);
    }
    client.send({ type: 'setSnapshotRate', requestId: 'rate', perSecond: 30 });
    await client.next('ack');
    await client.fresh('snapshot');
    const bytesBefore = client.snapshotBytes;
    const snapshots = (await client.nextSnapshots(90)).length;
    const perSnapshot = (client.snapshotBytes - bytesBefore) / snapshots;
    expect(client.of('snapshot').at(-1)?.sockets).toHaveLength(4);
    // A size, not a timing: what one snapshot costs, times the rate asked for.
    expect(perSnapshot * 30).toBeLessThan(100_000);
    for (const queueId of [1, 2, 3]) {
      client.send({ type: 'destroySocket', requestId: `d${queueId}`, socketId: `q${queueId}` });
      await client.next('ack', 10_000);
    }
    client.close();
  });

  it('lets a view-only client watch but not change the traffic', async () => {
    const client = await TestClient.connect(agent.viewUrl);
    expect((await client.next('hello')).role).toBe('view');
    client.send({ type: 'setTraffic', requestId: 'v1', paused: true });
    expect(await client.next('error')).toMatchObject({ requestId: 'v1', code: 'forbidden' });
    client.send({ type: 'destroySocket', requestId: 'v2', socketId: 'xsk0' });
    expect(await client.next('error')).toMatchObject({ requestId: 'v2', code: 'forbidden' });
    await client.next('snapshot');
    client.close();
  });

  it('shares a UMEM on request, steers with the program asked for, counts its actions in snapshots and reads frames', async () => {
    const client = await TestClient.connect(agent.controlUrl);
    const base = (await client.next('state')).sockets[0]?.request;
    if (!base) throw new Error('no first socket');
    client.send({ type: 'setXdpProgram', requestId: 'rr', ifname: 'rs-app', program: 'round-robin' });
    expect(await client.next('ack', 10_000)).toEqual({ type: 'ack', requestId: 'rr' });
    client.send({
      type: 'createSocket',
      requestId: 'share',
      socketId: 'twin',
      request: { ...base, umemId: 'xsk0-umem' },
    });
    expect(await client.next('ack', 10_000)).toEqual({ type: 'ack', requestId: 'share' });
    // The agent announces the new state before it acknowledges.
    const state = client.of('state').at(-1);
    if (!state) throw new Error('no state');
    expect(state.umems).toEqual([
      expect.objectContaining({
        id: 'xsk0-umem',
        socketIds: ['xsk0', 'twin'],
        pairs: [{ ifname: 'rs-app', queueId: 0, socketIds: ['xsk0', 'twin'] }],
      }),
    ]);
    expect(state.xdpPrograms[0]).toMatchObject({
      kind: 'round-robin',
      xskmap: { entries: [{ index: 0 }, { index: 1 }] },
    });

    const redirected = (snapshot: SnapshotMessage) =>
      snapshot.programs.find((p) => p.ifname === 'rs-app')?.redirected ?? 0;
    const received = (snapshot: SnapshotMessage, id: string) =>
      snapshot.sockets.find((socket) => socket.socketId === id)?.totals?.rxPackets ?? 0;
    const first = await client.fresh('snapshot');
    await client.snapshotWhere(
      (later) => redirected(later) > redirected(first) && received(later, 'xsk0') > 0 && received(later, 'twin') > 0,
      'the program redirecting to both sockets, and both receiving',
    );
    // With twin's RX left undrained its ring fills from the shared FILL: xsk0 sees those frames as another socket's.
    client.send({ type: 'pauseStages', requestId: 'hold', socketId: 'twin', stages: ['rxDrain'] });
    await client.next('ack');
    const held = await client.snapshotWhere((snapshot) => {
      const twin = snapshot.sockets.find((socket) => socket.socketId === 'twin');
      return twin !== undefined && twin.ledger.counts.rx === twin.rings.rx?.size;
    }, "twin's RX full");
    const twin = held.sockets.find((socket) => socket.socketId === 'twin');
    const xsk0 = held.sockets.find((socket) => socket.socketId === 'xsk0');
    expect(twin?.ledger.counts.rx).toBe(twin?.rings.rx?.size);
    expect(xsk0?.ledger.counts['other-socket']).toBeGreaterThanOrEqual(twin?.ledger.counts.rx ?? 1);

    // A frame held in twin's RX: its bytes, and where the kernel put the packet in the chunk.
    client.send({ type: 'inspectSocket', requestId: 'twin-rx', socketId: 'twin' });
    const detail = await client.next('socketDetail');
    const data = detail.entries.rx?.addresses[0] ?? -1;
    const chunk = Math.floor(data / base.umem.frameSize);
    client.send({ type: 'readFrame', requestId: 'frame', socketId: 'twin', frame: chunk });
    const frame = await client.next('frameBytes');
    expect(frame).toMatchObject({
      socketId: 'twin',
      frame: chunk,
      address: chunk * base.umem.frameSize,
      owner: 'rx',
      offset: data - chunk * base.umem.frameSize,
      length: detail.entries.rx?.lengths[0],
    });
    const bytes = Buffer.from(frame.bytes, 'base64');
    expect(bytes.length).toBe(base.umem.frameSize);
    // The lab's frame: IPv4 (EtherType 0x0800) at the offset the descriptor gives.
    expect(bytes.readUInt16BE((frame.offset ?? 0) + 12)).toBe(0x0800);

    client.send({ type: 'feedSameFrame', requestId: 'twice', socketId: 'xsk0', deliberately: false });
    const refusal = await client.next('error');
    expect(refusal.problems?.[0]).toMatchObject({
      field: 'deliberately',
      message: expect.stringMatching(/^corruption risk/),
    });

    client.send({ type: 'destroySocket', requestId: 'unshare', socketId: 'twin' });
    await client.next('ack', 10_000);
    client.send({ type: 'setXdpProgram', requestId: 'bq', ifname: 'rs-app', program: 'by-queue' });
    await client.next('ack', 10_000);
    client.close();
  });
});
