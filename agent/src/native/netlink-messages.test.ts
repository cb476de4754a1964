import { describe, expect, it } from 'vitest';
import {
  absorbDatagram,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_CMD_GETFAMILY,
  encodeAttribute,
  encodeGenlRequest,
  familyIdOf,
  GENL_ID_CTRL,
  NETDEV_A_DEV_IFINDEX,
  NETDEV_CMD_DEV_GET,
  NLM_F_ACK,
  NLM_F_MULTI,
  NLMSG_DONE,
  NLMSG_ERROR,
  netdevDeviceOf,
  netdevQueueOf,
  parseAttributes,
  type ReplyProgress,
  splitMessages,
  stringAttribute,
  u32Attribute,
} from './netlink-messages.ts';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/**
 * A message as the kernel lays it out, written field by field here rather than
 * with the encoder under test: nlmsghdr, payload, padding to 4 bytes.
 */
function kernelMessage(type: number, flags: number, seq: number, payload: Buffer): Buffer {
  const length = 16 + payload.length;
  const message = Buffer.alloc((length + 3) & ~3);
  message.writeUInt32LE(length, 0);
  message.writeUInt16LE(type, 4);
  message.writeUInt16LE(flags, 6);
  message.writeUInt32LE(seq, 8);
  message.writeUInt32LE(4242, 12);
  payload.copy(message, 16);
  return message;
}

const ack = (seq: number, errno = 0) => {
  const payload = Buffer.alloc(4 + 16);
  payload.writeInt32LE(-errno, 0);
  return kernelMessage(NLMSG_ERROR, 0, seq, payload);
};

const start: ReplyProgress = { replies: [], finished: false, errno: 0 };

describe('netlink attributes', () => {
  it('pad to 4 bytes while nla_len counts only header and payload', () => {
    // "netdev\0" is 7 bytes: nla_len 11, one byte of padding.
    const attribute = stringAttribute(CTRL_ATTR_FAMILY_NAME, 'netdev');
    expect(attribute).toEqual(hex('0b00 0200 6e65746465760000'));
    expect(encodeAttribute(9, Buffer.alloc(0))).toEqual(hex('0400 0900'));
    expect(encodeAttribute(9, hex('01'))).toEqual(hex('0500 0900 01000000'));
    expect(u32Attribute(NETDEV_A_DEV_IFINDEX, 7)).toEqual(hex('0800 0100 07000000'));
  });

  it('parse past padding, and without the nested and byte-order flag bits', () => {
    const bytes = hex('0500 0300 aa000000' + '0600 0480 bbcc0000' + '0800 0540 01020304');
    const attributes = parseAttributes(bytes);
    expect([...attributes.keys()]).toEqual([3, 4, 5]);
    expect(attributes.get(3)).toEqual(hex('aa'));
    expect(attributes.get(4)).toEqual(hex('bbcc'));
    expect(attributes.get(5)).toEqual(hex('01020304'));
  });

  it('refuse an attribute longer than what holds it', () => {
    expect(() => parseAttributes(hex('0c00 0100 00000000'))).toThrow(/malformed netlink attribute/);
  });
});

describe('generic netlink requests', () => {
  it('CTRL_CMD_GETFAMILY "netdev": nlmsghdr, genlmsghdr, one padded attribute', () => {
    const request = encodeGenlRequest({
      familyId: GENL_ID_CTRL,
      command: CTRL_CMD_GETFAMILY,
      version: 1,
      seq: 5,
      flags: NLM_F_ACK,
      attributes: [stringAttribute(CTRL_ATTR_FAMILY_NAME, 'netdev')],
    });
    expect(request).toEqual(
      hex(
        '20000000 1000 0500 05000000 00000000' + // len 32, GENL_ID_CTRL, REQUEST|ACK, seq 5, port 0
          '03 01 0000' + // CTRL_CMD_GETFAMILY, version 1
          '0b00 0200 6e65746465760000',
      ),
    );
  });

  it('NETDEV_CMD_DEV_GET carries the ifindex as a u32', () => {
    const request = encodeGenlRequest({
      familyId: 0x1c,
      command: NETDEV_CMD_DEV_GET,
      version: 1,
      seq: 6,
      attributes: [u32Attribute(NETDEV_A_DEV_IFINDEX, 2)],
    });
    expect(request).toEqual(hex('1c000000 1c00 0100 06000000 00000000' + '01 01 0000' + '0800 0100 02000000'));
  });
});

describe('netlink replies', () => {
  it('split a datagram into messages, skipping the padding after an odd length', () => {
    const first = kernelMessage(0x1c, 0, 9, hex('01 01 0000' + '0500 0700 ff000000'));
    const odd = kernelMessage(0x1c, 0, 9, hex('01 01 0000 ee'));
    const messages = splitMessages(Buffer.concat([first, odd, ack(9)]));
    expect(messages.map((message) => message.type)).toEqual([0x1c, 0x1c, NLMSG_ERROR]);
    expect(messages[1]?.payload).toEqual(hex('01 01 0000 ee'));
    expect(messages[0]?.pid).toBe(4242);
  });

  it('refuse a message that claims more bytes than the datagram has', () => {
    const cut = kernelMessage(0x1c, 0, 1, Buffer.alloc(40)).subarray(0, 30);
    expect(() => splitMessages(cut)).toThrow(/malformed netlink message/);
  });

  it('gather a multi-part reply across datagrams up to NLMSG_DONE, ignoring stale answers', () => {
    const part = (ifindex: number, seq = 3) =>
      kernelMessage(0x1c, NLM_F_MULTI, seq, hex(`01 01 0000 0800 0100 0${ifindex}000000`));
    let progress = absorbDatagram(start, splitMessages(Buffer.concat([part(1, 2), part(1), part(2)])), 3);
    expect(progress.finished).toBe(false);
    expect(progress.replies).toHaveLength(2);
    progress = absorbDatagram(
      progress,
      splitMessages(Buffer.concat([part(3), kernelMessage(NLMSG_DONE, NLM_F_MULTI, 3, hex('00000000'))])),
      3,
    );
    expect(progress.finished).toBe(true);
    expect(progress.errno).toBe(0);
    expect(progress.replies.map((reply) => reply.payload.readUInt32LE(8))).toEqual([1, 2, 3]);
  });

  it('end at the ACK, and carry the errno of an NLMSG_ERROR', () => {
    const done = absorbDatagram(
      start,
      splitMessages(Buffer.concat([kernelMessage(0x1c, 0, 4, hex('01010000')), ack(4)])),
      4,
    );
    expect(done).toMatchObject({ finished: true, errno: 0 });
    expect(done.replies).toHaveLength(1);
    expect(absorbDatagram(start, splitMessages(ack(4, 19)), 4)).toEqual({ replies: [], finished: true, errno: 19 });
    expect(absorbDatagram(start, splitMessages(ack(3, 19)), 4)).toEqual(start);
  });

  it('read the family id from a CTRL_CMD_GETFAMILY reply', () => {
    const reply = kernelMessage(
      GENL_ID_CTRL,
      0,
      1,
      hex('01 02 0000' + '0b00 0200 6e65746465760000' + '0600 0100 1c000000' + '0800 0300 01000000'),
    );
    expect(familyIdOf(splitMessages(reply))).toBe(0x1c);
    expect(familyIdOf([])).toBeNull();
  });

  it('decode a NETDEV_CMD_DEV_GET reply, with the PAD attribute the kernel may put before the u64', () => {
    const reply = kernelMessage(
      0x1c,
      0,
      1,
      hex(
        '01 01 0000' +
          '0800 0100 02000000' + // ifindex 2
          '0400 0200' + // NETDEV_A_DEV_PAD
          '0c00 0300 2b00000000000000' + // BASIC | REDIRECT | XSK_ZEROCOPY | RX_SG
          '0800 0400 11000000' + // zero-copy segments 17
          '0c00 0600 0600000000000000' + // xsk-features: TX_CHECKSUM | TX_LAUNCH_TIME_FIFO
          '0c00 0500 0500000000000000', // xdp-rx-metadata-features: TIMESTAMP | VLAN_TAG
      ),
    );
    const [message] = splitMessages(reply);
    expect(message && netdevDeviceOf(message)?.rxMetadata).toEqual({ timestamp: true, hash: false, vlanTag: true });
    expect(message && netdevDeviceOf(message)?.xdp).toEqual({
      basic: true,
      redirect: true,
      ndoXmit: false,
      xskZeroCopy: true,
      hwOffload: false,
      rxSg: true,
      ndoXmitSg: false,
      zeroCopyMaxSegments: 17,
      xsk: { txTimestamp: false, txChecksum: true, txLaunchTime: true },
    });
  });

  it('know a features reply without the zero-copy limit (Linux 6.3 to 6.5) as one segment, and without RX metadata (before 6.7)', () => {
    const [message] = splitMessages(kernelMessage(0x1c, 0, 1, hex('01 01 0000 0c00 0300 4400000000000000')));
    expect(message && netdevDeviceOf(message)?.rxMetadata).toBeNull();
    expect(message && netdevDeviceOf(message)?.xdp).toMatchObject({
      ndoXmit: true,
      ndoXmitSg: true,
      zeroCopyMaxSegments: 1,
      // Nor xsk-features, which came in 6.8.
      xsk: null,
    });
    const [bare] = splitMessages(kernelMessage(0x1c, 0, 1, hex('01 01 0000 0800 0100 02000000')));
    expect(bare && netdevDeviceOf(bare)).toBeNull();
  });

  it('decode NETDEV_CMD_QUEUE_GET replies: an XSK is an empty nest on its queue', () => {
    const queue = (body: string) => splitMessages(kernelMessage(0x1c, 2, 1, hex(`0a 01 0000 ${body}`)))[0];
    const rx1 = queue('0800 0100 01000000 0800 0200 05000000 0800 0300 00000000 0400 0780'); // id 1, ifindex 5, rx, xsk
    const tx0 = queue('0800 0100 00000000 0800 0200 05000000 0800 0300 01000000'); // id 0, tx, no xsk
    expect(rx1 && netdevQueueOf(rx1)).toEqual({ id: 1, type: 'rx', xsk: true });
    expect(tx0 && netdevQueueOf(tx0)).toEqual({ id: 0, type: 'tx', xsk: false });
    const typeless = queue('0800 0100 00000000');
    expect(typeless && netdevQueueOf(typeless)).toBeNull();
  });
});
