import type { XdpStatistics } from '@ringside/shared';
import koffi from 'koffi';
import { ERRNO, NativeError } from './errors.ts';
import {
  AF_XDP,
  CLOCK_TAI,
  CLONE_NEWNET,
  MAP_ANONYMOUS,
  MAP_POPULATE,
  MAP_PRIVATE,
  MSG_DONTWAIT,
  POLLIN,
  PROT_READ,
  PROT_WRITE,
  SOCK_CLOEXEC,
  SOCK_RAW,
  SOL_XDP,
  XDP_OPTIONS,
  XDP_OPTIONS_ZEROCOPY,
  XDP_STATISTICS,
} from './uapi.ts';

const libc = koffi.load('libc.so.6');

// man 2 mmap / munmap
const mmap = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)');
const munmap = libc.func('int munmap(void *addr, size_t length)');
// man 2 poll: struct pollfd { int fd; short events; short revents; }
const pollRaw = libc.func('int poll(void *fds, unsigned long nfds, int timeout)');
// man 2 sendto; AF_XDP uses an empty sendto as the TX doorbell.
const sendto = libc.func('long sendto(int fd, void *buf, size_t len, int flags, void *addr, uint32_t addrlen)');
// man 2 getsockopt
const getsockopt = libc.func('int getsockopt(int fd, int level, int name, void *value, _Inout_ uint32_t *length)');
// man 2 setns: moves only the calling thread.
const setnsRaw = libc.func('int setns(int fd, int nstype)');
const socketRaw = libc.func('int socket(int domain, int type, int protocol)');
const closeRaw = libc.func('int close(int fd)');
// man 2 dup3: makes `newfd` refer to what `oldfd` does, closing what it referred to before.
const dup3Raw = libc.func('int dup3(int oldfd, int newfd, int flags)');
const setsockoptRaw = libc.func('int setsockopt(int fd, int level, int name, void *value, uint32_t length)');
const recvRaw = libc.func('long recv(int fd, void *buf, size_t len, int flags)');
// The kernel's PAGE_SIZE, which bounds chunk sizes and sets the UMEM's alignment.
const getpagesizeRaw = libc.func('int getpagesize(void)');
// man 2 gettid, man 2 setpriority: with PRIO_PROCESS and a thread id, the nice value of that one thread.
const gettid = libc.func('int gettid(void)');
const setpriority = libc.func('int setpriority(int which, unsigned int who, int prio)');
const PRIO_PROCESS = 0;
// man 3 if_nametoindex: 0 when the interface does not exist in this namespace.
const ifNametoindex = libc.func('unsigned int if_nametoindex(const char *name)');
// man 3 if_indextoname: ifindexes are per namespace, so call it inside the one meant.
const ifIndextoname = libc.func('const char *if_indextoname(unsigned int ifindex, _Out_ uint8_t *name)');
const IF_NAMESIZE = 16;
// man 2 ioctl: the third argument is a pointer for every request Ringside makes.
const ioctlRaw = libc.func('int ioctl(int fd, unsigned long request, void *arg)');
// man 2 syscall: for calls glibc does not wrap (pidfd_getfd before 2.35, kcmp). Variadic: koffi takes each
// argument's type at the call.
const syscallRaw = libc.func('long syscall(long number, ...)');
// memmove(p, p, 0) returns p: the one portable way to turn a numeric address
// back into a pointer that koffi.view accepts, e.g. in another thread.
const memmoveAddress = libc.func('void *memmove(uintptr_t dst, uintptr_t src, size_t n)');
// glibc's errno is a thread-local int at this address, read here through a view: each thread loads this module
// in its own isolate, so the view is its own thread's errno.
const errnoLocation = libc.func('int *__errno_location(void)');
// man 3 vsnprintf: formats the va_list that libbpf and libxdp hand their print callbacks.
const vsnprintf = libc.func('int vsnprintf(_Out_ uint8_t *buf, size_t size, const char *format, void *args)');

// man 2 clock_gettime: struct timespec { time_t tv_sec; long tv_nsec; }, two 64-bit words on Linux's 64-bit ABIs.
const clockGettime = libc.func('int clock_gettime(int clockid, _Out_ int64_t *ts)');
const timespec = new BigInt64Array(2);

// man 2 fcntl: variadic in C, so koffi takes the third argument's type at each call.
const fcntlRaw = libc.func('int fcntl(int fd, int cmd, ...)');
const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

function fail(operation: string, hint?: string): never {
  throw new NativeError(operation, koffi.errno(), hint);
}

/** mmap(2) at an address of the kernel's choosing: the mapping's address, or null with errno set (MAP_FAILED). */
export function mapMemory(length: number, prot: number, flags: number, fd: number, offset: number): number | null {
  const pointer = mmap(null, length, prot, flags, fd, offset);
  if (pointer === null) return null;
  const address = Number(koffi.address(pointer));
  // MAP_FAILED is (void *)-1.
  return address === 2 ** 64 - 1 || address === -1 ? null : address;
}

/** Anonymous, pre-faulted memory for a UMEM. Returns its address as a number. */
export function mapAnonymous(length: number): number {
  const address = mapMemory(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (address === null) fail(`mmap of ${length} bytes`, 'not enough memory: use fewer or smaller frames');
  return address;
}

export function unmap(address: number, length: number): void {
  if (munmap(pointerAt(address), length) !== 0) fail('munmap');
}

/** A pointer koffi can use, from an address that crossed a thread boundary as a number. */
export function pointerAt(address: number): unknown {
  return memmoveAddress(address, address, 0);
}

/** An ArrayBuffer over native memory that this process mapped (rings, UMEM). */
export function viewAt(address: number, length: number): ArrayBuffer {
  return koffi.view(pointerAt(address), length);
}

const POLLFD = Buffer.alloc(8);

/**
 * Waits until `fd` is readable or `timeoutMs` passes; returns whether it became
 * readable. Blocking: call it from a data-plane worker, never the event loop.
 */
export function pollReadable(fd: number, timeoutMs: number): boolean {
  // One pollfd per thread (each worker has its own module instance), reused: the idle loop polls often.
  const pollfd = POLLFD;
  pollfd.writeInt32LE(fd, 0);
  pollfd.writeInt16LE(POLLIN, 4);
  pollfd.writeInt16LE(0, 6);
  const ready = pollRaw(pollfd, 1, timeoutMs);
  if (ready < 0) {
    if (koffi.errno() === ERRNO.EINTR) return false;
    fail('poll');
  }
  return ready > 0;
}

/** Room for every socket one data-plane thread may poll (a UMEM's sockets). */
const POLLFDS = Buffer.alloc(8 * 64);

/** Waits until any of `fds` has something to read, or `timeoutMs` passes. */
export function pollAnyReadable(fds: readonly number[], timeoutMs: number): boolean {
  const count = Math.min(fds.length, POLLFDS.length / 8);
  for (let i = 0; i < count; i++) {
    POLLFDS.writeInt32LE(fds[i] as number, 8 * i);
    POLLFDS.writeInt16LE(POLLIN, 8 * i + 4);
    POLLFDS.writeInt16LE(0, 8 * i + 6);
  }
  const ready = pollRaw(POLLFDS, count, timeoutMs);
  if (ready < 0) {
    if (koffi.errno() === ERRNO.EINTR) return false;
    fail('poll');
  }
  return ready > 0;
}

/**
 * A kick's transient refusals: the kernel is busy or the link is down, and the next kick retries. A saturated
 * copy-mode sender meets one at every kick (strace: every sendto of the lab's txonly answered EAGAIN, C's
 * too), so they are looked up once here: os.constants.errno is read through V8's slow generic lookup.
 */
const KICK_RETRIES = new Set([ERRNO.EAGAIN, ERRNO.EBUSY, ERRNO.ENOBUFS, ERRNO.ENETDOWN]);
const BUSY_POLL_RETRIES = new Set([...KICK_RETRIES, ERRNO.EINTR]);

/**
 * This thread's errno as a word of memory. A saturated sender's every kick is refused (EAGAIN, the kernel's
 * budget spent with more on TX): read through koffi.errno(), that was a second FFI call a kick.
 */
let errnoWord: Int32Array | null = null;
function threadErrno(): number {
  errnoWord ??= new Int32Array(koffi.view(errnoLocation(), 4));
  return errnoWord[0] as number;
}

/** Kicks the kernel to process the TX ring. Transient refusals mean "try later" and are not errors. */
export function wakeupTx(fd: number): void {
  if (sendto(fd, null, 0, MSG_DONTWAIT, null, 0) >= 0) return;
  if (KICK_RETRIES.has(threadErrno())) return;
  fail('sendto (TX wakeup)');
}

// struct xdp_statistics { __u64 rx_dropped, rx_invalid_descs, tx_invalid_descs,
//   rx_ring_full, rx_fill_ring_empty_descs, tx_ring_empty_descs; }: the protocol's
// names in the kernel's order. The result is typed as the whole schema, so a
// field added there and missed here does not compile.
const XDP_STATISTICS_WORDS = [
  'rxDropped',
  'rxInvalidDescs',
  'txInvalidDescs',
  'rxRingFull',
  'rxFillRingEmptyDescs',
  'txRingEmptyDescs',
] as const satisfies readonly (keyof XdpStatistics)[];
const XDP_STATISTICS_SIZE = XDP_STATISTICS_WORDS.length * 8;

/** getsockopt(XDP_STATISTICS). Older kernels return only the first three fields; the rest read as 0. */
export function readXdpStatistics(fd: number): XdpStatistics {
  const buffer = Buffer.alloc(XDP_STATISTICS_SIZE);
  const length = [XDP_STATISTICS_SIZE];
  if (getsockopt(fd, SOL_XDP, XDP_STATISTICS, buffer, length) !== 0) fail('getsockopt(XDP_STATISTICS)');
  const statistics = {} as Record<(typeof XDP_STATISTICS_WORDS)[number], number>;
  XDP_STATISTICS_WORDS.forEach((name, index) => {
    statistics[name] = Number(buffer.readBigUInt64LE(index * 8));
  });
  return statistics;
}

/** setsockopt of one int (SO_BUSY_POLL, XDP_MAX_TX_SKB_BUDGET...); a refusal is the kernel's errno. */
export function setIntSocketOption(fd: number, level: number, name: number, value: number, label: string): void {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value >>> 0, 0);
  if (setsockoptRaw(fd, level, name, buffer, 4) !== 0) fail(`setsockopt(${label}, ${value})`);
}

/** getsockopt of one int. */
export function getIntSocketOption(fd: number, level: number, name: number, label: string): number {
  const buffer = Buffer.alloc(4);
  const length = [4];
  if (getsockopt(fd, level, name, buffer, length) !== 0) fail(`getsockopt(${label})`);
  return buffer.readInt32LE(0);
}

/**
 * An empty non-blocking recvfrom: with busy polling on, the kernel runs the
 * socket's NAPI instance inside it (xsk_recvmsg), as the upstream samples do
 * every round. Nothing to read is no error.
 */
export function busyPollRx(fd: number): void {
  if (recvRaw(fd, null, 0, MSG_DONTWAIT) >= 0) return;
  if (BUSY_POLL_RETRIES.has(koffi.errno())) return;
  fail('recvfrom (busy poll)');
}

/** getsockopt(XDP_OPTIONS): whether the socket runs in zero-copy mode. */
export function readZeroCopy(fd: number): boolean {
  const buffer = Buffer.alloc(4);
  const length = [4];
  if (getsockopt(fd, SOL_XDP, XDP_OPTIONS, buffer, length) !== 0) fail('getsockopt(XDP_OPTIONS)');
  return (buffer.readUInt32LE(0) & XDP_OPTIONS_ZEROCOPY) !== 0;
}

/**
 * Marks `fd` close-on-exec. libxdp 1.3 opens its sockets without it, and a
 * child holding an XSK keeps it alive (its queue busy) and shows in discovery
 * as one more owner: every `ip` and `ethtool` the agent runs would.
 */
export function closeOnExec(fd: number): void {
  const flags = fcntlRaw(fd, F_GETFD);
  if (flags < 0 || fcntlRaw(fd, F_SETFD, 'int', flags | FD_CLOEXEC) < 0) fail('fcntl(F_SETFD, FD_CLOEXEC)');
}

/** Moves the calling thread into the network namespace behind `fd`. */
export function enterNetworkNamespace(fd: number): void {
  if (setnsRaw(fd, CLONE_NEWNET) !== 0) fail('setns(CLONE_NEWNET)');
}

/** CLOCK_TAI now, in ns: the time base of XDP_TXMD_FLAGS_LAUNCH_TIME and of the kernel's software TX stamps. */
export function taiNowNs(): bigint {
  if ((clockGettime(CLOCK_TAI, timespec) as number) !== 0) fail('clock_gettime(CLOCK_TAI)');
  return (timespec[0] as bigint) * 1_000_000_000n + (timespec[1] as bigint);
}

/**
 * Sets a thread's nice value, the calling thread's by default (Linux
 * schedules threads, not processes). Threads a thread creates start with its
 * nice value.
 */
export function setThreadNice(nice: number, tid: number = gettid()): void {
  if (setpriority(PRIO_PROCESS, tid, nice) < 0) fail('setpriority');
}

/** The calling thread's id: what /proc/self/task lists it under. */
export function threadId(): number {
  return gettid();
}

export function ifNameToIndex(name: string): number {
  return ifNametoindex(name);
}

/** The name of interface `ifindex` in the calling thread's namespace; null when it has none. */
export function ifIndexToName(ifindex: number): string | null {
  return ifIndextoname(ifindex, Buffer.alloc(IF_NAMESIZE)) as string | null;
}

/** Creates and closes a socket of a family: tells whether the kernel has it. */
export function probeSocketFamily(family: number, type: number): { ok: true } | { ok: false; error: NativeError } {
  const fd = socketRaw(family, type, 0);
  if (fd < 0) return { ok: false, error: new NativeError('socket', koffi.errno()) };
  closeRaw(fd);
  return { ok: true };
}

/**
 * A fresh, unbound AF_XDP socket for `use`, closed after it: the start-up
 * probes ask the kernel on it what it takes, before any socket of the user's
 * depends on the answer.
 */
export function withThrowawayXdpSocket<T>(use: (fd: number) => T): T {
  const fd = socketRaw(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) fail('socket(AF_XDP)');
  try {
    return use(fd);
  } finally {
    closeRaw(fd);
  }
}

/** Formats a printf-style message whose arguments arrive as a va_list. */
export function formatVaList(format: string, args: unknown): string {
  const buffer = Buffer.alloc(1024);
  const length = vsnprintf(buffer, buffer.length, format, args);
  return buffer.toString('utf8', 0, Math.max(0, Math.min(length, buffer.length - 1)));
}

/**
 * The raw libc calls the other native modules (netlink, UMEM probes) build on,
 * declared once here. They return -1 and set errno (koffi.errno()) as C does.
 */
export const rawSyscalls = {
  socket: socketRaw as (domain: number, type: number, protocol: number) => number,
  close: closeRaw as (fd: number) => number,
  dup3: dup3Raw as (oldFd: number, newFd: number, flags: number) => number,
  setsockopt: setsockoptRaw as (fd: number, level: number, name: number, value: Buffer, length: number) => number,
  sendto: sendto as (
    fd: number,
    buffer: Buffer | null,
    length: number,
    flags: number,
    address: Buffer | null,
    addressLength: number,
  ) => number,
  recv: recvRaw as (fd: number, buffer: Buffer, length: number, flags: number) => number,
  getsockopt: getsockopt as (fd: number, level: number, name: number, value: Buffer, length: number[]) => number,
  munmap: (address: number, length: number): number => munmap(pointerAt(address), length),
  ioctl: ioctlRaw as (fd: number, request: number, argument: Buffer) => number,
  /** Each argument after the number is preceded by its C type: syscall(n, 'int', 3, 'unsigned int', 0). */
  syscall: syscallRaw as (number: number, ...typedArguments: unknown[]) => number | bigint,
  getpagesize: getpagesizeRaw as () => number,
};
