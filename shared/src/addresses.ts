/**
 * How the kernel reads a UMEM address. In aligned mode it masks the low
 * log2(chunk size) bits, so 2048, 2050 and 3000 all name the chunk at 2048
 * (2K chunks). In unaligned mode it takes the address as given, with an
 * offset carried in the top 16 bits (XSK_UNALIGNED_BUF_OFFSET_SHIFT = 48).
 */
export interface AddressMeaning {
  /** The chunk (frame) index the address falls in. */
  chunk: number;
  /** Start of that chunk in the UMEM. */
  chunkStart: number;
  /** Where the kernel reads or writes: chunk start in aligned mode, the address itself in unaligned mode. */
  effective: number;
  /** How far past the chunk start the address points. */
  offset: number;
  /** Aligned mode: the low bits the kernel masks off (0 when the address is chunk-aligned). */
  maskedBits: number;
}

/** The chunk (frame) an address falls in. Ringside lays frames out at chunk-size strides in both modes. */
export function chunkOf(address: number, chunkSize: number): number {
  return Math.floor(address / chunkSize);
}

export function describeAddress(address: number, chunkSize: number, unaligned: boolean): AddressMeaning {
  const chunk = chunkOf(address, chunkSize);
  const chunkStart = chunk * chunkSize;
  const offset = address - chunkStart;
  return {
    chunk,
    chunkStart,
    effective: unaligned ? address : chunkStart,
    offset,
    maskedBits: unaligned ? 0 : offset,
  };
}
