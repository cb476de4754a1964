import { describe, expect, it } from 'vitest';
import { LINKTYPE_ETHERNET, pcapFile } from './pcap.ts';

describe('a pcap file', () => {
  it('starts with the classic little-endian, microsecond header for Ethernet frames', () => {
    const file = pcapFile([], 128);
    expect([...file]).toEqual([
      ...[0xd4, 0xc3, 0xb2, 0xa1], // magic, little-endian: microsecond timestamps
      ...[2, 0, 4, 0], // version 2.4
      ...[0, 0, 0, 0, 0, 0, 0, 0], // time zone, accuracy
      ...[128, 0, 0, 0], // snap length
      ...[LINKTYPE_ETHERNET, 0, 0, 0],
    ]);
  });

  it('records each packet with its time, the bytes kept and its length on the wire', () => {
    const frame = Uint8Array.from({ length: 200 }, (_, i) => i);
    const file = pcapFile(
      [
        { timestampMs: 1_700_000_000_123.456, length: 200, bytes: frame },
        { timestampMs: 1_700_000_001_000, length: 60, bytes: frame.subarray(0, 60) },
      ],
      128,
    );
    expect(file.length).toBe(24 + 16 + 128 + 16 + 60);
    expect(file.readUInt32LE(24)).toBe(1_700_000_000);
    expect(file.readUInt32LE(28)).toBe(123_456);
    expect(file.readUInt32LE(32)).toBe(128); // kept: cut at the snap length
    expect(file.readUInt32LE(36)).toBe(200); // on the wire
    expect([...file.subarray(40, 40 + 128)]).toEqual([...frame.subarray(0, 128)]);
    const second = 40 + 128;
    expect(file.readUInt32LE(second + 4)).toBe(0);
    expect(file.readUInt32LE(second + 8)).toBe(60);
    expect(file.readUInt32LE(second + 12)).toBe(60);
  });
});
