import { defaultSocketRequest, type SocketRequest, type TxDescriptor } from '@ringside/shared';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { Control, Counter } from '../src/dataplane/control.ts';
import { checkTestFrame } from '../src/dataplane/frames.ts';
import { TxTableRefused, writeTablePayload } from '../src/dataplane/tx-descriptors.ts';
import type { ManagedSocket } from '../src/engine/managed-socket.ts';
import { Lab } from '../src/lab/lab.ts';
import { FRAME_TO_PEER, TrafficSource } from '../src/lab/traffic-source.ts';
import { type RunningAgent, startAgent } from './agent-process.ts';
import { describeKernel, waitFor } from './kernel.ts';
import { expectLedgerHolds, startLabSocket } from './lab-sockets.ts';
import { TestClient } from './ws-client.ts';

const noop = () => {};
const FRAMES = 64;
const RING = 64;
const MIN_PKT = 64;
/** The selftests' "too large" length: one byte over a 9000-byte jumbo frame. */
const TOO_LARGE = 9001;

interface Row extends TxDescriptor {
  what: string;
  /** Whether the kernel sends it, by chunk size, as the selftests expect. */
  valid: (chunk: number) => boolean;
}

/**
 * The kernel selftests' invalid-descriptor table (testapp_invalid_desc in
 * tools/testing/selftests/bpf/prog_tests/test_xsk.c), rebuilt for a UMEM of
 * FRAMES chunks, each descriptor in a chunk of its own, plus the two the
 * selftests check elsewhere: options bits set, and a zero length.
 */
function table(chunk: number): Row[] {
  const end = FRAMES * chunk;
  const always = () => true;
  const never = () => false;
  return [
    { what: 'address 0', addr: 0, len: MIN_PKT, valid: always },
    { what: 'a plain frame', addr: chunk, len: MIN_PKT, valid: always },
    { what: 'straddling the start of the UMEM', addr: '0xfffffffffffffffe', len: MIN_PKT, valid: never },
    { what: 'longer than a chunk', addr: 2 * chunk, len: TOO_LARGE, valid: never },
    { what: 'up to the end of the UMEM', addr: end - MIN_PKT, len: MIN_PKT, valid: always },
    { what: 'past the end of the UMEM', addr: end, len: MIN_PKT, valid: never },
    { what: 'straddling the end of the UMEM', addr: end - MIN_PKT / 2, len: MIN_PKT, valid: never },
    { what: 'straddling a 4K boundary', addr: 5 * 0x1000 - MIN_PKT / 2, len: MIN_PKT, valid: never },
    {
      what: 'straddling a 2K boundary',
      addr: 6 * 0x1000 + 0x800 - MIN_PKT / 2,
      len: MIN_PKT,
      valid: (size) => size === 4096,
    },
    { what: 'options bits set', addr: 10 * chunk, len: MIN_PKT, options: 0xffff, valid: never },
    { what: 'zero length', addr: 11 * chunk, len: 0, valid: never },
    { what: 'a last valid one, so something arrives', addr: 14 * chunk, len: MIN_PKT, valid: always },
  ];
}

/** What the peer must receive for descriptor `index`: its frame as the data plane writes it. */
function expectedBytes(index: number, length: number): number[] {
  const bytes = new Uint8Array(length);
  writeTablePayload(bytes, 0, length, index, FRAME_TO_PEER);
  return [...bytes];
}

describeKernel('a table of TX descriptors on the lab (the selftests ALIGNED_INV_DESC cases)', () => {
  let lab: Lab;
  let source: TrafficSource;
  let socket: ManagedSocket | null = null;

  beforeEach(async () => {
    lab = Lab.create(1);
    source = await TrafficSource.start(lab, { ratePps: 1000, frameLength: 128, paused: true, queueId: 0 }, noop);
  });

  afterEach(async () => {
    await socket?.destroy();
    socket = null;
    await source?.stop();
    lab?.destroy();
  });

  /** A TX-only socket whose workload sends nothing by itself: only the table goes on its TX. */
  async function sender(chunk: number): Promise<ManagedSocket> {
    socket = await startLabSocket(lab, 'txonly', {
      umem: { frameCount: FRAMES, frameSize: chunk, fillSize: RING, completionSize: RING },
      socket: { rxSize: 0, txSize: RING },
      setup: (control) => {
        control[Control.RATE_PPS] = 1000;
        control[Control.FRAME_LENGTH] = 128;
        control[Control.SEND_REMAINING] = 0;
      },
    });
    return socket;
  }

  it.each([4096, 2048])(
    'with %i-byte chunks the peer gets exactly the valid descriptors with their bytes, and the kernel counts the others',
    async (chunk) => {
      const rows = table(chunk);
      const valid = rows.flatMap((row, index) => (row.valid(chunk) ? [index] : []));
      const invalid = rows.length - valid.length;
      const xsk = await sender(chunk);
      source.capture(true);

      const posted = xsk.sendTxDescriptors(rows.map(({ addr, len, options }) => ({ addr, len, options })));
      await waitFor(() => xsk.txTablesPosted === posted, 20_000, 'the table to go on TX');
      await waitFor(() => xsk.observe().stats.txInvalidDescs >= invalid, 20_000, `${invalid} tx_invalid_descs`);
      await waitFor(() => source.receivedFrames >= valid.length, 20_000, `${valid.length} frames at the peer`);
      // Everything valid has arrived and the kernel refused the rest: nothing more is on its way.
      expect(xsk.observe().stats.txInvalidDescs).toBe(invalid);
      expect(source.receivedFrames).toBe(valid.length);
      const captured = source.captured();
      expect(captured.map((frame) => checkTestFrame(frame.bytes, 0, frame.length))).toEqual(
        valid.map((index) => ({ sequence: index, length: MIN_PKT, defect: null })),
      );
      expect(captured.map((frame) => [...frame.bytes])).toEqual(valid.map((index) => expectedBytes(index, MIN_PKT)));

      // On this kernel every descriptor comes back on COMPLETION, the refused ones too (the selftests expect
      // them not to): the ledger counts a frame back once per descriptor, so every frame is free again.
      await waitFor(() => xsk.observe().totals.completed >= rows.length, 20_000, 'every descriptor on COMPLETION');
      const observation = await xsk.observer.observeInDetail();
      expect(observation.totals).toMatchObject({ txPackets: rows.length, completed: rows.length });
      // Two addresses name no frame of the UMEM: the one before its start and the one at its end.
      expect(xsk.worker.counters[Counter.FOREIGN_COMPLETIONS]).toBe(2);
      expectLedgerHolds(observation, FRAMES);
      expect(observation.ledger.counts.free).toBe(FRAMES);
    },
  );

  it('refuses a table the socket cannot take, naming the fix, and leaves the socket as it was', async () => {
    socket = await startLabSocket(lab, 'txonly', {
      umem: { frameCount: FRAMES, frameSize: 4096, fillSize: RING, completionSize: RING },
      socket: { rxSize: RING, txSize: RING },
      setup: (control) => {
        control[Control.SEND_REMAINING] = 0;
      },
    });
    const xsk = socket;
    const before = xsk.observe();
    const tooMany = Array.from({ length: RING + 1 }, (_, i) => ({ addr: i * 4096, len: MIN_PKT }));
    const refusal = (() => {
      try {
        xsk.sendTxDescriptors(tooMany);
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(refusal).toBeInstanceOf(TxTableRefused);
    expect((refusal as TxTableRefused).problems.map((problem) => problem.field)).toEqual(['descriptors', 'rxSize']);
    expect((refusal as TxTableRefused).message).toContain(`TX ring holds ${RING}`);
    expect(xsk.worker.control[Control.TX_TABLE_LENGTH]).toBe(0);
    expect(xsk.txTablesPosted).toBe(0);
    const after = xsk.observe();
    expect(after.totals.txPackets).toBe(before.totals.txPackets);
    expect(after.rings.tx?.producer).toBe(before.rings.tx?.producer);
  });
});

describeKernel('sendTxDescriptors, sent to the agent', () => {
  let agent: RunningAgent;

  beforeAll(async () => {
    agent = await startAgent(['--rate', '1000', '--lab-queues', '2']);
  });

  afterAll(async () => {
    await agent?.stop();
  });

  it('is carried out on a TX-only socket, and refused on the lab socket with its RX ring, naming the fix', async () => {
    const client = await TestClient.connect(agent.controlUrl);
    const state = await client.next('state');
    const base = defaultSocketRequest(state.lab?.appIfname ?? '', 1);
    const request: SocketRequest = {
      ...base,
      workload: 'txonly',
      socket: { ...base.socket, rxSize: 0 },
      traffic: { ratePps: 100, frameLength: 64 },
    };
    client.send({ type: 'createSocket', requestId: 'create', socketId: 'sender', request });
    expect(await client.answer('create', 20_000)).toMatchObject({ type: 'ack' });

    const descriptors = [
      { addr: '0xfffffffffffffffe', len: MIN_PKT },
      { addr: 0, len: 0 },
    ];
    client.send({ type: 'sendTxDescriptors', requestId: 'table', socketId: 'sender', descriptors });
    expect(await client.answer('table')).toMatchObject({ type: 'ack' });
    client.send({ type: 'sendTxDescriptors', requestId: 'refused', socketId: 'xsk0', descriptors });
    const refusal = await client.answer('refused');
    expect(refusal).toMatchObject({ type: 'error', code: 'bad-request', problems: [{ field: 'rxSize' }] });
    expect(refusal.type === 'error' && refusal.message).toContain('rxSize 0');
    client.close();
  });
});
