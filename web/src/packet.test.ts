import { describe, expect, it } from 'vitest';
import {
  type DecodedPacket,
  decodePacket,
  formatIpv6,
  guessFrameOffset,
  hexRows,
  ipv4ChecksumValid,
  layerAt,
} from './packet.ts';

/** A frame written byte by byte, as a reader of the RFCs would lay it out. */
function udp4Frame(): Uint8Array {
  // biome-ignore format: one header per line reads like the RFC diagrams.
  return Uint8Array.from([
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00, // Ethernet
    0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 198, 18, 0, 2, 198, 18, 0, 1, // IPv4
    0x23, 0x28, 0x10, 0x92, 0x00, 0x10, 0x00, 0x00, // UDP 9000 → 4242, length 16
    0x52, 0x53, 0x44, 0x31, 0x00, 0x00, 0x00, 0x07, // payload
  ]);
}

/** Fills in the IPv4 header checksum at `ip` (RFC 1071). */
function stampChecksum(bytes: Uint8Array, ip: number): void {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ((bytes[ip + i] as number) << 8) | (bytes[ip + i + 1] as number);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const checksum = ~sum & 0xffff;
  bytes[ip + 10] = checksum >> 8;
  bytes[ip + 11] = checksum & 0xff;
}

const value = (packet: DecodedPacket, protocol: string, name: string) =>
  packet.layers.find((layer) => layer.protocol === protocol)?.fields.find((f) => f.name === name)?.value;

describe('decodePacket', () => {
  it('reads Ethernet, IPv4 and UDP fields of a lab frame and checks the IPv4 checksum', () => {
    const frame = udp4Frame();
    stampChecksum(frame, 14);
    const packet = decodePacket(frame, 0, frame.length);
    expect(packet.notes).toEqual([]);
    expect(packet.layers.map((layer) => layer.protocol)).toEqual(['ethernet', 'ipv4', 'udp', 'payload']);
    expect(value(packet, 'ethernet', 'destination')).toBe('02:00:00:00:00:01');
    expect(value(packet, 'ethernet', 'etherType')).toBe('0x0800 IPv4');
    expect(value(packet, 'ipv4', 'source')).toBe('198.18.0.2');
    expect(value(packet, 'ipv4', 'destination')).toBe('198.18.0.1');
    expect(value(packet, 'ipv4', 'protocol')).toBe('17 UDP');
    expect(value(packet, 'ipv4', 'flags')).toBe('DF');
    expect(value(packet, 'ipv4', 'checksum')).toMatch(/correct/);
    expect(value(packet, 'udp', 'sourcePort')).toBe('9000');
    expect(value(packet, 'udp', 'destinationPort')).toBe('4242');
    expect(value(packet, 'udp', 'checksum')).toBe('0x0000 (none)');
    expect(value(packet, 'payload', 'length')).toBe('8 bytes');
  });

  it('says the IPv4 checksum is wrong when one header byte changed', () => {
    const frame = udp4Frame();
    stampChecksum(frame, 14);
    frame[22] = 63; // TTL, after the checksum was computed
    expect(ipv4ChecksumValid(frame, 14, 20)).toBe(false);
    expect(value(decodePacket(frame, 0, null), 'ipv4', 'checksum')).toMatch(/wrong/);
  });

  it('decodes at an offset inside a chunk and records each field’s byte range there', () => {
    const chunk = new Uint8Array(512);
    chunk.set(udp4Frame(), 256);
    const packet = decodePacket(chunk, 256, 50);
    const udp = packet.layers.find((layer) => layer.protocol === 'udp');
    expect(udp?.start).toBe(256 + 34);
    expect(udp?.fields.find((f) => f.name === 'destinationPort')).toMatchObject({ start: 292, end: 294 });
    expect(layerAt(packet.layers, 256 + 30)).toBe('ipv4');
    expect(layerAt(packet.layers, 256 + 34)).toBe('udp');
    expect(layerAt(packet.layers, 255)).toBeNull();
  });

  it('stops with a note, not an exception, when the frame is cut inside a header', () => {
    const packet = decodePacket(udp4Frame(), 0, 30);
    expect(packet.layers.map((layer) => layer.protocol)).toEqual(['ethernet']);
    expect(packet.notes[0]).toMatch(/truncated: the IPv4 header needs 20 bytes at offset 14, the frame ends at 30/);
  });

  it('follows an 802.1Q tag to the EtherType behind it', () => {
    const plain = udp4Frame();
    const tagged = new Uint8Array(plain.length + 4);
    tagged.set(plain.subarray(0, 12), 0);
    tagged.set([0x81, 0x00, 0x20, 0x64], 12); // priority 1, VLAN 100
    tagged.set(plain.subarray(12), 16);
    const packet = decodePacket(tagged, 0, null);
    expect(value(packet, 'vlan', 'vlanId')).toBe('100');
    expect(value(packet, 'vlan', 'priority')).toBe('1');
    expect(value(packet, 'ipv4', 'source')).toBe('198.18.0.2');
    expect(value(packet, 'udp', 'destinationPort')).toBe('4242');
  });

  it('reads IPv6 with UDP inside', () => {
    const frame = new Uint8Array(14 + 40 + 8 + 4);
    frame.set([0x86, 0xdd], 12);
    frame.set([0x60, 0x00, 0x00, 0x00, 0x00, 0x0c, 17, 64], 14);
    frame.set([0x20, 0x01, 0x0d, 0xb8], 22); // 2001:db8::1
    frame[37] = 1;
    frame.set([0xfe, 0x80], 38); // fe80::2
    frame[53] = 2;
    frame.set([0x00, 0x35, 0x30, 0x39, 0x00, 0x0c, 0xab, 0xcd], 54);
    const packet = decodePacket(frame, 0, null);
    expect(packet.notes).toEqual([]);
    expect(value(packet, 'ipv6', 'source')).toBe('2001:db8::1');
    expect(value(packet, 'ipv6', 'destination')).toBe('fe80::2');
    expect(value(packet, 'ipv6', 'nextHeader')).toBe('17 UDP');
    expect(value(packet, 'udp', 'sourcePort')).toBe('53');
    expect(value(packet, 'udp', 'destinationPort')).toBe('12345');
    expect(value(packet, 'udp', 'checksum')).toBe('0xabcd');
  });

  it('names an EtherType it does not decode and decodes nothing further', () => {
    const frame = new Uint8Array(60);
    frame.set([0x08, 0x06], 12);
    const packet = decodePacket(frame, 0, null);
    expect(packet.layers.map((layer) => layer.protocol)).toEqual(['ethernet']);
    expect(packet.notes).toEqual(['EtherType 0x0806 ARP: not decoded here']);
  });

  it('refuses an offset outside the bytes', () => {
    expect(decodePacket(new Uint8Array(16), 64, null).notes[0]).toMatch(/outside/);
  });
});

describe('formatIpv6', () => {
  it('compresses the longest run of zero groups, and only a run of two or more', () => {
    const address = new Uint8Array(16);
    expect(formatIpv6(address, 0)).toBe('::');
    address.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(formatIpv6(address, 0)).toBe('2001:db8:0:1::1');
    address.set([0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1]);
    expect(formatIpv6(address, 0)).toBe('1:0:1:0:1:0:1:1');
  });
});

describe('guessFrameOffset', () => {
  it('finds a received frame after XDP_PACKET_HEADROOM, and a sent one at the headroom', () => {
    const received = new Uint8Array(4096);
    received.set(udp4Frame(), 256);
    expect(guessFrameOffset(received, 0)).toBe(256);
    const sent = new Uint8Array(4096);
    sent.set(udp4Frame(), 0);
    expect(guessFrameOffset(sent, 0)).toBe(0);
    expect(guessFrameOffset(new Uint8Array(4096), 0)).toBeNull();
  });
});

describe('hexRows', () => {
  it('covers a range with rows aligned to 16 bytes and never runs past the bytes', () => {
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => i);
    const rows = hexRows(bytes, 20, 100);
    expect(rows.map((row) => row.offset)).toEqual([16, 32]);
    expect(rows[1]?.bytes).toEqual([32, 33, 34, 35, 36, 37, 38, 39]);
  });
});
