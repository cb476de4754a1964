import { z } from 'zod';
import { HelloMessage, PROTOCOL_VERSION, ProtocolVersion } from './protocol.ts';
import { Reader, SNAPSHOT_CODEC_VERSION, SnapshotDecodeError, TruncatedError, Writer } from './snapshot-codec.ts';

/**
 * A recording: what a client of the agent received, in order, with when.
 * Written as it goes and read by a replayer that has no agent.
 *
 * Layout (varint = unsigned LEB128, at most 2^53 - 1):
 *
 *   the 19 ASCII bytes "ringside recording\n", u8 format version,
 *   varint header length, the header as UTF-8 JSON (RecordingHeader),
 *   then entries until the end of the file, each:
 *     u8 kind (0: a JSON server message, 1: a binary snapshot), varint ms since the header's startedAt,
 *     varint payload length, payload (the message's text exactly as sent, or the snapshot-codec frame)
 *
 * Snapshots are kept as they were sent: owners are deltas against the
 * previous snapshot of the recording, so a replayer decodes them in order.
 * Entries are appended whole, so a recorder that dies leaves a file readable
 * up to its last whole entry; a reader says how much of the tail it dropped.
 */
export const RECORDING_FORMAT_VERSION = 1;
const MAGIC_TEXT = 'ringside recording\n';

export const RecordingHeader = z.object({
  format: z.literal('ringside-recording'),
  /** The protocol of every message recorded; a replayer of another major cannot read them. */
  protocol: ProtocolVersion,
  snapshotCodec: z.number().int().min(0),
  /** Wall-clock ms (Date.now()) of the recording's start: entries count from here. */
  startedAt: z.number().min(0),
  recordedBy: z.enum(['agent', 'page']),
  hello: HelloMessage,
});
export type RecordingHeader = z.infer<typeof RecordingHeader>;

export const RECORDING_ENTRY_KINDS = ['message', 'snapshot'] as const;
export type RecordingEntry =
  | { kind: 'message'; at: number; text: string }
  | { kind: 'snapshot'; at: number; bytes: Uint8Array };

export interface Recording {
  header: RecordingHeader;
  entries: RecordingEntry[];
  /** Set when the file ends inside an entry (its recorder stopped mid-write): what was dropped. */
  truncatedTail: string | null;
}

/** What a file that cannot be replayed gets: the message says what the file is and what to do. */
export class RecordingError extends Error {
  override name = 'RecordingError';
}

// shared compiles against bare ES2023, which declares it; browsers and Node both have it.
declare const TextEncoder: new () => { encode(text: string): Uint8Array };

const MAGIC = new TextEncoder().encode(MAGIC_TEXT);

/** The header for a recording that starts now, of what a client greeted with `hello` receives. */
export function recordingHeader(
  hello: HelloMessage,
  recordedBy: RecordingHeader['recordedBy'],
  startedAt: number,
): RecordingHeader {
  return {
    format: 'ringside-recording',
    protocol: { ...PROTOCOL_VERSION },
    snapshotCodec: SNAPSHOT_CODEC_VERSION,
    startedAt,
    recordedBy,
    hello,
  };
}

/** The file's first bytes: magic, format version and header. */
export function encodeRecordingHeader(header: RecordingHeader): Uint8Array {
  const w = new Writer();
  for (const byte of MAGIC) w.u8(byte);
  w.u8(RECORDING_FORMAT_VERSION);
  w.string(JSON.stringify(header));
  return w.finish();
}

/** One entry, to append after the header; `at` is ms since the header's startedAt (negative clocks count as 0). */
export function encodeRecordingEntry(entry: RecordingEntry): Uint8Array {
  const w = new Writer();
  w.u8(RECORDING_ENTRY_KINDS.indexOf(entry.kind));
  w.varint(Math.max(0, Math.round(entry.at)), 'entry time');
  if (entry.kind === 'message') w.string(entry.text);
  else w.byteString(entry.bytes);
  return w.finish();
}

/** The header, and a reader standing at the first entry. */
function readHeader(bytes: Uint8Array): { header: RecordingHeader; entries: Reader } {
  if (bytes.length === 0) throw new RecordingError('this file is empty, not a Ringside recording: choose another');
  const looksLikeOne = MAGIC.every((byte, i) => bytes[i] === byte);
  if (!looksLikeOne) {
    if (bytes.length < MAGIC.length && MAGIC.subarray(0, bytes.length).every((byte, i) => bytes[i] === byte)) {
      throw new RecordingError(
        `this recording is cut short: it ends after ${bytes.length} byte(s), inside its first line; record again`,
      );
    }
    throw new RecordingError(
      "this file is not a Ringside recording (it does not begin with 'ringside recording'): open a file saved by the page's Record button or by the agent's --record",
    );
  }
  const version = bytes[MAGIC.length];
  if (version === undefined) throw new RecordingError('this recording is cut short before its header: record again');
  if (version !== RECORDING_FORMAT_VERSION) {
    throw new RecordingError(
      `this recording is in format version ${version}; this replayer reads version ${RECORDING_FORMAT_VERSION}: open it with the Ringside release that made it`,
    );
  }
  const r = new Reader(bytes.subarray(MAGIC.length + 1));
  let raw: unknown;
  try {
    raw = JSON.parse(r.string('header'));
  } catch (error) {
    if (error instanceof TruncatedError) {
      throw new RecordingError(
        'this recording is cut short inside its header (the recorder stopped before writing it whole): record again',
      );
    }
    if (error instanceof SnapshotDecodeError) throw new RecordingError(`this recording is corrupt: ${error.message}`);
    throw new RecordingError('this recording is corrupt: its header is not JSON');
  }
  // The versions first: a header of another protocol may not pass this one's schema, and saying so is more use.
  const claimed = raw as { protocol?: { major?: unknown; minor?: unknown }; snapshotCodec?: unknown };
  const major = claimed?.protocol?.major;
  if (typeof major === 'number' && major !== PROTOCOL_VERSION.major) {
    throw new RecordingError(
      `this recording was made with protocol ${major}.${String(claimed.protocol?.minor)}; this replayer reads protocol ${PROTOCOL_VERSION.major}.x: open it with a Ringside replay build of protocol ${major}.x`,
    );
  }
  if (typeof claimed?.snapshotCodec === 'number' && claimed.snapshotCodec !== SNAPSHOT_CODEC_VERSION) {
    throw new RecordingError(
      `this recording's snapshots are in codec version ${claimed.snapshotCodec}; this replayer reads version ${SNAPSHOT_CODEC_VERSION}: open it with the Ringside release that made it`,
    );
  }
  const header = RecordingHeader.safeParse(raw);
  if (!header.success) {
    const issue = header.error.issues[0];
    throw new RecordingError(
      `this recording's header is not one this replayer reads (${issue?.path.join('.') || '(header)'}: ${issue?.message}): open it with the Ringside release that made it`,
    );
  }
  return { header: header.data, entries: r };
}

/**
 * Reads a whole recording. Throws a RecordingError for a file that is not
 * one, or one this replayer cannot read; a file that ends inside an entry
 * keeps every whole entry before it and says what was dropped.
 */
export function decodeRecording(bytes: Uint8Array): Recording {
  const { header, entries: r } = readHeader(bytes);
  const entries: RecordingEntry[] = [];
  while (r.remaining > 0) {
    const start = bytes.length - r.remaining;
    const number = entries.length + 1;
    const code = r.u8('entry kind');
    const kind = RECORDING_ENTRY_KINDS[code];
    if (kind === undefined) {
      throw new RecordingError(
        `this recording is corrupt: entry ${number} at byte ${start} has kind ${code}, which no recorder writes`,
      );
    }
    try {
      const at = r.varint(`entry ${number} time`);
      entries.push(
        kind === 'snapshot'
          ? { kind, at, bytes: r.byteString(`entry ${number}`) }
          : { kind, at, text: r.string(`message ${number}`) },
      );
    } catch (error) {
      if (error instanceof TruncatedError) {
        const truncatedTail = `the recording ends inside entry ${number} (${bytes.length - start} byte(s) from byte ${start} dropped): its recorder stopped mid-write; the ${entries.length} whole entries before it replay`;
        return { header, entries, truncatedTail };
      }
      if (error instanceof SnapshotDecodeError) {
        throw new RecordingError(`this recording is corrupt at byte ${start}: ${error.message}`);
      }
      throw error;
    }
  }
  return { header, entries, truncatedTail: null };
}
