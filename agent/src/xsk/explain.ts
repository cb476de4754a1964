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
