import { z } from 'zod';
import { HelloMessage, PROTOCOL_VERSION, ProtocolVersion } from './protocol.ts';
import { SNAPSHOT_CODEC_VERSION } from './snapshot-codec.ts';

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

// shared compiles against bare ES2023, which declares neither; browsers and Node both have them.
declare const TextEncoder: new () => { encode(text: string): Uint8Array };
declare const TextDecoder: new (label: string, options: { fatal: boolean }) => { decode(bytes: Uint8Array): string };

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const MAGIC = utf8Encoder.encode(MAGIC_TEXT);

function varint(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not a whole number below 2^53: ${value}`);
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

/** A varint at `at`, or null when the bytes end inside it. */
function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) return null;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: at + i + 1 };
    scale *= 0x80;
  }
  throw new RecordingError(`the recording is corrupt: a length at byte ${at} is longer than 8 bytes`);
}

function concat(parts: readonly (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

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
  const json = utf8Encoder.encode(JSON.stringify(header));
  return concat([MAGIC, [RECORDING_FORMAT_VERSION], varint(json.length), json]);
}

/** One entry, to append after the header; `at` is ms since the header's startedAt (negative clocks count as 0). */
export function encodeRecordingEntry(entry: RecordingEntry): Uint8Array {
  const payload = entry.kind === 'message' ? utf8Encoder.encode(entry.text) : entry.bytes;
  const at = Math.max(0, Math.round(entry.at));
  return concat([[RECORDING_ENTRY_KINDS.indexOf(entry.kind)], varint(at), varint(payload.length), payload]);
}

function readHeader(bytes: Uint8Array): { header: RecordingHeader; next: number } {
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
  const length = readVarint(bytes, MAGIC.length + 1);
  if (length === null || length.next + length.value > bytes.length) {
    throw new RecordingError(
      'this recording is cut short inside its header (the recorder stopped before writing it whole): record again',
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(utf8Decoder.decode(bytes.subarray(length.next, length.next + length.value)));
  } catch {
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
  return { header: header.data, next: length.next + length.value };
}

/**
 * Reads a whole recording. Throws a RecordingError for a file that is not
 * one, or one this replayer cannot read; a file that ends inside an entry
 * keeps every whole entry before it and says what was dropped.
 */
export function decodeRecording(bytes: Uint8Array): Recording {
  const { header, next } = readHeader(bytes);
  const entries: RecordingEntry[] = [];
  let at = next;
  while (at < bytes.length) {
    const start = at;
    const code = bytes[at] as number;
    const kind = RECORDING_ENTRY_KINDS[code];
    if (kind === undefined) {
      throw new RecordingError(
        `this recording is corrupt: entry ${entries.length + 1} at byte ${start} has kind ${code}, which no recorder writes`,
      );
    }
    const time = readVarint(bytes, at + 1);
    const length = time && readVarint(bytes, time.next);
    if (!time || !length || length.next + length.value > bytes.length) {
      const truncatedTail = `the recording ends inside entry ${entries.length + 1} (${bytes.length - start} byte(s) from byte ${start} dropped): its recorder stopped mid-write; the ${entries.length} whole entries before it replay`;
      return { header, entries, truncatedTail };
    }
    const payload = bytes.subarray(length.next, length.next + length.value);
    if (kind === 'snapshot') entries.push({ kind, at: time.value, bytes: payload });
    else {
      let text: string;
      try {
        text = utf8Decoder.decode(payload);
      } catch {
        throw new RecordingError(`this recording is corrupt: message ${entries.length + 1} is not UTF-8 text`);
      }
      entries.push({ kind, at: time.value, text });
    }
    at = length.next + length.value;
  }
  return { header, entries, truncatedTail: null };
}
