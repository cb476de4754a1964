/**
 * What a kernel or libxdp refusal means for the configuration that caused it,
 * and what to change. Keyed on the errno name; `context` holds the knobs.
 */
export interface SocketContext {
  ifname: string;
  queueId: number;
  zeroCopy: boolean;
  xdpMode: 'skb' | 'drv';
}

export function explainUmemError(code: string): string | undefined {
  switch (code) {
    case 'EINVAL':
      return 'the kernel refused the UMEM layout: chunk size must be a power of two from 2048 to the page size (or any size from 2048 in unaligned mode), headroom must leave room for a frame, and FILL/COMPLETION sizes must be powers of two';
    case 'ENOMEM':
    case 'ENOBUFS':
      return 'not enough lockable memory for the UMEM and its rings: use fewer frames or smaller rings';
    case 'EPERM':
      return 'registering a UMEM needs CAP_IPC_LOCK (or a high enough RLIMIT_MEMLOCK): run the agent as root';
    default:
      return undefined;
  }
}

/** The kernel's refusal of an int socket option (SO_BUSY_POLL, XDP_MAX_TX_SKB_BUDGET...), said two ways. */
export interface OptionRefusal {
  /** What the refusal says of this kernel, beside the errno in the features probed at start. */
  meaning: string;
  /** What a socket that asked for the option should change. */
  hint: string;
}

export function explainOptionError(code: string, option: string): OptionRefusal {
  const refusedValue = `the kernel refused this value of ${option}: see the bounds probed at start`;
  switch (code) {
    case 'ENOPROTOOPT':
      return {
        meaning: 'the kernel does not know the option',
        hint: `this kernel does not know ${option}: leave it off`,
      };
    case 'EPERM':
      return {
        meaning: 'setting it needs CAP_NET_ADMIN',
        hint: `${option} needs CAP_NET_ADMIN: run the agent as root`,
      };
    case 'EACCES':
    case 'EINVAL':
      return { meaning: 'the kernel refused the value', hint: refusedValue };
    default:
      return { meaning: 'refused', hint: refusedValue };
  }
}

export function explainSocketError(code: string, context: SocketContext): string | undefined {
  switch (code) {
    case 'ENODEV':
    case 'ENXIO':
      return `interface ${context.ifname} does not exist in this network namespace: check the name with 'ip link'`;
    case 'EINVAL':
      return `queue ${context.queueId} does not exist on ${context.ifname}, or a ring size is not a power of two: see the queue count with 'ethtool -l ${context.ifname}'`;
    case 'EBUSY':
      return `queue ${context.queueId} of ${context.ifname} already has an AF_XDP socket with its own UMEM: destroy it, or share its UMEM`;
    case 'EOPNOTSUPP':
      return context.zeroCopy
        ? `the driver of ${context.ifname} does not support zero-copy AF_XDP: use copy mode`
        : `${context.ifname} refused ${context.xdpMode === 'drv' ? 'native (DRV)' : 'generic (SKB)'} XDP: try the other XDP mode`;
    case 'EPERM':
      return 'creating XDP sockets and loading XDP programs needs CAP_NET_ADMIN and CAP_BPF: run the agent as root';
    case 'ERANGE':
      // veth_xdp_set: a program that is not frags-aware only runs while a frame fits one page's buffer.
      return `the MTU of ${context.ifname} (or of its veth peer) is above what one buffer holds, and the XDP program libxdp loads is not frags-aware: lower the MTU, or use Ringside's programs, which load their multi-buffer (xdp.frags) variant there`;
    case 'EEXIST':
      return `another XDP program is already attached to ${context.ifname}: detach it ('ip link set dev ${context.ifname} xdp off') or let Ringside share it`;
    default:
      return undefined;
  }
}
