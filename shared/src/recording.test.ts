import { describe, expect, it } from 'vitest';
import { type HelloMessage, PROTOCOL_VERSION } from './protocol.ts';
import {
  decodeRecording,
  encodeRecordingEntry,
  encodeRecordingHeader,
  RECORDING_FORMAT_VERSION,
  type RecordingEntry,
  RecordingError,
  recordingHeader,
} from './recording.ts';
import { SNAPSHOT_CODEC_VERSION } from './snapshot-codec.ts';

declare const TextEncoder: new () => { encode(text: string): Uint8Array };
declare function atob(base64: string): string;

const hello: HelloMessage = {
  type: 'hello',
  protocol: { ...PROTOCOL_VERSION },
  role: 'view',
  host: { kernel: '6.18.0', hostname: 'lab', interfaces: [] },
  mode: 'lab',
  capabilities: [],
};

const entries: RecordingEntry[] = [
  { kind: 'message', at: 0, text: JSON.stringify({ type: 'event', at: 1, kind: 'info', message: 'é' }) },
  { kind: 'snapshot', at: 33, bytes: new Uint8Array([0xfb, SNAPSHOT_CODEC_VERSION, 0, 1, 2, 3]) },
  { kind: 'snapshot', at: 2 ** 21 + 5, bytes: new Uint8Array(300).fill(7) },
];

/**
 * A recording written by the first encoder of format 1 (its own varint and
 * concatenation code, before it wrote through the snapshot codec's Writer):
 * the header above at 1_700_000_000_000, a `lagging` message at 0, a 6-byte
 * snapshot at 33 and 130 bytes of 7 at 2^21 + 5. A file saved then must
 * still load, and today's encoder must write the same bytes.
 */
const FORMAT_1_FILE = Uint8Array.from(
  atob(
    'cmluZ3NpZGUgcmVjb3JkaW5nCgGkAnsiZm9ybWF0IjoicmluZ3NpZGUtcmVjb3JkaW5nIiwicHJvdG9jb2wiOnsibWFqb3IiOjIs' +
      'Im1pbm9yIjo0fSwic25hcHNob3RDb2RlYyI6NCwic3RhcnRlZEF0IjoxNzAwMDAwMDAwMDAwLCJyZWNvcmRlZEJ5IjoiYWdlbnQi' +
      'LCJoZWxsbyI6eyJ0eXBlIjoiaGVsbG8iLCJwcm90b2NvbCI6eyJtYWpvciI6MiwibWlub3IiOjR9LCJyb2xlIjoidmlldyIsImhv' +
      'c3QiOnsia2VybmVsIjoiNi4xOC4wIiwiaG9zdG5hbWUiOiJsYWIiLCJpbnRlcmZhY2VzIjpbXX0sIm1vZGUiOiJsYWIiLCJjYXBh' +
      'YmlsaXRpZXMiOltdfX0AAB57InR5cGUiOiJsYWdnaW5nIiwiZnJvbVNlcSI6MH0BIQb7BAABAgMBhYCAAYIBBwcHBwcHBwcHBwcH' +
      'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH' +
      'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBw==',
  ),
  (char) => char.charCodeAt(0),
);
/** FORMAT_1_FILE's header: an agent of protocol 2.4 wrote it, and said so in the header and in its hello. */
const FORMAT_1_PROTOCOL = { major: 2, minor: 4 };
const FORMAT_1_HEADER = {
  ...recordingHeader({ ...hello, protocol: FORMAT_1_PROTOCOL }, 'agent', 1_700_000_000_000),
  protocol: FORMAT_1_PROTOCOL,
};
const FORMAT_1_ENTRIES: RecordingEntry[] = [
  { kind: 'message', at: 0, text: '{"type":"lagging","fromSeq":0}' },
  { kind: 'snapshot', at: 33, bytes: new Uint8Array([0xfb, 4, 0, 1, 2, 3]) },
  { kind: 'snapshot', at: 2 ** 21 + 5, bytes: new Uint8Array(130).fill(7) },
];

function file(header = encodeRecordingHeader(recordingHeader(hello, 'agent', 1_700_000_000_000)), list = entries) {
  const parts = [header, ...list.map(encodeRecordingEntry)];
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A header written by hand, for versions this build would never write. */
function rawHeader(version: number, header: object): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const length = [(json.length % 0x80) | 0x80, Math.floor(json.length / 0x80)];
  return new Uint8Array([...new TextEncoder().encode('ringside recording\n'), version, ...length, ...json]);
}

const errorOf = (bytes: Uint8Array) => {
  try {
    decodeRecording(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(RecordingError);
    return (error as Error).message;
  }
  throw new Error('the recording was accepted');
};

describe('a recording', () => {
  it('gives back its header and every entry, bytes and times as written', () => {
    const recording = decodeRecording(file());
    expect(recording.header.hello).toEqual(hello);
    expect(recording.header.protocol).toEqual(PROTOCOL_VERSION);
    expect(recording.header.startedAt).toBe(1_700_000_000_000);
    expect(recording.entries).toEqual(entries);
    expect(recording.truncatedTail).toBeNull();
  });

  it("written before the format shared the snapshot codec's Writer still loads, and is written the same today", () => {
    const recording = decodeRecording(FORMAT_1_FILE);
    expect(recording.header).toEqual(FORMAT_1_HEADER);
    expect(recording.entries).toEqual(FORMAT_1_ENTRIES);
    expect(recording.truncatedTail).toBeNull();
    const header = encodeRecordingHeader(FORMAT_1_HEADER);
    expect(file(header, FORMAT_1_ENTRIES)).toEqual(FORMAT_1_FILE);
  });

  it('cut inside its last entry keeps every whole entry before it and says what was dropped', () => {
    const whole = file();
    const cut = whole.subarray(0, whole.length - 100);
    const recording = decodeRecording(cut);
    expect(recording.entries).toEqual(entries.slice(0, 2));
    expect(recording.truncatedTail).toMatch(/ends inside entry 3 .*stopped mid-write; the 2 whole entries before it/);
    // Cut right after the kind byte: still the entries before it.
    const header = encodeRecordingHeader(recordingHeader(hello, 'page', 0));
    expect(decodeRecording(file(header, []).slice()).entries).toEqual([]);
    const oneByte = new Uint8Array([...file(header, entries.slice(0, 1)), 1]);
    expect(decodeRecording(oneByte).truncatedTail).toMatch(/entry 2/);
  });

  it('is refused, naming what the file is and what to do, when it is not one', () => {
    expect(errorOf(new TextEncoder().encode('{"type":"hello"}'))).toMatch(
      /not a Ringside recording .*Record button or by the agent's --record/,
    );
    expect(errorOf(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toMatch(/not a Ringside recording/);
    expect(errorOf(new Uint8Array())).toMatch(/empty/);
  });

  it('is refused when cut short before its header is whole', () => {
    const whole = file();
    expect(errorOf(whole.subarray(0, 10))).toMatch(/cut short.*inside its first line/);
    expect(errorOf(whole.subarray(0, 19))).toMatch(/cut short before its header/);
    expect(errorOf(whole.subarray(0, 40))).toMatch(/cut short inside its header/);
  });

  it('of another format version is refused, naming both versions', () => {
    const header = recordingHeader(hello, 'agent', 0);
    expect(errorOf(rawHeader(RECORDING_FORMAT_VERSION + 1, header))).toMatch(
      new RegExp(
        `format version ${RECORDING_FORMAT_VERSION + 1}; this replayer reads version ${RECORDING_FORMAT_VERSION}`,
      ),
    );
  });

  it('of a protocol major this replayer cannot read is refused, saying which build reads it', () => {
    const major = PROTOCOL_VERSION.major + 1;
    const header = { ...recordingHeader(hello, 'agent', 0), protocol: { major, minor: 0 } };
    expect(errorOf(rawHeader(RECORDING_FORMAT_VERSION, header))).toMatch(
      new RegExp(
        `protocol ${major}\\.0; this replayer reads protocol ${PROTOCOL_VERSION.major}\\.x: .*protocol ${major}\\.x`,
      ),
    );
    // A newer minor of the same major only adds what this replayer may ignore.
    const newer = { ...recordingHeader(hello, 'agent', 0), protocol: { major: PROTOCOL_VERSION.major, minor: 99 } };
    expect(decodeRecording(rawHeader(RECORDING_FORMAT_VERSION, newer)).entries).toEqual([]);
  });

  it('of another snapshot codec is refused', () => {
    const header = { ...recordingHeader(hello, 'agent', 0), snapshotCodec: SNAPSHOT_CODEC_VERSION + 1 };
    expect(errorOf(rawHeader(RECORDING_FORMAT_VERSION, header))).toMatch(/codec version/);
  });

  it('with an entry of a kind no recorder writes is refused as corrupt', () => {
    const bytes = new Uint8Array([...file(undefined, []), 9, 0, 0]);
    expect(errorOf(bytes)).toMatch(/corrupt: entry 1 .* kind 9/);
    // A time that never ends within eight bytes is no cut tail: a recorder never writes one.
    const endless = new Uint8Array([...file(undefined, []), 1, ...new Array(8).fill(0x80), 0]);
    expect(errorOf(endless)).toMatch(/corrupt at byte \d+: entry 1 time is a varint longer than 8 bytes/);
  });
});
