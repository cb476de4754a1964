import { onesComplementSum } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import {
  type DecodedPacket,
  decodePacket,
  formatIpv6,
  frameAsHex,
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

/** Fills in the IPv4 header checksum at `ip`, whose checksum field holds zero (RFC 1071). */
function stampChecksum(bytes: Uint8Array, ip: number): void {
  const checksum = ~onesComplementSum(bytes, ip, 20) & 0xffff;
  bytes[ip + 10] = checksum >> 8;
  bytes[ip + 11] = checksum & 0xff;
}

const value = (packet: DecodedPacket, protocol: string, name: string) =>
  packet.layers.find((layer) => layer.protocol === protocol)?.fields.find((f) => f.name === name)?.value;

const verdict = (packet: DecodedPacket, protocol: string) =>
  packet.layers.find((layer) => layer.protocol === protocol)?.fields.find((f) => f.name === 'checksum')?.checksum;

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
    const packet = decodePacket(frame, 0, null);
    expect(value(packet, 'ipv4', 'checksum')).toMatch(/wrong/);
    expect(verdict(packet, 'ipv4')).toBe('wrong');
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
    expect(value(packet, 'udp', 'checksum')).toBe('0xabcd (wrong)');
  });

  it('names an EtherType it does not decode and decodes nothing further', () => {
    const frame = new Uint8Array(60);
    frame.set([0x88, 0xcc], 12);
    const packet = decodePacket(frame, 0, null);
    expect(packet.layers.map((layer) => layer.protocol)).toEqual(['ethernet']);
    expect(packet.notes).toEqual(['EtherType 0x88cc: not decoded here']);
  });

  it('refuses an offset outside the bytes', () => {
    expect(decodePacket(new Uint8Array(16), 64, null).notes[0]).toMatch(/outside/);
  });
});

/**
 * Frames recorded with `tcpdump -xx` on one end of a veth pair between two
 * namespaces (10.77.0.1, fd00:77::1 → 10.77.0.2, fd00:77::2), checksum
 * offload off on both ends so that every checksum is the one on the wire:
 * ping, ping -6, a TCP connection sending "hi", and a UDP datagram "ringside"
 * over each IP version to a closed port, with the ICMP error it drew.
 */
const RECORDED = {
  arpRequest: 'ffffffffffff020000000a0108060001080006040001020000000a010a4d00010000000000000a4d0002',
  icmpEcho: '020000000b01020000000a010800450000248d6b4000400198d10a4d00010a4d00020800d47e177000010001020304050607',
  icmpv6Echo:
    '020000000b01020000000a0186dd6007a25b00103a40fd000077000000000000000000000001fd00007700000000000000000000000280006140177100010001020304050607',
  icmpv6NeighborSolicitation:
    '3333ff000002020000000a0186dd6000000000203afffd000077000000000000000000000001ff0200000000000000000001ff000002870072a900000000fd0000770000000000000000000000020101020000000a01',
  tcpSyn:
    '020000000b01020000000a0108004500003c790640004006ad190a4d00010a4d0002d34c1f90afe6939a00000000a002faf044300000020405b40402080a525c6b85000000000103030a',
  tcpPush:
    '020000000b01020000000a01080045000036790840004006ad1d0a4d00010a4d0002d34c1f90afe6939b483ea7028018003f45fe00000101080a525c6b86f162de8a6869',
  udp4: '020000000b01020000000a01080045000024630240004011c32a0a4d00010a4d0002946d109200108d9272696e6773696465',
  udp6: '020000000b01020000000a0186dd600f38cf00101140fd000077000000000000000000000001fd000077000000000000000000000002e68510920010552472696e6773696465',
  portUnreachable:
    '020000000a01020000000b01080045c00040d0940000400194cc0a4d00020a4d0001030311bb0000000045000024630240004011c32a0a4d00010a4d0002946d109200108d9272696e6773696465',
};

const recorded = (name: keyof typeof RECORDED) =>
  Uint8Array.from(RECORDED[name].match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));

const decoded = (name: keyof typeof RECORDED) => {
  const frame = recorded(name);
  return decodePacket(frame, 0, frame.length);
};

describe('decoding recorded frames', () => {
  it('reads an ARP request: who has 10.77.0.2, tell 10.77.0.1', () => {
    const packet = decoded('arpRequest');
    expect(packet.notes).toEqual([]);
    expect(packet.layers.map((layer) => layer.protocol)).toEqual(['ethernet', 'arp']);
    expect(value(packet, 'arp', 'operation')).toBe('1 request');
    expect(value(packet, 'arp', 'protocolType')).toBe('0x0800 IPv4');
    expect(value(packet, 'arp', 'senderMac')).toBe('02:00:00:00:0a:01');
    expect(value(packet, 'arp', 'senderIp')).toBe('10.77.0.1');
    expect(value(packet, 'arp', 'targetMac')).toBe('00:00:00:00:00:00');
    expect(value(packet, 'arp', 'targetIp')).toBe('10.77.0.2');
  });

  it('reads an ICMP echo request and checks its checksum', () => {
    const packet = decoded('icmpEcho');
    expect(packet.notes).toEqual([]);
    expect(packet.layers.map((layer) => layer.protocol)).toEqual(['ethernet', 'ipv4', 'icmp', 'payload']);
    expect(value(packet, 'icmp', 'type')).toBe('8 echo request');
    expect(value(packet, 'icmp', 'code')).toBe('0');
    expect(value(packet, 'icmp', 'checksum')).toBe('0xd47e (correct)');
    expect(value(packet, 'icmp', 'identifier')).toBe('6000');
    expect(value(packet, 'icmp', 'sequence')).toBe('1');
    expect(value(packet, 'payload', 'length')).toBe('8 bytes');
  });

  it('reads an ICMP port unreachable, with the datagram that caused it as its payload', () => {
    const packet = decoded('portUnreachable');
    expect(value(packet, 'icmp', 'type')).toBe('3 destination unreachable');
    expect(value(packet, 'icmp', 'code')).toBe('3 port unreachable');
    expect(value(packet, 'icmp', 'checksum')).toMatch(/correct/);
    expect(value(packet, 'payload', 'length')).toBe('36 bytes');
  });

  it('reads an ICMPv6 echo request, its checksum taken over the pseudo-header', () => {
    const packet = decoded('icmpv6Echo');
    expect(packet.notes).toEqual([]);
    expect(value(packet, 'ipv6', 'nextHeader')).toBe('58 ICMPv6');
    expect(value(packet, 'icmpv6', 'type')).toBe('128 echo request');
    expect(value(packet, 'icmpv6', 'checksum')).toBe('0x6140 (correct)');
    expect(value(packet, 'icmpv6', 'identifier')).toBe('6001');
  });

  it('reads the target of an ICMPv6 neighbor solicitation', () => {
    const packet = decoded('icmpv6NeighborSolicitation');
    expect(value(packet, 'icmpv6', 'type')).toBe('135 neighbor solicitation');
    expect(value(packet, 'icmpv6', 'checksum')).toMatch(/correct/);
    expect(value(packet, 'icmpv6', 'target')).toBe('fd00:77::2');
    // The source link-layer address option follows.
    expect(value(packet, 'payload', 'length')).toBe('8 bytes');
  });

  it('reads a TCP SYN with its options, and a segment carrying data', () => {
    const syn = decoded('tcpSyn');
    expect(syn.notes).toEqual([]);
    expect(syn.layers.map((layer) => layer.protocol)).toEqual(['ethernet', 'ipv4', 'tcp']);
    expect(value(syn, 'tcp', 'sourcePort')).toBe('54092');
    expect(value(syn, 'tcp', 'destinationPort')).toBe('8080');
    expect(value(syn, 'tcp', 'sequence')).toBe('2951123866');
    expect(value(syn, 'tcp', 'flags')).toBe('SYN');
    expect(value(syn, 'tcp', 'window')).toBe('64240');
    expect(value(syn, 'tcp', 'headerLength')).toBe('40 bytes');
    expect(value(syn, 'tcp', 'options')).toBe('20 bytes');
    expect(value(syn, 'tcp', 'checksum')).toBe('0x4430 (correct)');

    const push = decoded('tcpPush');
    expect(value(push, 'tcp', 'flags')).toBe('PSH ACK');
    expect(value(push, 'tcp', 'acknowledgment')).toBe('1212065538');
    expect(value(push, 'tcp', 'checksum')).toMatch(/correct/);
    expect(value(push, 'payload', 'length')).toBe('2 bytes');
  });

  it('checks the UDP checksum over the IPv4 and the IPv6 pseudo-header', () => {
    expect(value(decoded('udp4'), 'udp', 'checksum')).toBe('0x8d92 (correct)');
    expect(value(decoded('udp6'), 'udp', 'checksum')).toBe('0x5524 (correct)');
  });

  it('says a checksum is wrong when one byte it covers changed', () => {
    for (const name of ['udp4', 'udp6', 'tcpPush', 'icmpEcho', 'icmpv6Echo'] as const) {
      const frame = recorded(name);
      frame[frame.length - 1] = (frame[frame.length - 1] as number) ^ 0x01;
      const packet = decodePacket(frame, 0, frame.length);
      const transport = packet.layers.find((layer) => ['udp', 'tcp', 'icmp', 'icmpv6'].includes(layer.protocol));
      const checksum = transport?.fields.find((f) => f.name === 'checksum');
      expect(checksum?.value, name).toMatch(/\(wrong\)$/);
      expect(checksum?.checksum, name).toBe('wrong');
      expect(verdict(decodePacket(recorded(name), 0, frame.length), transport?.protocol ?? ''), name).toBe('correct');
    }
  });

  it('does not check a checksum over a frame cut short, nor a UDP checksum of zero over IPv4', () => {
    const cut = recorded('tcpPush');
    expect(value(decodePacket(cut, 0, cut.length - 1), 'tcp', 'checksum')).toMatch(/not checked: the frame is cut/);
    expect(verdict(decodePacket(cut, 0, cut.length - 1), 'tcp')).toBe('unchecked');
    const none = recorded('udp4');
    none.set([0, 0], 40);
    expect(value(decodePacket(none, 0, none.length), 'udp', 'checksum')).toBe('0x0000 (none)');
    expect(verdict(decodePacket(none, 0, none.length), 'udp')).toBe('absent');
  });

  it('gives the verdict apart from the words: a UDP length past the packet leaves the checksum unchecked', () => {
    const frame = recorded('udp4');
    frame.set([0xff, 0xff], 38); // the UDP length
    const packet = decodePacket(frame, 0, frame.length);
    // The words say "wrong" of the length, which a search of the text would take for the checksum.
    expect(value(packet, 'udp', 'checksum')).toMatch(/not checked: the length is wrong/);
    expect(verdict(packet, 'udp')).toBe('unchecked');
  });

  it('says a UDP checksum of zero over IPv6 is wrong, since IPv6 requires one', () => {
    const frame = recorded('udp6');
    frame.set([0, 0], 60);
    const packet = decodePacket(frame, 0, frame.length);
    expect(value(packet, 'udp', 'checksum')).toBe('0x0000 (wrong: IPv6 requires a UDP checksum)');
    expect(verdict(packet, 'udp')).toBe('wrong');
  });
});

describe('frameAsHex', () => {
  it('writes offsets from the frame’s first byte and 16 bytes a line, as text2pcap reads them', () => {
    const chunk = new Uint8Array(64);
    chunk.set(recorded('udp4'), 10);
    const text = frameAsHex(chunk, 10, 10 + 50);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('000000  02 00 00 00 0b 01 02 00 00 00 0a 01 08 00 45 00');
    expect(lines[3]).toBe('000030  64 65');
    expect(frameAsHex(chunk, 10, 10)).toBe('');
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
