import { describe, expect, it } from 'vitest';
import { onesComplementSum } from './checksum.ts';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('onesComplementSum', () => {
  it('sums the example of RFC 1071 section 3 to 0xddf2', () => {
    expect(onesComplementSum(bytes(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7), 0, 8)).toBe(0xddf2);
  });

  it('folds the carry back into the low bits', () => {
    expect(onesComplementSum(bytes(0xff, 0xff, 0x00, 0x01), 0, 4)).toBe(0x0001);
    expect(onesComplementSum(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 0, 6)).toBe(0xffff);
  });

  it('pads an odd last byte with a zero', () => {
    expect(onesComplementSum(bytes(0x12, 0x34, 0x56), 0, 3)).toBe(0x1234 + 0x5600);
  });

  it('sums only the bytes asked for, onto the sum carried in', () => {
    const data = bytes(0xaa, 0x01, 0x02, 0x03, 0x04, 0xbb);
    expect(onesComplementSum(data, 1, 4)).toBe(0x0102 + 0x0304);
    expect(onesComplementSum(data, 3, 2, onesComplementSum(data, 1, 2))).toBe(0x0102 + 0x0304);
    expect(onesComplementSum(data, 0, 0, 0x1234)).toBe(0x1234);
  });

  it('gives 0xffff over an IPv4 header whose checksum is right, and the checksum as the complement without it', () => {
    // A header from a capture: 192.168.0.1 → 192.168.0.199, UDP, checksum 0xb861 at bytes 10 and 11.
    const header = bytes(
      0x45,
      0x00,
      0x00,
      0x73,
      0x00,
      0x00,
      0x40,
      0x00,
      0x40,
      0x11,
      0xb8,
      0x61,
      0xc0,
      0xa8,
      0x00,
      0x01,
      0xc0,
      0xa8,
      0x00,
      0xc7,
    );
    expect(onesComplementSum(header, 0, 20)).toBe(0xffff);
    const withoutChecksum = onesComplementSum(header, 12, 8, onesComplementSum(header, 0, 10));
    expect(~withoutChecksum & 0xffff).toBe(0xb861);
  });
});
