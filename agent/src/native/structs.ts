import koffi from 'koffi';

/**
 * C structs of libxdp's xdp/xsk.h, declared for koffi. Their sizes and offsets
 * are checked against the C headers by structs.test.ts.
 */

/*
 * #define DEFINE_XSK_RING(name) struct name {
 *   __u32 cached_prod; __u32 cached_cons; __u32 mask; __u32 size;
 *   __u32 *producer; __u32 *consumer; void *ring; __u32 *flags; }
 * The pointers are kept as numbers: they cross to worker threads as plain values.
 */
export const XskRing = koffi.struct('xsk_ring', {
  cached_prod: 'uint32_t',
  cached_cons: 'uint32_t',
  mask: 'uint32_t',
  size: 'uint32_t',
  producer: 'uintptr_t',
  consumer: 'uintptr_t',
  ring: 'uintptr_t',
  flags: 'uintptr_t',
});

export interface XskRingFields {
  cached_prod: number;
  cached_cons: number;
  mask: number;
  size: number;
  producer: number | bigint;
  consumer: number | bigint;
  ring: number | bigint;
  flags: number | bigint;
}

/* struct xsk_umem_config { __u32 fill_size, comp_size, frame_size, frame_headroom, flags; }; */
export const XskUmemConfig = koffi.struct('xsk_umem_config', {
  fill_size: 'uint32_t',
  comp_size: 'uint32_t',
  frame_size: 'uint32_t',
  frame_headroom: 'uint32_t',
  flags: 'uint32_t',
});

/*
 * struct xsk_socket_config { __u32 rx_size; __u32 tx_size;
 *   union { __u32 libbpf_flags; __u32 libxdp_flags; }; __u32 xdp_flags; __u16 bind_flags; };
 */
export const XskSocketConfig = koffi.struct('xsk_socket_config', {
  rx_size: 'uint32_t',
  tx_size: 'uint32_t',
  libxdp_flags: 'uint32_t',
  xdp_flags: 'uint32_t',
  bind_flags: 'uint16_t',
});

/* struct xdp_desc { __u64 addr; __u32 len; __u32 options; }; (linux/if_xdp.h) */
export const XDP_DESC_SIZE = 16;
/* FILL and COMPLETION entries are bare __u64 addresses. */
export const XDP_ADDR_SIZE = 8;

export const XskUmem = koffi.opaque('xsk_umem');
export const XskSocket = koffi.opaque('xsk_socket');

export function sizeAndOffsets(type: Parameters<typeof koffi.sizeof>[0], fields: readonly string[]) {
  return {
    size: koffi.sizeof(type),
    offsets: Object.fromEntries(fields.map((field) => [field, koffi.offsetof(type, field)])),
  };
}
