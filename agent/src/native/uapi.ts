/**
 * Constants of the kernel's AF_XDP and XDP uapi, taken from the current
 * kernel headers rather than Debian's: Debian 12's linux/if_xdp.h predates
 * XDP_USE_SG and TX metadata. Values are ABI and never change once released.
 */

/** include/linux/socket.h */
export const AF_XDP = 44;
export const SOL_XDP = 283;
export const SOCK_RAW = 3;
/** include/uapi/asm-generic/fcntl.h (O_CLOEXEC): an `ethtool` or `ip` the agent starts meanwhile inherits none of its sockets. */
export const SOCK_CLOEXEC = 0o2000000;
export const MSG_DONTWAIT = 0x40;

/** include/uapi/asm-generic/socket.h (x86_64): SO_RCVTIMEO takes a struct timeval of two longs; busy polling (SO_BUSY_POLL since 3.11; the other two since 5.11). */
export const SOL_SOCKET = 1;
export const SO_RCVTIMEO = 20;
export const SO_BUSY_POLL = 46;
export const SO_INCOMING_NAPI_ID = 56;
export const SO_PREFER_BUSY_POLL = 69;
export const SO_BUSY_POLL_BUDGET = 70;

/** include/uapi/linux/if_xdp.h: sxdp_flags for bind(). */
export const XDP_SHARED_UMEM = 1 << 0;
export const XDP_COPY = 1 << 1;
export const XDP_ZEROCOPY = 1 << 2;
export const XDP_USE_NEED_WAKEUP = 1 << 3;
export const XDP_USE_SG = 1 << 4;

/** include/uapi/linux/if_xdp.h: xdp_umem_reg.flags. */
export const XDP_UMEM_UNALIGNED_CHUNK_FLAG = 1 << 0;
export const XDP_UMEM_TX_SW_CSUM = 1 << 1;
export const XDP_UMEM_TX_METADATA_LEN = 1 << 2;

/** include/uapi/linux/if_xdp.h: setsockopt names at SOL_XDP that register a UMEM and size its rings. */
export const XDP_UMEM_REG = 4;
export const XDP_UMEM_FILL_RING = 5;
export const XDP_UMEM_COMPLETION_RING = 6;

/**
 * include/uapi/linux/if_xdp.h (Linux 6.8): a TX descriptor's option saying
 * struct xsk_tx_metadata sits in front of its data (its layout, which the
 * page decodes too, is in shared/src/tx-metadata.ts).
 */
export const XDP_TX_METADATA = 1 << 1;

/** include/uapi/linux/if_xdp.h: xdp_desc.options' multi-buffer bit, defined in shared/ where the page reads it too. */
export { XDP_PKT_CONTD } from '@ringside/shared';

/** include/uapi/linux/if_xdp.h: flags word of a ring. */
export const XDP_RING_NEED_WAKEUP = 1 << 0;

/** include/uapi/linux/if_xdp.h: getsockopt names at SOL_XDP. */
export const XDP_MMAP_OFFSETS = 1;
export const XDP_TX_RING = 3;
export const XDP_STATISTICS = 7;
export const XDP_OPTIONS = 8;
export const XDP_OPTIONS_ZEROCOPY = 1 << 0;
/**
 * include/uapi/linux/if_xdp.h as of Linux 6.17, which brought it: how many TX
 * descriptors one copy-mode sendto may consume (the kernel's TX_BATCH_SIZE, 32,
 * until set). Not in Debian's headers.
 */
export const XDP_MAX_TX_SKB_BUDGET = 9;

/** include/uapi/linux/if_xdp.h: the mmap offsets (bytes) that select a socket's ring. */
export const XDP_PGOFF_RX_RING = 0;
export const XDP_PGOFF_TX_RING = 0x8000_0000;
export const XDP_UMEM_PGOFF_FILL_RING = 0x1_0000_0000;
export const XDP_UMEM_PGOFF_COMPLETION_RING = 0x1_8000_0000;

/** include/uapi/linux/if_xdp.h: in unaligned mode the top 16 bits of an address carry an offset. */
export const XSK_UNALIGNED_BUF_OFFSET_SHIFT = 48;

/** include/uapi/linux/if_link.h: how an XDP program is attached. */
export const XDP_FLAGS_UPDATE_IF_NOEXIST = 1 << 0;
export const XDP_FLAGS_SKB_MODE = 1 << 1;
export const XDP_FLAGS_DRV_MODE = 1 << 2;
export const XDP_FLAGS_HW_MODE = 1 << 3;

/** xdp/xsk.h of libxdp: keep libxdp from loading its own XDP program. */
export const XSK_LIBXDP_FLAGS_INHIBIT_PROG_LOAD = 1 << 0;

/** include/uapi/linux/sched.h */
export const CLONE_NEWNET = 0x4000_0000;

/** include/uapi/asm-generic/poll.h */
export const POLLIN = 0x001;
export const POLLOUT = 0x004;

/** include/uapi/asm-generic/mman-common.h and mman.h (x86_64) */
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_ANONYMOUS = 0x20;
export const MAP_POPULATE = 0x8000;

/** include/uapi/linux/time.h: International Atomic Time, the clock launch_time and copy mode's completion stamps use. */
export const CLOCK_TAI = 11;
