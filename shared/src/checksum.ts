/**
 * The Internet checksum's arithmetic (RFC 1071), shared by the data plane,
 * which writes IPv4 headers, and the page, which checks every checksum a
 * frame carries.
 */

/**
 * The 16-bit one's complement sum of `length` bytes from `at`, big-endian
 * words, added to `initial` (a sum carried over, such as a pseudo-header's).
 * An odd last byte counts as if followed by a zero. A checksum is the
 * complement of this sum over its bytes with the checksum field at zero; over
 * bytes that hold a correct checksum the sum is 0xffff.
 */
export function onesComplementSum(bytes: Uint8Array, at: number, length: number, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < length; i += 2) sum += ((bytes[at + i] as number) << 8) | (bytes[at + i + 1] as number);
  if (length % 2 === 1) sum += (bytes[at + length - 1] as number) << 8;
  // The end-around carry: what overflows bit 15 is added back at bit 0.
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}
