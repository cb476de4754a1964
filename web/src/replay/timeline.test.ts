import {
  decodeRecording,
  encodeRecordingEntry,
  encodeRecordingHeader,
  encodeSnapshot,
  FRAME_OWNERS,
  type HelloMessage,
  PROTOCOL_VERSION,
  type RecordingEntry,
  RecordingError,
  recordingHeader,
  type SnapshotMessage,
  type SocketSample,
} from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { KEYFRAME_EVERY_MS, ReplayTimeline } from './timeline.ts';

const hello: HelloMessage = {
  type: 'hello',
  protocol: { ...PROTOCOL_VERSION },
  role: 'view',
  host: { kernel: '6.18.0', hostname: 'lab', interfaces: [] },
  mode: 'lab',
  capabilities: [],
};

const FRAMES = 256;
const ring = (producer: number, consumer: number) => ({
  size: 2048,
  producer,
  consumer,
  cachedProducer: producer,
  cachedConsumer: consumer,
  needWakeup: false,
});

function sample(socketId: string, seq: number): SocketSample {
  const counts = Object.fromEntries(FRAME_OWNERS.map((owner) => [owner, 0])) as SocketSample['ledger']['counts'];
  counts.free = FRAMES;
  return {
    socketId,
    rings: { fill: ring(seq * 3, seq * 2), rx: ring(seq * 2, seq), tx: null, completion: ring(0, 0) },
    stats: {
      rxDropped: 0,
      rxInvalidDescs: 0,
      txInvalidDescs: 0,
      rxRingFull: 0,
      rxFillRingEmptyDescs: 0,
      txRingEmptyDescs: 0,
    },
    totals: null,
    rates: { rxPps: 0, rxBps: null, txPps: 0, txBps: null },
    ledger: { counts, consumerLag: { fill: 0, tx: 0 }, violations: [], consistent: true },
    pausedStages: [],
  };
}

/** Snapshot i at 33 ms apart, owners moving one frame a snapshot per socket, encoded as the agent does: deltas in order. */
function recordedRun(count: number) {
  const entries: RecordingEntry[] = [{ kind: 'message', at: 0, text: JSON.stringify({ type: 'lagging', fromSeq: 0 }) }];
  const expected: { snapshot: SnapshotMessage; owners: Map<string, Uint8Array> }[] = [];
  let base: Map<string, Uint8Array> | null = null;
  for (let i = 0; i < count; i++) {
    const snapshot: SnapshotMessage = {
      type: 'snapshot',
      seq: i,
      sampledAt: 1000 + i * 33,
      sockets: [sample('xsk0', i), sample('xsk1', i)],
      traffic: null,
      programs: [],
    };
    const owners = new Map<string, Uint8Array>();
    for (const [k, id] of ['xsk0', 'xsk1'].entries()) {
      const frames = base?.get(id)?.slice() ?? new Uint8Array(FRAMES);
      frames[(i * (k + 1)) % FRAMES] = (i % (FRAME_OWNERS.length - 1)) + 1;
      owners.set(id, frames);
    }
    entries.push({ kind: 'snapshot', at: i * 33, bytes: encodeSnapshot(snapshot, owners, base) });
    if (i === 40) entries.push({ kind: 'message', at: i * 33, text: '{"type":"somethingNewer"}' });
    expected.push({ snapshot, owners });
    base = owners;
  }
  const parts = [encodeRecordingHeader(recordingHeader(hello, 'agent', 0)), ...entries.map(encodeRecordingEntry)];
  const bytes = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  parts.reduce((at, part) => {
    bytes.set(part, at);
    return at + part.length;
  }, 0);
  return { recording: decodeRecording(bytes), expected };
}

describe('a replay timeline', () => {
  const { recording, expected } = recordedRun(200);
  const timeline = ReplayTimeline.load(recording);

  it('gives every snapshot as it arrived, in any order of asking, backwards included', () => {
    const order = [199, 0, 150, 149, 151, 31, 30, 29, 100, 5, 198, 199];
    for (const index of order) {
      const frame = timeline.frame(index);
      expect(frame.snapshot.seq).toBe(index);
      expect(frame.snapshot.sockets[0]?.rings.rx?.producer).toBe(index * 2);
      expect(frame.owners).toEqual((expected[index] as { owners: Map<string, Uint8Array> }).owners);
    }
  });

  it('finds the snapshot shown at a time: the last that had arrived by then', () => {
    expect(timeline.snapshotIndexAt(-1)).toBe(-1);
    expect(timeline.snapshotIndexAt(0)).toBe(0);
    expect(timeline.snapshotIndexAt(65)).toBe(1);
    expect(timeline.snapshotIndexAt(66)).toBe(2);
    expect(timeline.snapshotIndexAt(1e9)).toBe(199);
    expect(timeline.duration).toBe(199 * 33);
  });

  it('gives the messages that arrived within a span, its end included', () => {
    expect(timeline.messagesBetween(-1, 0).map((timed) => timed.message.type)).toEqual(['lagging']);
    expect(timeline.messagesBetween(0, 1e9)).toEqual([]);
  });

  it('keeps messages of a type it does not know out, counted, as a live page ignores them', () => {
    expect(timeline.messages.map((timed) => timed.message.type)).toEqual(['lagging']);
    expect(timeline.skippedMessages).toBe(1);
  });

  it('rebuilds a snapshot from the keyframe a second or less before it, never from the start', () => {
    const own = recordedRun(200);
    const fresh = ReplayTimeline.load(own.recording);
    // Spoil snapshot 100 after load: only a rebuild that decodes it again can notice.
    const spoiled = own.recording.entries.filter((entry) => entry.kind === 'snapshot')[100];
    if (spoiled?.kind !== 'snapshot') throw new Error('no snapshot 100');
    spoiled.bytes.fill(0);
    const keyframeGap = Math.ceil(KEYFRAME_EVERY_MS / 33);
    expect(fresh.frame(100 + keyframeGap + 1).snapshot.seq).toBe(100 + keyframeGap + 1);
    expect(fresh.frame(199).snapshot.seq).toBe(199);
    expect(fresh.frame(99).snapshot.seq).toBe(99);
    expect(() => fresh.frame(101)).toThrow(/snapshot 101 of 200 cannot be read/);
  });

  it('refuses a recording whose snapshots do not decode, naming which', () => {
    const broken = {
      ...recording,
      entries: recording.entries.map((entry, i) =>
        i === 5 && entry.kind === 'snapshot' ? { ...entry, bytes: entry.bytes.subarray(0, 10) } : entry,
      ),
    };
    expect(() => ReplayTimeline.load(broken)).toThrow(RecordingError);
    expect(() => ReplayTimeline.load(broken)).toThrow(/snapshot 5 of 200 cannot be read/);
  });
});
