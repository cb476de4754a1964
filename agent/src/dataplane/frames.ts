import { MIN_FRAME_LENGTH, onesComplementSum } from '@ringside/shared';

/**
 * The lab's test frames: Ethernet II / IPv4 / UDP with a payload that names
 * itself. The payload starts with a magic word and a sequence number; the
 * rest is a fixed pattern (byte i of the payload is i mod 256), so a receiver
 * can check every byte without knowing which frame came first.
 */

export interface UdpFrameSpec {
  destinationMac: readonly number[];
  sourceMac: readonly number[];
  sourceIp: readonly number[];
  destinationIp: readonly number[];
  sourcePort: number;
  destinationPort: number;
  /** Whole frame, without the FCS: at least MIN_FRAME_LENGTH (Ethernet's minimum). */
  length: number;
}

/** What a txonly workload sends: a frame whose length comes from its control block. */
export type UdpFrameTemplate = Omit<UdpFrameSpec, 'length'>;

export const ETHERNET_HEADER = 14;
export const IPV4_HEADER = 20;
const UDP_HEADER = 8;
export const PAYLOAD_OFFSET = ETHERNET_HEADER + IPV4_HEADER + UDP_HEADER;
const PAYLOAD_MAGIC = 0x5253_4431; // "RSD1"
const SEQUENCE_OFFSET = PAYLOAD_OFFSET + 4;
const PATTERN_START = 8;

/** `limit` names where `maxLength` comes from. */
export function validateFrameLength(length: number, maxLength: number, limit = 'the UMEM frame size'): string | null {
  if (!Number.isInteger(length) || length < MIN_FRAME_LENGTH || length > maxLength) {
    return `frame length must be a whole number from ${MIN_FRAME_LENGTH} to ${maxLength} bytes (${limit})`;
  }
  return null;
}

/** RFC 791 header checksum: the complement of the header's one's complement sum, its checksum field left out. */
export function ipv4HeaderChecksum(bytes: Uint8Array, offset: number): number {
  const beforeField = onesComplementSum(bytes, offset, 10);
  return ~onesComplementSum(bytes, offset + 12, IPV4_HEADER - 12, beforeField) & 0xffff;
}

/** Writes a whole frame at `offset` with sequence number 0. */
export function writeUdpFrame(bytes: Uint8Array, offset: number, spec: UdpFrameSpec): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  bytes.set(spec.destinationMac, offset);
  bytes.set(spec.sourceMac, offset + 6);
  view.setUint16(offset + 12, 0x0800); // EtherType IPv4

  const ip = offset + ETHERNET_HEADER;
  const ipLength = spec.length - ETHERNET_HEADER;
  bytes[ip] = 0x45; // version 4, IHL 5 words
  bytes[ip + 1] = 0;
  view.setUint16(ip + 2, ipLength);
  view.setUint32(ip + 4, 0x0000_4000); // id 0, don't fragment
  bytes[ip + 8] = 64; // TTL
  bytes[ip + 9] = 17; // UDP
  view.setUint16(ip + 10, 0);
  bytes.set(spec.sourceIp, ip + 12);
  bytes.set(spec.destinationIp, ip + 16);
  view.setUint16(ip + 10, ipv4HeaderChecksum(bytes, ip));

  const udp = ip + IPV4_HEADER;
  view.setUint16(udp, spec.sourcePort);
  view.setUint16(udp + 2, spec.destinationPort);
  view.setUint16(udp + 4, ipLength - IPV4_HEADER);
  view.setUint16(udp + 6, 0); // no checksum: allowed for UDP over IPv4

  const payload = offset + PAYLOAD_OFFSET;
  view.setUint32(payload, PAYLOAD_MAGIC);
  view.setUint32(payload + 4, 0);
  for (let i = PATTERN_START; i < spec.length - PAYLOAD_OFFSET; i++) bytes[payload + i] = i & 0xff;
}

/** Stamps a frame written by writeUdpFrame with its sequence number. */
export function writeSequence(view: DataView, frameOffset: number, sequence: number): void {
  view.setUint32(frameOffset + SEQUENCE_OFFSET, sequence);
}

export interface ReceivedTestFrame {
  sequence: number;
  length: number;
  /** Null when every byte is as writeUdpFrame wrote it; otherwise what differs. */
  defect: string | null;
}

/** Checks a received frame against what the lab's source sends. */
export function checkTestFrame(bytes: Uint8Array, offset: number, length: number): ReceivedTestFrame {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const result = (defect: string | null, sequence = -1) => ({ sequence, length, defect });
  if (length < MIN_FRAME_LENGTH) return result(`frame of ${length} bytes is shorter than ${MIN_FRAME_LENGTH}`);
  if (view.getUint16(offset + 12) !== 0x0800) return result('not IPv4');
  const ip = offset + ETHERNET_HEADER;
  if (view.getUint16(ip + 2) !== length - ETHERNET_HEADER) return result('IPv4 total length does not match');
  if (ipv4HeaderChecksum(bytes, ip) !== view.getUint16(ip + 10)) return result('bad IPv4 header checksum');
  const payload = offset + PAYLOAD_OFFSET;
  if (view.getUint32(payload) !== PAYLOAD_MAGIC) return result('payload magic missing');
  const sequence = view.getUint32(payload + 4);
  for (let i = PATTERN_START; i < length - PAYLOAD_OFFSET; i++) {
    if (bytes[payload + i] !== (i & 0xff)) return result(`payload byte ${i} differs`, sequence);
  }
  return result(null, sequence);
}
