import { onesComplementSum, readTxMetadata, TXONLY_CHECKSUM_REQUEST } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { ETHERNET_HEADER, IPV4_HEADER, writeUdpFrame } from './frames.ts';
import { requestUdpChecksum, UDP_CHECKSUM_OFFSET, UDP_HEADER_START, udpPseudoHeaderSum } from './txonly-metadata.ts';

const SPEC = {
  destinationMac: [2, 0, 0, 0, 0, 0xd],
  sourceMac: [2, 0, 0, 0, 0, 0x5],
  sourceIp: [198, 18, 0, 1],
  destinationIp: [198, 18, 0, 2],
  sourcePort: 9000,
  destinationPort: 4242,
  length: 101,
};

/** What skb_checksum_help does with a CHECKSUM_PARTIAL frame: sums from csum_start to the end, stores the complement. */
function fillChecksumAsTheKernelDoes(bytes: Uint8Array, data: number, length: number): void {
  const start = data + UDP_HEADER_START;
  const folded = ~onesComplementSum(bytes, start, data + length - start) & 0xffff;
  new DataView(bytes.buffer).setUint16(start + UDP_CHECKSUM_OFFSET, folded === 0 ? 0xffff : folded);
}

describe('the UDP checksum request in TX metadata', () => {
  it('sums the pseudo-header: both addresses, the protocol and the UDP length', () => {
    const bytes = new Uint8Array(256);
    writeUdpFrame(bytes, 16, SPEC);
    // 198.18 + 0.1 + 198.18 + 0.2 + 17 + (101 − 14 − 20), by hand.
    const sum = 0xc612 + 0x0001 + 0xc612 + 0x0002 + 17 + 67;
    expect(udpPseudoHeaderSum(bytes, 16)).toBe((sum & 0xffff) + (sum >>> 16));
  });

  it('writes struct xsk_tx_metadata in host order in front of the data, and a checksum that the kernel completes to a valid one', () => {
    const bytes = new Uint8Array(512);
    const view = new DataView(bytes.buffer);
    writeUdpFrame(bytes, 24, SPEC);
    bytes.fill(0xee, 0, 24);
    requestUdpChecksum(view, 8, 24);
    expect(view.getBigUint64(8, true)).toBe(2n); // XDP_TXMD_FLAGS_CHECKSUM
    expect([view.getUint16(16, true), view.getUint16(18, true)]).toEqual([34, 6]);
    // The request's padding is cleared too: a completion stamp written there is told from it (txonly-stamps.ts).
    expect([...bytes.subarray(20, 24)]).toEqual([0, 0, 0, 0]);
    fillChecksumAsTheKernelDoes(bytes, 24, SPEC.length);
    const udp = 24 + UDP_HEADER_START;
    // RFC 768: over a correct datagram and its pseudo-header the sum is 0xffff.
    const pseudo = 0xc612 + 0x0001 + 0xc612 + 0x0002 + 17 + (SPEC.length - UDP_HEADER_START);
    expect(onesComplementSum(bytes, udp, SPEC.length - UDP_HEADER_START, pseudo)).toBe(0xffff);
  });

  it("asks for the checksum where the lab's frames put it: the request shared gives the page is the one written", () => {
    expect(UDP_HEADER_START).toBe(ETHERNET_HEADER + IPV4_HEADER);
    const bytes = new Uint8Array(256);
    writeUdpFrame(bytes, 16, SPEC);
    // UDP's length field, 4 bytes into its header, holds the datagram's length: the header starts there.
    expect(new DataView(bytes.buffer).getUint16(16 + UDP_HEADER_START + 4)).toBe(SPEC.length - UDP_HEADER_START);
  });

  it('is what the page reads back in front of the frame: the checksum asked for at the UDP checksum field', () => {
    const bytes = new Uint8Array(512);
    writeUdpFrame(bytes, 24, SPEC);
    requestUdpChecksum(new DataView(bytes.buffer), 8, 24);
    expect(readTxMetadata(bytes, 24, 16, TXONLY_CHECKSUM_REQUEST)).toEqual({
      at: 8,
      length: 16,
      flags: ['checksum'],
      unknownFlags: 0,
      checksum: { start: 34, offset: 6, field: 24 + 34 + 6 },
      launchTime: null,
      txTimestamp: null,
      stamped: null,
    });
  });
});
