import koffi from 'koffi';
import { NativeError } from './errors.ts';
import { closeOnExec, formatVaList } from './libc.ts';
// Importing structs.ts registers the C type names (xsk_umem, xsk_socket_config...) the signatures below use.
import { XskRing, type XskRingFields } from './structs.ts';

/**
 * libxdp's AF_XDP control API (xdp/xsk.h, libxdp 1.3). Ring operations are not
 * bound here for the data plane: an FFI call per ring operation costs far more
 * than the typed-array work it replaces, so xsk/ring.ts does them in TypeScript.
 */

export const LIBXDP_SONAME = 'libxdp.so.1';
export const LIBBPF_SONAME = 'libbpf.so.1';

function loadLibrary(soname: string, debianPackage: string): ReturnType<typeof koffi.load> {
  try {
    return koffi.load(soname);
  } catch (cause) {
    throw new Error(
      `${soname} cannot be loaded: install it with 'apt-get install ${debianPackage}' (${String(cause)})`,
    );
  }
}

// RINGSIDE_LIBXDP names another build of libxdp (a path or a soname), e.g. one built from source.
const libxdp = loadLibrary(process.env.RINGSIDE_LIBXDP || LIBXDP_SONAME, 'libxdp1');
const libbpf = loadLibrary(LIBBPF_SONAME, 'libbpf1');
/** The loaded libxdp, for the test-only reference rings and XDP program loading (xdp-program.ts). */
export const libxdpLibrary = libxdp;
/** The loaded libbpf, for BPF map access (bpf-map.ts). */
export const libbpfLibrary = libbpf;
/** long libbpf_get_error(const void *ptr): -errno for a NULL or error-encoded pointer, else 0. */
export const libbpfGetError = libbpf.func('long libbpf_get_error(const void *ptr)');
/** int bpf_obj_get_info_by_fd(int bpf_fd, void *info, __u32 *info_len): a program's or a map's bpf_*_info. */
export const bpfObjGetInfoByFd = libbpf.func(
  'int bpf_obj_get_info_by_fd(int fd, void *info, _Inout_ uint32_t *info_len)',
);

const umemCreate = libxdp.func(
  'int xsk_umem__create(_Out_ xsk_umem **umem, void *area, uint64_t size, void *fill, void *comp, const xsk_umem_config *config)',
);
const umemDelete = libxdp.func('int xsk_umem__delete(xsk_umem *umem)');
const socketCreate = libxdp.func(
  'int xsk_socket__create(_Out_ xsk_socket **xsk, const char *ifname, uint32_t queue, xsk_umem *umem, void *rx, void *tx, const xsk_socket_config *config)',
);
const socketCreateShared = libxdp.func(
  'int xsk_socket__create_shared(_Out_ xsk_socket **xsk, const char *ifname, uint32_t queue, xsk_umem *umem, void *rx, void *tx, void *fill, void *comp, const xsk_socket_config *config)',
);
const socketDelete = libxdp.func('void xsk_socket__delete(xsk_socket *xsk)');
const socketFd = libxdp.func('int xsk_socket__fd(const xsk_socket *xsk)');
const setupXdpProg = libxdp.func('int xsk_setup_xdp_prog(int ifindex, _Out_ int *map_fd)');
const updateXskmap = libxdp.func('int xsk_socket__update_xskmap(xsk_socket *xsk, int map_fd)');

// typedef int (*print_fn_t)(enum print_level level, const char *format, va_list args);
const PrintFn = koffi.proto('int ringside_print_fn(int level, const char *format, void *args)');
const libxdpSetPrint = libxdp.func('void *libxdp_set_print(ringside_print_fn *fn)');
const libbpfSetPrint = libbpf.func('void *libbpf_set_print(ringside_print_fn *fn)');

export type PrintLevel = 'warn' | 'info' | 'debug';
const PRINT_LEVELS: readonly PrintLevel[] = ['warn', 'info', 'debug'];
/** The callbacks now installed: koffi keeps them until unregistered, so routing anew unregisters the old ones. */
let printCallbacks: unknown[] = [];

/**
 * Routes libbpf's and libxdp's messages (warnings about the dispatcher falling
 * back, for instance) to `sink` instead of stderr. Messages arrive on the thread
 * that called into the library.
 */
export function routeLibraryMessages(sink: (level: PrintLevel, source: 'libxdp' | 'libbpf', text: string) => void) {
  const make = (source: 'libxdp' | 'libbpf') =>
    koffi.register((level: number, format: string, args: unknown) => {
      sink(PRINT_LEVELS[level] ?? 'debug', source, formatVaList(format, args).trimEnd());
      return 0;
    }, koffi.pointer(PrintFn));
  const xdp = make('libxdp');
  const bpf = make('libbpf');
  libxdpSetPrint(xdp);
  libbpfSetPrint(bpf);
  for (const previous of printCallbacks) koffi.unregister(previous as bigint);
  printCallbacks = [xdp, bpf];
}

/** Where libxdp mapped one ring: numeric addresses, valid until its socket or UMEM is deleted. */
export interface RingLayout {
  size: number;
  producer: number;
  consumer: number;
  flags: number;
  descs: number;
}

/** A C-allocated xsk_ring_prod/xsk_ring_cons that libxdp fills in and keeps using until deletion. */
export class NativeRing {
  readonly pointer = koffi.alloc(XskRing, 1);

  layout(): RingLayout {
    const fields = koffi.decode(this.pointer, XskRing) as XskRingFields;
    return {
      size: fields.size,
      producer: Number(fields.producer),
      consumer: Number(fields.consumer),
      flags: Number(fields.flags),
      descs: Number(fields.ring),
    };
  }

  free(): void {
    koffi.free(this.pointer);
  }
}

export interface UmemRegistration {
  area: unknown;
  size: number;
  fillSize: number;
  completionSize: number;
  frameSize: number;
  headroom: number;
  flags: number;
}

export interface NativeUmem {
  handle: unknown;
  fill: NativeRing;
  completion: NativeRing;
}

export function createUmem(registration: UmemRegistration): NativeUmem {
  const fill = new NativeRing();
  const completion = new NativeRing();
  const out = [null];
  const result = umemCreate(out, registration.area, registration.size, fill.pointer, completion.pointer, {
    fill_size: registration.fillSize,
    comp_size: registration.completionSize,
    frame_size: registration.frameSize,
    frame_headroom: registration.headroom,
    flags: registration.flags,
  });
  if (result < 0) {
    fill.free();
    completion.free();
    throw new NativeError('xsk_umem__create', -result);
  }
  return { handle: out[0], fill, completion };
}

/** Fails with EBUSY while a socket still uses the UMEM. */
export function deleteUmem(umem: NativeUmem): void {
  const result = umemDelete(umem.handle);
  if (result < 0) throw new NativeError('xsk_umem__delete', -result);
  umem.fill.free();
  umem.completion.free();
}

export interface SocketRequest {
  ifname: string;
  queueId: number;
  rxSize: number;
  txSize: number;
  libxdpFlags: number;
  xdpFlags: number;
  bindFlags: number;
}

export interface NativeSocket {
  handle: unknown;
  fd: number;
  rx: NativeRing | null;
  tx: NativeRing | null;
  /** Set when the socket brought its own FILL/COMPLETION pair (a shared UMEM on another queue or netdev). */
  fill: NativeRing | null;
  completion: NativeRing | null;
}

/**
 * Creates and binds a socket. A size of 0 leaves that ring out (rx-only or
 * tx-only). `ownFillCompletion` asks for a FILL/COMPLETION pair of its own,
 * through xsk_socket__create_shared.
 */
export function createSocket(umem: NativeUmem, request: SocketRequest, ownFillCompletion: boolean): NativeSocket {
  const rx = request.rxSize > 0 ? new NativeRing() : null;
  const tx = request.txSize > 0 ? new NativeRing() : null;
  const fill = ownFillCompletion ? new NativeRing() : null;
  const completion = ownFillCompletion ? new NativeRing() : null;
  const config = {
    rx_size: request.rxSize,
    tx_size: request.txSize,
    libxdp_flags: request.libxdpFlags,
    xdp_flags: request.xdpFlags,
    bind_flags: request.bindFlags,
  };
  const out = [null];
  const result =
    fill && completion
      ? socketCreateShared(
          out,
          request.ifname,
          request.queueId,
          umem.handle,
          rx?.pointer ?? null,
          tx?.pointer ?? null,
          fill.pointer,
          completion.pointer,
          config,
        )
      : socketCreate(
          out,
          request.ifname,
          request.queueId,
          umem.handle,
          rx?.pointer ?? null,
          tx?.pointer ?? null,
          config,
        );
  if (result < 0) {
    for (const ring of [rx, tx, fill, completion]) ring?.free();
    throw new NativeError('xsk_socket__create', -result);
  }
  const fd = socketFd(out[0]);
  // The first socket of a UMEM has the UMEM's fd: this covers both.
  closeOnExec(fd);
  return { handle: out[0], fd, rx, tx, fill, completion };
}

export function deleteSocket(socket: NativeSocket): void {
  socketDelete(socket.handle);
  for (const ring of [socket.rx, socket.tx, socket.fill, socket.completion]) ring?.free();
}

/** Loads libxdp's default XDP program (redirect by rx_queue_index) on an interface; returns its XSKMAP fd. */
export function setupDefaultXdpProgram(ifindex: number): number {
  const mapFd = [0];
  const result = setupXdpProg(ifindex, mapFd);
  if (result < 0) throw new NativeError('xsk_setup_xdp_prog', -result);
  return mapFd[0] ?? -1;
}

export function insertIntoXskmap(socket: NativeSocket, mapFd: number): void {
  const result = updateXskmap(socket.handle, mapFd);
  if (result < 0) throw new NativeError('xsk_socket__update_xskmap', -result);
}
