import { describe, expect, it } from 'vitest';
import { checkTestFrame, ipv4HeaderChecksum, PAYLOAD_OFFSET, writeSequence, writeUdpFrame } from './frames.ts';

const spec = {
  destinationMac: [2, 0x52, 0x53, 0, 0, 1],
  sourceMac: [2, 0x52, 0x53, 0, 0, 2],
  sourceIp: [198, 18, 0, 2],
  destinationIp: [198, 18, 0, 1],
  sourcePort: 9000,
  destinationPort: 4242,
  length: 128,
};

describe('lab test frames', () => {
  it('carry a valid IPv4 header checksum (RFC 1071 example header)', () => {
    // Header from RFC 1071's worked example style: checksum over it must verify to the stored value.
    const header = Uint8Array.from([
      0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7,
    ]);
    expect(ipv4HeaderChecksum(header, 0)).toBe(0xb861);
  });

  it('round-trip: what the source writes, the checker accepts with its sequence number', () => {
    const bytes = new Uint8Array(4096);
    writeUdpFrame(bytes, 256, spec);
    writeSequence(new DataView(bytes.buffer), 256, 77);
    expect(checkTestFrame(bytes, 256, 128)).toEqual({ sequence: 77, length: 128, defect: null });
  });

  it('names the defect when one payload byte is overwritten', () => {
    const bytes = new Uint8Array(256);
    writeUdpFrame(bytes, 0, spec);
    bytes[PAYLOAD_OFFSET + 40] = 0xee;
    expect(checkTestFrame(bytes, 0, 128).defect).toBe('payload byte 40 differs');
  });

  it('rejects a frame whose length disagrees with its IPv4 header', () => {
    const bytes = new Uint8Array(256);
    writeUdpFrame(bytes, 0, spec);
    expect(checkTestFrame(bytes, 0, 100).defect).toBe('IPv4 total length does not match');
  });
});
