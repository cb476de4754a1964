/**
 * Classic pcap (the libpcap file format, as tcpdump and Wireshark read it):
 * a 24-byte file header, then per packet a 16-byte record header and the
 * bytes kept of it. Written little-endian with microsecond timestamps, the
 * magic number telling readers both.
 */

/** The link layer of every packet: Ethernet II, which is what an AF_XDP frame starts with. */
export const LINKTYPE_ETHERNET = 1;
const MAGIC_MICROSECONDS = 0xa1b2c3d4;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;

export interface PcapPacket {
  /** When the frame was read, in milliseconds since the epoch. */
  timestampMs: number;
  /** The frame's whole length on the wire (without FCS), kept or not. */
  length: number;
  /** The bytes kept: the frame's first `bytes.length`. */
  bytes: Uint8Array;
}

/** A pcap file of `packets`, each cut to `snapLength` bytes. */
export function pcapFile(packets: readonly PcapPacket[], snapLength: number): Buffer {
  const kept = packets.map((packet) => packet.bytes.subarray(0, Math.min(snapLength, packet.length)));
  const file = Buffer.alloc(FILE_HEADER + kept.reduce((total, bytes) => total + RECORD_HEADER + bytes.length, 0));
  file.writeUInt32LE(MAGIC_MICROSECONDS, 0);
  file.writeUInt16LE(2, 4); // version 2.4, the only one readers know
  file.writeUInt16LE(4, 6);
  file.writeInt32LE(0, 8); // timestamps are UTC
  file.writeUInt32LE(0, 12); // their accuracy: unstated, as every writer leaves it
  file.writeUInt32LE(snapLength, 16);
  file.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  let at = FILE_HEADER;
  packets.forEach((packet, i) => {
    const bytes = kept[i] as Uint8Array;
    const microseconds = Math.round(packet.timestampMs * 1000);
    file.writeUInt32LE(Math.floor(microseconds / 1_000_000), at);
    file.writeUInt32LE(microseconds % 1_000_000, at + 4);
    file.writeUInt32LE(bytes.length, at + 8);
    file.writeUInt32LE(packet.length, at + 12);
    file.set(bytes, at + RECORD_HEADER);
    at += RECORD_HEADER + bytes.length;
  });
  return file;
}
