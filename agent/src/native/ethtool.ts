import koffi from 'koffi';
import { NativeError } from './errors.ts';
import { rawSyscalls } from './libc.ts';
import { SOCK_CLOEXEC } from './uapi.ts';

/**
 * What `ethtool -S` and `ip link` read of an interface, through the same
 * ioctls: the driver's own statistics (names and values), the link flags and the MTU.
 * The socket and the interface name are per network namespace: call these
 * inside `inNetworkNamespace` for a lab interface.
 */

const { ioctl } = rawSyscalls;

const AF_INET = 2;
const SOCK_DGRAM = 2;
// include/uapi/linux/sockios.h
const SIOCGIFFLAGS = 0x8913;
const SIOCGIFMTU = 0x8921;
const SIOCETHTOOL = 0x8946;
// include/uapi/linux/if.h
const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
// include/uapi/linux/ethtool.h
const ETHTOOL_GSTRINGS = 0x1b;
const ETHTOOL_GSTATS = 0x1d;
const ETHTOOL_GSSET_INFO = 0x37;
const ETH_SS_STATS = 1;
const ETH_GSTRING_LEN = 32;

// struct ifreq { char ifr_name[IFNAMSIZ]; union { short ifr_flags; void *ifr_data; ... } }: 40 bytes on LP64.
const IFREQ_SIZE = 40;
const IFNAMSIZ = 16;
const IFR_UNION = 16;

function fail(operation: string, hint?: string): never {
  throw new NativeError(operation, koffi.errno(), hint);
}

function ifreq(ifname: string): Buffer {
  const request = Buffer.alloc(IFREQ_SIZE);
  request.write(ifname, 0, IFNAMSIZ - 1, 'ascii');
  return request;
}

function withSocket<T>(work: (fd: number) => T): T {
  const fd = rawSyscalls.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail('socket(AF_INET, SOCK_DGRAM)');
  try {
    return work(fd);
  } finally {
    rawSyscalls.close(fd);
  }
}

/** Whether the link is up and running (IFF_UP and IFF_RUNNING, as `ip link` shows UP and LOWER_UP). */
export function readLinkUp(ifname: string): boolean {
  return withSocket((fd) => {
    const request = ifreq(ifname);
    if (ioctl(fd, SIOCGIFFLAGS, request) !== 0) fail(`SIOCGIFFLAGS ${ifname}`);
    const flags = request.readUInt16LE(IFR_UNION);
    return (flags & IFF_UP) !== 0 && (flags & IFF_RUNNING) !== 0;
  });
}

/** The link's MTU (ifr_mtu, an int in the union), as `ip link` shows it; an absent interface is a NativeError (ENODEV). */
export function readLinkMtu(ifname: string): number {
  return withSocket((fd) => {
    const request = ifreq(ifname);
    if (ioctl(fd, SIOCGIFMTU, request) !== 0) fail(`SIOCGIFMTU ${ifname}`);
    return request.readInt32LE(IFR_UNION);
  });
}

/** One SIOCETHTOOL call with a command buffer of `length` bytes, which the kernel may fill in. */
function ethtool(fd: number, ifname: string, command: Buffer, what: string): Buffer {
  const memory = koffi.alloc('uint8', command.length);
  try {
    const view = new Uint8Array(koffi.view(memory, command.length));
    view.set(command);
    const request = ifreq(ifname);
    request.writeBigUInt64LE(BigInt(koffi.address(memory)), IFR_UNION);
    if (ioctl(fd, SIOCETHTOOL, request) !== 0) fail(`SIOCETHTOOL ${what} ${ifname}`);
    return Buffer.from(view);
  } finally {
    koffi.free(memory);
  }
}

function statisticCount(fd: number, ifname: string): number {
  // struct ethtool_sset_info { u32 cmd, reserved; u64 sset_mask; u32 data[]; }
  const info = Buffer.alloc(20);
  info.writeUInt32LE(ETHTOOL_GSSET_INFO, 0);
  info.writeBigUInt64LE(1n << BigInt(ETH_SS_STATS), 8);
  const answered = ethtool(fd, ifname, info, 'ETHTOOL_GSSET_INFO');
  // The kernel clears the set's bit when the driver has no such set.
  return answered.readBigUInt64LE(8) === 0n ? 0 : answered.readUInt32LE(16);
}

function statisticNames(fd: number, ifname: string, count: number): string[] {
  // struct ethtool_gstrings { u32 cmd, string_set, len; u8 data[]; }
  const strings = Buffer.alloc(12 + count * ETH_GSTRING_LEN);
  strings.writeUInt32LE(ETHTOOL_GSTRINGS, 0);
  strings.writeUInt32LE(ETH_SS_STATS, 4);
  strings.writeUInt32LE(count, 8);
  const names = ethtool(fd, ifname, strings, 'ETHTOOL_GSTRINGS');
  return Array.from({ length: count }, (_, i) => {
    const slot = names.subarray(12 + i * ETH_GSTRING_LEN, 12 + (i + 1) * ETH_GSTRING_LEN);
    const end = slot.indexOf(0);
    return slot.toString('ascii', 0, end < 0 ? ETH_GSTRING_LEN : end);
  });
}

/** Room for statistics a driver adds between counting them and reading them (a queue count changed). */
const SLACK = 256;

/**
 * The driver's statistics (`ethtool -S`): names and values in one order. The
 * names are read again only when their count changed since `known`, so a
 * steady interface costs two ioctls.
 */
export function readDriverStatistics(
  ifname: string,
  known: readonly string[] | null,
): { names: readonly string[]; values: bigint[] } {
  return withSocket((fd) => {
    const count = statisticCount(fd, ifname);
    const names = known?.length === count ? known : statisticNames(fd, ifname, count);
    if (count === 0) return { names, values: [] };
    // struct ethtool_stats { u32 cmd, n_stats; u64 data[]; }: the kernel writes as many as the driver
    // counts now, whatever n_stats says, hence the slack.
    const stats = Buffer.alloc(8 + (count + SLACK) * 8);
    stats.writeUInt32LE(ETHTOOL_GSTATS, 0);
    stats.writeUInt32LE(count, 4);
    const answered = ethtool(fd, ifname, stats, 'ETHTOOL_GSTATS');
    // The set changed between the two calls: no values this time, and the names are read again next time.
    if (answered.readUInt32LE(4) !== count) return { names: [], values: [] };
    return { names, values: Array.from({ length: count }, (_, i) => answered.readBigUInt64LE(8 + i * 8)) };
  });
}
