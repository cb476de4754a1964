import { onesComplementSum, XDP_PACKET_HEADROOM } from '@ringside/shared';

/**
 * Decodes the headers of one frame's bytes for the packet inspector:
 * Ethernet II (with 802.1Q tags), ARP, IPv4, IPv6, UDP, TCP, ICMP and
 * ICMPv6, checking every checksum they carry. Every field keeps the
 * byte range it came from, so the hex dump can show where each value lives.
 * Pure: bytes in, fields out; nothing here trusts the bytes to be well formed.
 */

export type Protocol = 'ethernet' | 'vlan' | 'arp' | 'ipv4' | 'ipv6' | 'udp' | 'tcp' | 'icmp' | 'icmpv6' | 'payload';

export interface Field {
  /** Stable key, used by the page and its tests: `source`, `destinationPort`… */
  name: string;
  label: string;
  value: string;
  /** Byte range in the decoded buffer, end exclusive. */
  start: number;
  end: number;
  /** A checksum field's verdict, which its value also says in words. */
  checksum?: ChecksumVerdict;
}

/** What checking a checksum found: `absent` is a UDP checksum of zero, `unchecked` one whose bytes are not all here. */
export type ChecksumVerdict = 'correct' | 'wrong' | 'unchecked' | 'absent';

const VERDICT_WORDS: Record<ChecksumVerdict, string> = {
  correct: 'correct',
  wrong: 'wrong',
  unchecked: 'not checked',
  absent: 'none',
};

/** A checksum's verdict, and why when the verdict alone does not say. */
interface Checked {
  verdict: ChecksumVerdict;
  why?: string;
}

export interface Layer {
  protocol: Protocol;
  title: string;
  start: number;
  end: number;
  fields: Field[];
}

export interface DecodedPacket {
  layers: Layer[];
  /** What stopped or troubled the decoding, in words a reader can act on. */
  notes: string[];
}

const ETHERNET_HEADER = 14;
const VLAN_TAG = 4;
const IPV4_MIN_HEADER = 20;
const IPV6_HEADER = 40;
const UDP_HEADER = 8;
const TCP_MIN_HEADER = 20;
const ICMP_HEADER = 8;
const ARP_ETHERNET_IPV4 = 28;

const ETHER_TYPES: Record<number, string> = {
  2048: 'IPv4',
  2054: 'ARP',
  33024: '802.1Q VLAN',
  34984: '802.1ad VLAN',
  34525: 'IPv6',
};

const IP_PROTOCOLS: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMPv6' };

const hex = (value: number, digits: number) => `0x${value.toString(16).padStart(digits, '0')}`;

function formatMac(bytes: Uint8Array, at: number): string {
  return Array.from(bytes.subarray(at, at + 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

function formatIpv4(bytes: Uint8Array, at: number): string {
  return Array.from(bytes.subarray(at, at + 4)).join('.');
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run of two or more zero groups as `::`. */
export function formatIpv6(bytes: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((bytes[at + 2 * i] as number) << 8) | (bytes[at + 2 * i + 1] as number));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const text = (list: number[]) => list.map((group) => group.toString(16)).join(':');
  if (bestStart < 0) return text(groups);
  return `${text(groups.slice(0, bestStart))}::${text(groups.slice(bestStart + bestLength))}`;
}

/** RFC 791: the one's complement sum over a correct header, checksum included, is 0xffff. */
export function ipv4ChecksumValid(bytes: Uint8Array, at: number, headerLength: number): boolean {
  return onesComplementSum(bytes, at, headerLength) === 0xffff;
}

class Reader {
  readonly layers: Layer[] = [];
  readonly notes: string[] = [];
  constructor(
    readonly bytes: Uint8Array,
    /** Where the frame ends: the descriptor's length when known, otherwise the chunk's end. */
    readonly limit: number,
  ) {}

  u8(at: number): number {
    return this.bytes[at] as number;
  }

  u16(at: number): number {
    return (this.u8(at) << 8) | this.u8(at + 1);
  }

  u32(at: number): number {
    return this.u16(at) * 0x10000 + this.u16(at + 2);
  }

  /** False, with a note, when `size` bytes from `at` run past the frame. */
  fits(at: number, size: number, what: string): boolean {
    if (at + size <= this.limit) return true;
    this.notes.push(`truncated: the ${what} needs ${size} bytes at offset ${at}, the frame ends at ${this.limit}`);
    return false;
  }
}

const field = (name: string, label: string, value: string, start: number, size: number): Field => ({
  name,
  label,
  value,
  start,
  end: start + size,
});

/**
 * Decodes the frame that starts at `offset` in `bytes` and is `length` bytes
 * long (null: unknown, decode up to the end of `bytes`).
 */
export function decodePacket(bytes: Uint8Array, offset: number, length: number | null): DecodedPacket {
  const limit = Math.min(bytes.length, length === null ? bytes.length : offset + length);
  const r = new Reader(bytes, limit);
  if (offset < 0 || offset >= bytes.length) {
    r.notes.push(`offset ${offset} is outside the ${bytes.length} bytes read`);
    return { layers: [], notes: r.notes };
  }
  if (!r.fits(offset, ETHERNET_HEADER, 'Ethernet header')) return { layers: [], notes: r.notes };
  let at = offset + 12;
  let etherType = r.u16(at);
  r.layers.push({
    protocol: 'ethernet',
    title: 'Ethernet II',
    start: offset,
    end: offset + ETHERNET_HEADER,
    fields: [
      field('destination', 'destination MAC', formatMac(bytes, offset), offset, 6),
      field('source', 'source MAC', formatMac(bytes, offset + 6), offset + 6, 6),
      field('etherType', 'EtherType', describeEtherType(etherType), at, 2),
    ],
  });
  at += 2;
  // 802.1Q and 802.1ad tags sit between the addresses and the real EtherType.
  while ((etherType === 0x8100 || etherType === 0x88a8) && r.fits(at, VLAN_TAG, 'VLAN tag')) {
    const tci = r.u16(at);
    etherType = r.u16(at + 2);
    r.layers.push({
      protocol: 'vlan',
      title: '802.1Q tag',
      start: at - 2,
      end: at + VLAN_TAG,
      fields: [
        field('priority', 'priority', String(tci >> 13), at, 2),
        field('vlanId', 'VLAN id', String(tci & 0x0fff), at, 2),
        field('etherType', 'EtherType', describeEtherType(etherType), at + 2, 2),
      ],
    });
    at += VLAN_TAG;
  }
  let transport: Transport | null = null;
  if (etherType === 0x0800) transport = decodeIpv4(r, at);
  else if (etherType === 0x86dd) transport = decodeIpv6(r, at);
  else if (etherType === 0x0806) decodeArp(r, at);
  else r.notes.push(`EtherType ${describeEtherType(etherType)}: not decoded here`);

  let payloadStart = transport?.at ?? null;
  if (transport) {
    const decode = TRANSPORTS[transport.protocol];
    if (decode) payloadStart = decode(r, transport);
    else if (transport.protocol >= 0)
      r.notes.push(`IP protocol ${describeIpProtocol(transport.protocol)}: not decoded here`);
  }
  const end = transport?.end ?? (etherType === 0x0806 ? at : limit);
  if (payloadStart !== null && payloadStart < end) {
    r.layers.push({
      protocol: 'payload',
      title: 'Payload',
      start: payloadStart,
      end,
      fields: [field('length', 'length', `${end - payloadStart} bytes`, payloadStart, end - payloadStart)],
    });
  }
  return { layers: r.layers, notes: r.notes };
}

function describeEtherType(value: number): string {
  const name = ETHER_TYPES[value];
  return name ? `${hex(value, 4)} ${name}` : hex(value, 4);
}

function describeIpProtocol(value: number): string {
  const name = IP_PROTOCOLS[value];
  return name ? `${value} ${name}` : String(value);
}

/** What an IP layer hands the layer inside it. */
interface Transport {
  protocol: number;
  /** Where the transport header starts and where the IP packet ends. */
  at: number;
  end: number;
  /**
   * The one's complement sum of the IP source and destination addresses: the
   * part of the pseudo-header (RFC 768, RFC 8200 section 8.1) that TCP, UDP
   * and ICMPv6 checksums cover besides their own bytes.
   */
  addressSum: number;
  version: 4 | 6;
  /** A first fragment (MF set) holds only part of what the transport checksum covers. */
  fragmented: boolean;
  /** The IP length runs past the frame: what a checksum covers is not all here. */
  cut: boolean;
}

/** Returns where the transport header starts and where the IP packet ends, or null if the header is unreadable. */
function decodeIpv4(r: Reader, at: number): Transport | null {
  if (!r.fits(at, IPV4_MIN_HEADER, 'IPv4 header')) return null;
  const version = r.u8(at) >> 4;
  const headerLength = (r.u8(at) & 0x0f) * 4;
  const totalLength = r.u16(at + 2);
  const flagsAndOffset = r.u16(at + 6);
  const protocol = r.u8(at + 9);
  const fields = [
    field('version', 'version', String(version), at, 1),
    field('headerLength', 'header length', `${headerLength} bytes`, at, 1),
    field('totalLength', 'total length', String(totalLength), at + 2, 2),
    field('identification', 'identification', hex(r.u16(at + 4), 4), at + 4, 2),
    field(
      'flags',
      'flags',
      [flagsAndOffset & 0x4000 ? 'DF' : '', flagsAndOffset & 0x2000 ? 'MF' : ''].filter(Boolean).join(' ') || 'none',
      at + 6,
      2,
    ),
    field('fragmentOffset', 'fragment offset', String((flagsAndOffset & 0x1fff) * 8), at + 6, 2),
    field('ttl', 'TTL', String(r.u8(at + 8)), at + 8, 1),
    field('protocol', 'protocol', describeIpProtocol(protocol), at + 9, 1),
    field('checksum', 'header checksum', '', at + 10, 2),
    field('source', 'source', formatIpv4(r.bytes, at + 12), at + 12, 4),
    field('destination', 'destination', formatIpv4(r.bytes, at + 16), at + 16, 4),
  ];
  const layer: Layer = { protocol: 'ipv4', title: 'IPv4', start: at, end: at + IPV4_MIN_HEADER, fields };
  r.layers.push(layer);
  const checksum = fields.find((f) => f.name === 'checksum') as Field;
  if (version !== 4) r.notes.push(`the IPv4 EtherType carries IP version ${version}`);
  if (headerLength < IPV4_MIN_HEADER) {
    r.notes.push(`IPv4 header length ${headerLength} is below the minimum of 20 bytes`);
    checksum.value = hex(r.u16(at + 10), 4);
    return null;
  }
  if (!r.fits(at, headerLength, 'IPv4 header with options')) return null;
  layer.end = at + headerLength;
  setChecksum(checksum, r.u16(at + 10), {
    verdict: ipv4ChecksumValid(r.bytes, at, headerLength) ? 'correct' : 'wrong',
  });
  let end = at + totalLength;
  const cut = end > r.limit;
  if (totalLength < headerLength) {
    r.notes.push(`IPv4 total length ${totalLength} is shorter than its header`);
    end = r.limit;
  } else if (end > r.limit) {
    r.notes.push(`IPv4 total length ${totalLength} runs past the frame's end (${r.limit - at} bytes left)`);
    end = r.limit;
  }
  const addressSum = onesComplementSum(r.bytes, at + 12, 8);
  if ((flagsAndOffset & 0x1fff) !== 0) {
    r.notes.push('a later fragment: its transport header is in the first fragment');
    return { protocol: -1, at: at + headerLength, end, addressSum, version: 4, fragmented: true, cut };
  }
  const fragmented = (flagsAndOffset & 0x2000) !== 0;
  return { protocol, at: at + headerLength, end, addressSum, version: 4, fragmented, cut };
}

function decodeIpv6(r: Reader, at: number): Transport | null {
  if (!r.fits(at, IPV6_HEADER, 'IPv6 header')) return null;
  const first = r.u32(at);
  const payloadLength = r.u16(at + 4);
  const nextHeader = r.u8(at + 6);
  r.layers.push({
    protocol: 'ipv6',
    title: 'IPv6',
    start: at,
    end: at + IPV6_HEADER,
    fields: [
      field('version', 'version', String(Math.floor(first / 0x1000_0000)), at, 1),
      field('trafficClass', 'traffic class', hex((first >>> 20) & 0xff, 2), at, 2),
      field('flowLabel', 'flow label', hex(first & 0xfffff, 5), at + 1, 3),
      field('payloadLength', 'payload length', String(payloadLength), at + 4, 2),
      field('nextHeader', 'next header', describeIpProtocol(nextHeader), at + 6, 1),
      field('hopLimit', 'hop limit', String(r.u8(at + 7)), at + 7, 1),
      field('source', 'source', formatIpv6(r.bytes, at + 8), at + 8, 16),
      field('destination', 'destination', formatIpv6(r.bytes, at + 24), at + 24, 16),
    ],
  });
  let end = at + IPV6_HEADER + payloadLength;
  const cut = end > r.limit;
  if (cut) {
    r.notes.push(`IPv6 payload length ${payloadLength} runs past the frame's end`);
    end = r.limit;
  }
  return {
    protocol: nextHeader,
    at: at + IPV6_HEADER,
    end,
    addressSum: onesComplementSum(r.bytes, at + 8, 32),
    version: 6,
    fragmented: false,
    cut,
  };
}

/** Writes a checksum field's verdict, and its value: the checksum and the verdict in words. */
function setChecksum(target: Field, value: number, checked: Checked): Field {
  target.checksum = checked.verdict;
  const words = VERDICT_WORDS[checked.verdict];
  target.value = `${hex(value, 4)} (${checked.why ? `${words}: ${checked.why}` : words})`;
  return target;
}

/**
 * Checks a transport checksum: `covered` bytes from `at` are summed onto
 * `initial` (a pseudo-header's sum, or 0); a segment cut short by the frame
 * cannot be checked.
 */
function checkTransport(r: Reader, ip: Transport, at: number, covered: number, initial: number): Checked {
  if (ip.fragmented) return { verdict: 'unchecked', why: 'the rest of the datagram is in later fragments' };
  if (ip.cut || at + covered > r.limit) return { verdict: 'unchecked', why: 'the frame is cut short' };
  return { verdict: onesComplementSum(r.bytes, at, covered, initial) === 0xffff ? 'correct' : 'wrong' };
}

/** The checksum field at `checksumAt`, checked as `checkTransport` says. */
function transportChecksum(
  r: Reader,
  ip: Transport,
  checksumAt: number,
  at: number,
  covered: number,
  initial: number,
): Field {
  const target = field('checksum', 'checksum', '', checksumAt, 2);
  return setChecksum(target, r.u16(checksumAt), checkTransport(r, ip, at, covered, initial));
}

/** The pseudo-header's sum for `protocol` carrying `length` bytes, over the addresses the IP layer summed. */
function pseudoHeader(ip: Transport, protocol: number, length: number): number {
  // IPv6 writes the length in 32 bits and the next header in the last of four bytes; the sums come out the same.
  return onesComplementSum(new Uint8Array([0, protocol, length >> 8, length & 0xff]), 0, 4, ip.addressSum);
}

/** Returns where the UDP payload starts, or null if the header is unreadable. */
function decodeUdp(r: Reader, ip: Transport): number | null {
  const { at, end } = ip;
  if (!r.fits(at, UDP_HEADER, 'UDP header')) return null;
  const length = r.u16(at + 4);
  const checksum = r.u16(at + 6);
  const fits = length >= UDP_HEADER && at + length <= end;
  let checked: Checked;
  // Zero is "no checksum", which RFC 768 allows over IPv4 and RFC 8200 forbids over IPv6.
  if (checksum === 0)
    checked = ip.version === 4 ? { verdict: 'absent' } : { verdict: 'wrong', why: 'IPv6 requires a UDP checksum' };
  else if (!fits) checked = { verdict: 'unchecked', why: 'the length is wrong' };
  else checked = checkTransport(r, ip, at, length, pseudoHeader(ip, 17, length));
  r.layers.push({
    protocol: 'udp',
    title: 'UDP',
    start: at,
    end: at + UDP_HEADER,
    fields: [
      field('sourcePort', 'source port', String(r.u16(at)), at, 2),
      field('destinationPort', 'destination port', String(r.u16(at + 2)), at + 2, 2),
      field('length', 'length', String(length), at + 4, 2),
      setChecksum(field('checksum', 'checksum', '', at + 6, 2), checksum, checked),
    ],
  });
  if (!fits) r.notes.push(`UDP length ${length} disagrees with the IP packet`);
  return at + UDP_HEADER;
}

const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'] as const;

/** RFC 9293. Returns where the segment's data starts, or null if the header is unreadable. */
function decodeTcp(r: Reader, ip: Transport): number | null {
  const { at, end } = ip;
  if (!r.fits(at, TCP_MIN_HEADER, 'TCP header')) return null;
  const headerLength = (r.u8(at + 12) >> 4) * 4;
  const flags = r.u8(at + 13);
  const layer: Layer = {
    protocol: 'tcp',
    title: 'TCP',
    start: at,
    end: at + TCP_MIN_HEADER,
    fields: [
      field('sourcePort', 'source port', String(r.u16(at)), at, 2),
      field('destinationPort', 'destination port', String(r.u16(at + 2)), at + 2, 2),
      field('sequence', 'sequence number', String(r.u32(at + 4)), at + 4, 4),
      field('acknowledgment', 'acknowledgment number', String(r.u32(at + 8)), at + 8, 4),
      field('headerLength', 'header length', `${headerLength} bytes`, at + 12, 1),
      field('flags', 'flags', TCP_FLAGS.filter((_, bit) => flags & (1 << bit)).join(' ') || 'none', at + 13, 1),
      field('window', 'window', String(r.u16(at + 14)), at + 14, 2),
      transportChecksum(r, ip, at + 16, at, end - at, pseudoHeader(ip, 6, end - at)),
      field('urgentPointer', 'urgent pointer', String(r.u16(at + 18)), at + 18, 2),
    ],
  };
  r.layers.push(layer);
  if (headerLength < TCP_MIN_HEADER) {
    r.notes.push(`TCP header length ${headerLength} is below the minimum of 20 bytes`);
    return null;
  }
  if (!r.fits(at, headerLength, 'TCP header with options')) return null;
  layer.end = at + headerLength;
  if (headerLength > TCP_MIN_HEADER)
    layer.fields.push(
      field('options', 'options', `${headerLength - TCP_MIN_HEADER} bytes`, at + 20, headerLength - TCP_MIN_HEADER),
    );
  return at + headerLength;
}

/** Message types and, where the code matters, their codes' names (RFC 792, RFC 4443, RFC 4861). */
const ICMP_TYPES: Record<number, string> = {
  0: 'echo reply',
  3: 'destination unreachable',
  5: 'redirect',
  8: 'echo request',
  11: 'time exceeded',
};
const ICMP_UNREACHABLE: Record<number, string> = {
  0: 'network unreachable',
  1: 'host unreachable',
  2: 'protocol unreachable',
  3: 'port unreachable',
  4: 'fragmentation needed',
};
const ICMPV6_TYPES: Record<number, string> = {
  1: 'destination unreachable',
  2: 'packet too big',
  3: 'time exceeded',
  128: 'echo request',
  129: 'echo reply',
  133: 'router solicitation',
  134: 'router advertisement',
  135: 'neighbor solicitation',
  136: 'neighbor advertisement',
};
const ICMPV6_UNREACHABLE: Record<number, string> = {
  0: 'no route',
  1: 'administratively prohibited',
  3: 'address unreachable',
  4: 'port unreachable',
};

/**
 * ICMP (IPv4) and ICMPv6 share a layout: type, code, checksum, then four
 * bytes whose meaning depends on the type. ICMPv6's checksum also covers the
 * pseudo-header; ICMP's covers the message alone.
 */
function decodeIcmp(r: Reader, ip: Transport): number | null {
  const { at, end } = ip;
  const v6 = ip.version === 6;
  const title = v6 ? 'ICMPv6' : 'ICMP';
  if (!r.fits(at, ICMP_HEADER - 4, `${title} header`)) return null;
  const type = r.u8(at);
  const code = r.u8(at + 1);
  const typeName = (v6 ? ICMPV6_TYPES : ICMP_TYPES)[type];
  const unreachable = type === (v6 ? 1 : 3) ? (v6 ? ICMPV6_UNREACHABLE : ICMP_UNREACHABLE)[code] : undefined;
  const layer: Layer = {
    protocol: v6 ? 'icmpv6' : 'icmp',
    title,
    start: at,
    end: at + 4,
    fields: [
      field('type', 'type', typeName ? `${type} ${typeName}` : String(type), at, 1),
      field('code', 'code', unreachable ? `${code} ${unreachable}` : String(code), at + 1, 1),
      transportChecksum(r, ip, at + 2, at, end - at, v6 ? pseudoHeader(ip, 58, end - at) : 0),
    ],
  };
  r.layers.push(layer);
  if (!r.fits(at, ICMP_HEADER, `${title} header`)) return null;
  layer.end = at + ICMP_HEADER;
  const echo = v6 ? type === 128 || type === 129 : type === 0 || type === 8;
  if (echo) {
    layer.fields.push(
      field('identifier', 'identifier', String(r.u16(at + 4)), at + 4, 2),
      field('sequence', 'sequence number', String(r.u16(at + 6)), at + 6, 2),
    );
  } else if (v6 && (type === 135 || type === 136) && r.fits(at + 8, 16, 'neighbor discovery target')) {
    layer.end = at + 24;
    layer.fields.push(field('target', 'target address', formatIpv6(r.bytes, at + 8), at + 8, 16));
    return at + 24;
  } else if (v6 && type === 2) {
    layer.fields.push(field('mtu', 'MTU', String(r.u32(at + 4)), at + 4, 4));
  } else if (!v6 && type === 3 && code === 4) {
    layer.fields.push(field('mtu', 'next-hop MTU', String(r.u16(at + 6)), at + 6, 2));
  }
  // An error message carries the start of the packet that caused it: its bytes follow as the payload.
  return at + ICMP_HEADER;
}

const TRANSPORTS: Record<number, (r: Reader, ip: Transport) => number | null> = {
  1: decodeIcmp,
  6: decodeTcp,
  17: decodeUdp,
  58: decodeIcmp,
};

/** RFC 826, for Ethernet and IPv4 (the only pairing in use): who has an address, and who answers. */
function decodeArp(r: Reader, at: number): void {
  if (!r.fits(at, 8, 'ARP header')) return;
  const hardwareLength = r.u8(at + 4);
  const protocolLength = r.u8(at + 5);
  const operation = r.u16(at + 6);
  const fields = [
    field('hardwareType', 'hardware type', r.u16(at) === 1 ? '1 Ethernet' : String(r.u16(at)), at, 2),
    field('protocolType', 'protocol type', describeEtherType(r.u16(at + 2)), at + 2, 2),
    field(
      'operation',
      'operation',
      operation === 1 ? '1 request' : operation === 2 ? '2 reply' : String(operation),
      at + 6,
      2,
    ),
  ];
  const layer: Layer = { protocol: 'arp', title: 'ARP', start: at, end: at + 8, fields };
  r.layers.push(layer);
  if (hardwareLength !== 6 || protocolLength !== 4) {
    r.notes.push(
      `ARP for ${hardwareLength}-byte hardware and ${protocolLength}-byte protocol addresses: not decoded here`,
    );
    return;
  }
  if (!r.fits(at, ARP_ETHERNET_IPV4, 'ARP addresses')) return;
  layer.end = at + ARP_ETHERNET_IPV4;
  fields.push(
    field('senderMac', 'sender MAC', formatMac(r.bytes, at + 8), at + 8, 6),
    field('senderIp', 'sender IP', formatIpv4(r.bytes, at + 14), at + 14, 4),
    field('targetMac', 'target MAC', formatMac(r.bytes, at + 18), at + 18, 6),
    field('targetIp', 'target IP', formatIpv4(r.bytes, at + 24), at + 24, 4),
  );
}

/**
 * Where the frame most likely starts in a chunk when no descriptor says so.
 * A copy-mode receive writes at the UMEM headroom plus XDP_PACKET_HEADROOM
 * (256 bytes); what the application sends, Ringside writes at the headroom.
 * The first candidate that carries a known EtherType wins.
 */
export function guessFrameOffset(bytes: Uint8Array, headroom: number): number | null {
  for (const candidate of [headroom + XDP_PACKET_HEADROOM, headroom]) {
    if (candidate + ETHERNET_HEADER > bytes.length) continue;
    const etherType = ((bytes[candidate + 12] as number) << 8) | (bytes[candidate + 13] as number);
    if (ETHER_TYPES[etherType] === undefined) continue;
    // An IPv4 EtherType followed by something other than version 4 is a coincidence, not a frame.
    if (etherType === 0x0800 && (bytes[candidate + ETHERNET_HEADER] as number) >> 4 !== 4) continue;
    return candidate;
  }
  return null;
}

/** One line of a hex dump: 16 bytes from `offset`. */
export interface HexRow {
  offset: number;
  bytes: number[];
}

/** Rows of 16 bytes covering [start, end), aligned to 16 so offsets read as in any hex dump. */
export function hexRows(bytes: Uint8Array, start: number, end: number): HexRow[] {
  const rows: HexRow[] = [];
  const from = Math.max(0, Math.floor(start / 16) * 16);
  const to = Math.min(bytes.length, end);
  for (let offset = from; offset < to; offset += 16) {
    rows.push({ offset, bytes: Array.from(bytes.subarray(offset, Math.min(offset + 16, bytes.length))) });
  }
  return rows;
}

/** The innermost layer that covers byte `at`, for colouring the dump. */
export function layerAt(layers: readonly Layer[], at: number): Protocol | null {
  let found: Protocol | null = null;
  for (const layer of layers) if (at >= layer.start && at < layer.end) found = layer.protocol;
  return found;
}

/** Base64 to bytes, in the browser and in Node alike. */
export function bytesFromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The frame's bytes [start, end) as a hex dump that text2pcap and
 * Wireshark's "Import from Hex Dump" read back: a six-digit offset from the
 * frame's first byte, then up to 16 bytes a line.
 */
export function frameAsHex(bytes: Uint8Array, start: number, end: number): string {
  const lines: string[] = [];
  const to = Math.min(bytes.length, end);
  for (let offset = start; offset < to; offset += 16) {
    const row = Array.from(bytes.subarray(offset, Math.min(offset + 16, to)), (b) => b.toString(16).padStart(2, '0'));
    lines.push(`${(offset - start).toString(16).padStart(6, '0')}  ${row.join(' ')}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
