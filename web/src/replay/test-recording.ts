import {
  decodeRecording,
  encodeRecordingEntry,
  encodeRecordingHeader,
  encodeSnapshot,
  FRAME_OWNERS,
  type HelloMessage,
  PROTOCOL_VERSION,
  type RecordingEntry,
  recordingHeader,
  type ServerMessage,
  type SnapshotMessage,
  type SocketSample,
} from '@ringside/shared';

/** A recording made the way the agent makes one, for the replay's tests. */

export const hello: HelloMessage = {
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

/**
 * Snapshot i at i × 33 ms, owners moving one frame a snapshot per socket,
 * encoded as the agent does (deltas in order), with `messages` at their times
 * besides a `lagging` at 0 and a message of a type no page knows at snapshot 40.
 */
export function recordedRun(count: number, messages: readonly { at: number; message: ServerMessage }[] = []) {
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
    for (const timed of messages) {
      if (timed.at > (i - 1) * 33 && timed.at <= i * 33) {
        entries.push({ kind: 'message', at: timed.at, text: JSON.stringify(timed.message) });
      }
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
  return { bytes, recording: decodeRecording(bytes), expected };
}
