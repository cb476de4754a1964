/**
 * Decodes the headers of one frame's bytes for the packet inspector:
 * Ethernet II (with 802.1Q tags), IPv4, IPv6 and UDP. Every field keeps the
 * byte range it came from, so the hex dump can show where each value lives.
 * Pure: bytes in, fields out; nothing here trusts the bytes to be well formed.
 */

export type Protocol = 'ethernet' | 'vlan' | 'ipv4' | 'ipv6' | 'udp' | 'payload';

export interface Field {
  /** Stable key, used by the page and its tests: `source`, `destinationPort`… */
  name: string;
  label: string;
  value: string;
  /** Byte range in the decoded buffer, end exclusive. */
  start: number;
  end: number;
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
  let sum = 0;
  for (let i = 0; i < headerLength; i += 2) sum += ((bytes[at + i] as number) << 8) | (bytes[at + i + 1] as number);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
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
  let transport: { protocol: number; at: number; end: number } | null = null;
  if (etherType === 0x0800) transport = decodeIpv4(r, at);
  else if (etherType === 0x86dd) transport = decodeIpv6(r, at);
  else r.notes.push(`EtherType ${describeEtherType(etherType)}: not decoded here`);

  let payloadStart = transport?.at ?? null;
  if (transport?.protocol === 17) payloadStart = decodeUdp(r, transport.at, transport.end);
  else if (transport) r.notes.push(`IP protocol ${describeIpProtocol(transport.protocol)}: not decoded here`);
  const end = transport?.end ?? limit;
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

/** Returns where the transport header starts and where the IP packet ends, or null if the header is unreadable. */
function decodeIpv4(r: Reader, at: number): { protocol: number; at: number; end: number } | null {
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
  checksum.value = `${hex(r.u16(at + 10), 4)} (${ipv4ChecksumValid(r.bytes, at, headerLength) ? 'correct' : 'wrong'})`;
  let end = at + totalLength;
  if (totalLength < headerLength) {
    r.notes.push(`IPv4 total length ${totalLength} is shorter than its header`);
    end = r.limit;
  } else if (end > r.limit) {
    r.notes.push(`IPv4 total length ${totalLength} runs past the frame's end (${r.limit - at} bytes left)`);
    end = r.limit;
  }
  if ((flagsAndOffset & 0x1fff) !== 0) {
    r.notes.push('a later fragment: its transport header is in the first fragment');
    return { protocol: -1, at: at + headerLength, end };
  }
  return { protocol, at: at + headerLength, end };
}

function decodeIpv6(r: Reader, at: number): { protocol: number; at: number; end: number } | null {
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
  if (end > r.limit) {
    r.notes.push(`IPv6 payload length ${payloadLength} runs past the frame's end`);
    end = r.limit;
  }
  return { protocol: nextHeader, at: at + IPV6_HEADER, end };
}

/** Returns where the UDP payload starts, or null if the header is unreadable. */
function decodeUdp(r: Reader, at: number, end: number): number | null {
  if (!r.fits(at, UDP_HEADER, 'UDP header')) return null;
  const length = r.u16(at + 4);
  const checksum = r.u16(at + 6);
  r.layers.push({
    protocol: 'udp',
    title: 'UDP',
    start: at,
    end: at + UDP_HEADER,
    fields: [
      field('sourcePort', 'source port', String(r.u16(at)), at, 2),
      field('destinationPort', 'destination port', String(r.u16(at + 2)), at + 2, 2),
      field('length', 'length', String(length), at + 4, 2),
      // Zero is "no checksum", which RFC 768 allows over IPv4.
      field('checksum', 'checksum', checksum === 0 ? '0x0000 (none)' : hex(checksum, 4), at + 6, 2),
    ],
  });
  if (length < UDP_HEADER || at + length > end) r.notes.push(`UDP length ${length} disagrees with the IP packet`);
  return at + UDP_HEADER;
}

/**
 * Where the frame most likely starts in a chunk when no descriptor says so.
 * A copy-mode receive writes at the UMEM headroom plus XDP_PACKET_HEADROOM
 * (256 bytes); what the application sends, Ringside writes at the headroom.
 * The first candidate that carries a known EtherType wins.
 */
export const XDP_PACKET_HEADROOM = 256;

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
