import koffi from 'koffi';
import { errnoName } from './errors.ts';
import { mapAnonymous, rawSyscalls, unmap, withThrowawayXdpSocket } from './libc.ts';
import {
  SOL_XDP,
  XDP_UMEM_REG,
  XDP_UMEM_TX_METADATA_LEN,
  XDP_UMEM_TX_SW_CSUM,
  XDP_UMEM_UNALIGNED_CHUNK_FLAG,
} from './uapi.ts';

/**
 * Raw XDP_UMEM_REG trials: asks the kernel itself whether it accepts a UMEM
 * geometry, without libxdp (whose own checks would answer first) and without
 * any interface. A registration that passes here can still be refused at
 * bind time by a driver; this is only the kernel's generic rule.
 */

const { setsockopt, getpagesize } = rawSyscalls;

/*
 * struct xdp_umem_reg { __u64 addr; __u64 len; __u32 chunk_size; __u32 headroom;
 *   __u32 flags; __u32 tx_metadata_len; };
 * Older kernels take the 24- or 32-byte forms without the last field; all read 0 there as "none".
 */
const XDP_UMEM_REG_SIZE = 32;

/** What XDP_UMEM_REG says of a UMEM besides where its memory is. */
export interface UmemLayout {
  chunkSize: number;
  headroom: number;
  unaligned: boolean;
  /** tx_metadata_len, registered with XDP_UMEM_TX_METADATA_LEN; absent: no TX metadata. */
  txMetadataLength?: number;
  /** XDP_UMEM_TX_SW_CSUM. */
  swChecksum?: boolean;
}

export interface UmemTrial extends UmemLayout {
  /** The registered length is frames × chunkSize. */
  frames: number;
}

export type UmemTrialResult = { ok: true } | { ok: false; code: string };

/** struct xdp_umem_reg in its 32-byte form, for the memory at `address`. */
export function encodeUmemRegistration(address: number, length: number, layout: UmemLayout): Buffer {
  const flags =
    (layout.unaligned ? XDP_UMEM_UNALIGNED_CHUNK_FLAG : 0) |
    (layout.swChecksum ? XDP_UMEM_TX_SW_CSUM : 0) |
    // The kernel reads tx_metadata_len only with this flag: callers built against older headers leave garbage there.
    (layout.txMetadataLength === undefined ? 0 : XDP_UMEM_TX_METADATA_LEN);
  const reg = Buffer.alloc(XDP_UMEM_REG_SIZE);
  reg.writeBigUInt64LE(BigInt(address), 0);
  reg.writeBigUInt64LE(BigInt(length), 8);
  reg.writeUInt32LE(layout.chunkSize, 16);
  reg.writeUInt32LE(layout.headroom, 20);
  reg.writeUInt32LE(flags, 24);
  reg.writeUInt32LE(layout.txMetadataLength ?? 0, 28);
  return reg;
}

export function pageSize(): number {
  return getpagesize();
}

/** Registers a UMEM of this geometry on a fresh AF_XDP socket, then releases both. Returns the errno name of a refusal. */
export function tryUmemRegistration(trial: UmemTrial): UmemTrialResult {
  const length = trial.frames * trial.chunkSize;
  const address = mapAnonymous(length);
  try {
    return withThrowawayXdpSocket((fd): UmemTrialResult => {
      const reg = encodeUmemRegistration(address, length, trial);
      if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, reg, reg.length) === 0) return { ok: true };
      return { ok: false, code: errnoName(koffi.errno()) };
    });
  } finally {
    unmap(address, length);
  }
}
