import { describe, expect, it } from 'vitest';
import { absorbDatagram, NLMSG_DONE, type ReplyProgress, splitMessages } from './netlink-messages.ts';
import {
  encodeXskDiagDump,
  parseXskDiagMessage,
  SOCK_DIAG_BY_FAMILY,
  XDP_DIAG_INFO,
  XDP_DIAG_MEMINFO,
  XDP_DIAG_RX_RING,
  XDP_DIAG_STATS,
  XDP_DIAG_TX_RING,
  XDP_DIAG_UID,
  XDP_DIAG_UMEM,
  XDP_DIAG_UMEM_COMPLETION_RING,
  XDP_DIAG_UMEM_FILL_RING,
} from './sock-diag-messages.ts';

/**
 * Replies laid out as net/xdp/xsk_diag.c emits them, written field by field
 * from include/uapi/linux/xdp_diag.h rather than with anything under test:
 * nlmsghdr, xdp_diag_msg, then nla_put attributes padded to 4 bytes.
 */
function attribute(type: number, fields: [bits: 8 | 32 | 64, value: number][]): Buffer {
  const length = 4 + fields.reduce((sum, [bits]) => sum + bits / 8, 0);
  const bytes = Buffer.alloc((length + 3) & ~3);
  bytes.writeUInt16LE(length, 0);
  bytes.writeUInt16LE(type, 2);
  let offset = 4;
  for (const [bits, value] of fields) {
    if (bits === 8) bytes.writeUInt8(value, offset);
    if (bits === 32) bytes.writeUInt32LE(value, offset);
    if (bits === 64) bytes.writeBigUInt64LE(BigInt(value), offset);
    offset += bits / 8;
  }
  return bytes;
}

function xdpDiagReply(seq: number, inode: number, attributes: Buffer[]): Buffer {
  const header = Buffer.alloc(16 + 16);
  const message = Buffer.concat([header, ...attributes]);
  message.writeUInt32LE(message.length, 0);
  message.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
  message.writeUInt16LE(0x2 /* NLM_F_MULTI */, 6);
  message.writeUInt32LE(seq, 8);
  message.writeUInt8(44 /* AF_XDP */, 16);
  message.writeUInt8(3 /* SOCK_RAW */, 17);
  message.writeUInt32LE(inode, 20);
  message.writeUInt32LE(0xdead_beef, 24);
  message.writeUInt32LE(0x1, 28);
  return message;
}

function done(seq: number): Buffer {
  const message = Buffer.alloc(20);
  message.writeUInt32LE(20, 0);
  message.writeUInt16LE(NLMSG_DONE, 4);
  message.writeUInt16LE(0x2, 6);
  message.writeUInt32LE(seq, 8);
  return message;
}

const u32 = (value: number): [32, number] => [32, value];
const u64 = (value: number): [64, number] => [64, value];

/** A bound rxdrop socket: RX 2048, no TX, FILL 4096, COMPLETION 2048, a 4096-frame UMEM of 2 KiB chunks. */
const boundSocket = [
  attribute(XDP_DIAG_INFO, [u32(7), u32(1)]),
  attribute(XDP_DIAG_UID, [u32(0)]),
  attribute(XDP_DIAG_RX_RING, [u32(2048)]),
  attribute(XDP_DIAG_UMEM, [u64(8 << 20), u32(3), u32(2048), u32(2048), u32(256), u32(7), u32(1), u32(0), u32(2)]),
  attribute(XDP_DIAG_UMEM_FILL_RING, [u32(4096)]),
  attribute(XDP_DIAG_UMEM_COMPLETION_RING, [u32(2048)]),
  attribute(XDP_DIAG_MEMINFO, [u32(0), u32(212992), u32(0), u32(212992), u32(0), u32(0), u32(0), u32(0), u32(5)]),
  attribute(XDP_DIAG_STATS, [u64(10), u64(1), u64(20), u64(30), u64(2), u64(40)]),
];

describe('the xsk_diag dump', () => {
  it('asks for every XSK of the namespace with its interface, queue, rings and UMEM', () => {
    const request = encodeXskDiagDump(9);
    expect(request.length).toBe(16 + 24);
    expect(request.readUInt32LE(0)).toBe(40);
    expect(request.readUInt16LE(4)).toBe(20);
    // NLM_F_REQUEST | NLM_F_DUMP
    expect(request.readUInt16LE(6)).toBe(0x301);
    expect(request.readUInt32LE(8)).toBe(9);
    expect(request.readUInt8(16)).toBe(44);
    // xdiag_ino 0: no one socket; xdiag_show: INFO | RING_CFG | UMEM.
    expect(request.readUInt32LE(20)).toBe(0);
    expect(request.readUInt32LE(24)).toBe(0x7);
  });

  it('reads a bound socket: interface, queue, rings and UMEM, passing over attributes it did not ask for', () => {
    const [message] = splitMessages(xdpDiagReply(1, 123456, boundSocket));
    if (!message) throw new Error('one message');
    expect(parseXskDiagMessage(message)).toEqual({
      inode: 123456,
      ifindex: 7,
      queueId: 1,
      rings: { rx: 2048, tx: null, fill: 4096, completion: 2048 },
      umem: {
        id: 3,
        size: 8 << 20,
        pages: 2048,
        chunkSize: 2048,
        headroom: 256,
        ifindex: 7,
        queueId: 1,
        zeroCopy: false,
        refs: 2,
      },
    });
  });

  it('reads an unbound socket as having no interface, queue or UMEM', () => {
    const [message] = splitMessages(
      xdpDiagReply(1, 77, [attribute(XDP_DIAG_INFO, [u32(0), u32(0)]), attribute(XDP_DIAG_TX_RING, [u32(64)])]),
    );
    if (!message) throw new Error('one message');
    const socket = parseXskDiagMessage(message);
    expect(socket).toMatchObject({ inode: 77, ifindex: null, queueId: null, umem: null });
    expect(socket?.rings).toEqual({ rx: null, tx: 64, fill: null, completion: null });
  });

  it('reads the zero-copy flag of a UMEM', () => {
    const zeroCopy = attribute(XDP_DIAG_UMEM, [
      u64(4096),
      u32(1),
      u32(1),
      u32(4096),
      u32(0),
      u32(2),
      u32(0),
      u32(1),
      u32(1),
    ]);
    const [message] = splitMessages(xdpDiagReply(1, 5, [zeroCopy]));
    if (!message) throw new Error('one message');
    expect(parseXskDiagMessage(message)?.umem?.zeroCopy).toBe(true);
  });

  it('gathers a multi-part dump up to NLMSG_DONE, socket by socket', () => {
    const datagram = Buffer.concat([xdpDiagReply(4, 1, boundSocket), xdpDiagReply(4, 2, boundSocket), done(4)]);
    const start: ReplyProgress = { replies: [], finished: false, errno: 0 };
    const progress = absorbDatagram(start, splitMessages(datagram), 4);
    expect(progress.finished).toBe(true);
    expect(progress.replies.map((reply) => parseXskDiagMessage(reply)?.inode)).toEqual([1, 2]);
  });

  it('ignores a reply of another family', () => {
    const reply = xdpDiagReply(1, 9, boundSocket);
    reply.writeUInt8(17 /* AF_PACKET */, 16);
    const [message] = splitMessages(reply);
    if (!message) throw new Error('one message');
    expect(parseXskDiagMessage(message)).toBeNull();
  });
});
