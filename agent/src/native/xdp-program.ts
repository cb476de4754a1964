import koffi from 'koffi';
// bpf-map.ts declares the bpf_object type the signatures below return.
import './bpf-map.ts';
import { checkNegativeErrno, NativeError } from './errors.ts';
import { libbpfLibrary as libbpf, libxdpLibrary as libxdp } from './libxdp.ts';
import { XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE } from './uapi.ts';

/**
 * libxdp's program API (xdp/libxdp.h, libxdp 1.3): open an object file,
 * attach its program to an interface (through libxdp's dispatcher where the
 * kernel allows it, directly otherwise), detach and close.
 */

koffi.opaque('xdp_program');

// long libxdp_get_error(const void *ptr); -errno for a NULL or error-encoded pointer, else 0.
const getError = libxdp.func('long libxdp_get_error(const void *ptr)');
// struct xdp_program *xdp_program__open_file(const char *filename, const char *section_name, struct bpf_object_open_opts *opts);
const openFile = libxdp.func(
  'xdp_program *xdp_program__open_file(const char *filename, const char *section_name, void *opts)',
);
// void xdp_program__close(struct xdp_program *xdp_prog);
const close = libxdp.func('void xdp_program__close(xdp_program *prog)');
// int xdp_program__attach(struct xdp_program *xdp_prog, int ifindex, enum xdp_attach_mode mode, unsigned int flags);
const attach = libxdp.func('int xdp_program__attach(xdp_program *prog, int ifindex, int mode, unsigned int flags)');
// int xdp_program__detach(struct xdp_program *xdp_prog, int ifindex, enum xdp_attach_mode mode, unsigned int flags);
const detach = libxdp.func('int xdp_program__detach(xdp_program *prog, int ifindex, int mode, unsigned int flags)');
// struct bpf_object *xdp_program__bpf_obj(struct xdp_program *xdp_prog);
const bpfObj = libxdp.func('bpf_object *xdp_program__bpf_obj(xdp_program *prog)');
// uint32_t xdp_program__id(const struct xdp_program *xdp_prog); 0 until loaded.
const programId = libxdp.func('uint32_t xdp_program__id(const xdp_program *prog)');
// int xdp_program__fd(const struct xdp_program *xdp_prog);
const programFd = libxdp.func('int xdp_program__fd(const xdp_program *prog)');
// libbpf: int bpf_xdp_query_id(int ifindex, int flags, __u32 *prog_id);
const xdpQueryId = libbpf.func('int bpf_xdp_query_id(int ifindex, int flags, _Out_ uint32_t *prog_id)');
// libbpf: int bpf_xdp_detach(int ifindex, __u32 flags, const struct bpf_xdp_attach_opts *opts);
const xdpDetach = libbpf.func('int bpf_xdp_detach(int ifindex, uint32_t flags, const void *opts)');

/** enum xdp_attach_mode of libxdp.h (not the kernel's XDP_FLAGS_*). */
const XDP_MODE_NATIVE = 1;
const XDP_MODE_SKB = 2;

export type XdpAttachMode = 'skb' | 'drv';

const MODES: Record<XdpAttachMode, number> = { drv: XDP_MODE_NATIVE, skb: XDP_MODE_SKB };
const KERNEL_MODE_FLAGS: Record<XdpAttachMode, number> = { drv: XDP_FLAGS_DRV_MODE, skb: XDP_FLAGS_SKB_MODE };

/*
 * struct bpf_xdp_attach_opts { size_t sz; int old_prog_fd; size_t :0; }: 16 bytes on 64-bit.
 * libbpf adds XDP_FLAGS_REPLACE when old_prog_fd is set, so the kernel removes only that program.
 */
const ATTACH_OPTS_SIZE = 16;
const ATTACH_OPTS_OLD_PROG_FD = 8;

/** An opened xdp_program; its handle must not be used once closed. */
export interface NativeXdpProgram {
  handle: unknown;
}

/** Opens an object file; its first program (SEC("xdp")) is the one attached. Nothing is loaded yet. */
export function openXdpProgram(path: string): NativeXdpProgram {
  const handle = openFile(path, null, null);
  const error = Number(getError(handle));
  if (error !== 0) throw new NativeError(`xdp_program__open_file(${path})`, -error);
  return { handle };
}

/** Loads and attaches in the calling thread's network namespace (ifindexes are per namespace). */
export function attachXdpProgram(
  program: NativeXdpProgram,
  ifindex: number,
  mode: XdpAttachMode,
  hint?: (code: string) => string | undefined,
): void {
  checkNegativeErrno('xdp_program__attach', attach(program.handle, ifindex, MODES[mode], 0), hint);
}

/** The id of the program attached to `ifindex` in `mode`, 0 when none is (calling thread's namespace). */
export function attachedXdpProgramId(ifindex: number, mode: XdpAttachMode): number {
  const id = [0];
  checkNegativeErrno('bpf_xdp_query_id', xdpQueryId(ifindex, KERNEL_MODE_FLAGS[mode], id));
  return id[0] ?? 0;
}

/**
 * The program attached to `ifindex` in drv or skb mode, null when none is
 * (calling thread's namespace). There is one at most: the kernel refuses a
 * native program beside a generic one and the reverse (dev_xdp_attach).
 */
export function attachedXdpProgram(ifindex: number): { mode: XdpAttachMode; programId: number } | null {
  for (const mode of ['drv', 'skb'] as const) {
    const programId = attachedXdpProgramId(ifindex, mode);
    if (programId !== 0) return { mode, programId };
  }
  return null;
}

/**
 * Removes the program from the interface; nothing to do when it is no longer
 * attached. A program libxdp attached directly (no dispatcher on this kernel)
 * is detached here, on the condition that it is still the one attached:
 * libxdp 1.3's own path for it leaks an fd to the program
 * (xdp_multiprog__from_id, xdp-project/xdp-tools#343), which would keep it
 * loaded until the agent exits. Behind a dispatcher, only libxdp knows how.
 */
export function detachXdpProgram(program: NativeXdpProgram, ifindex: number, mode: XdpAttachMode): void {
  const attached = attachedXdpProgramId(ifindex, mode);
  if (attached === 0) return;
  if (attached !== xdpProgramId(program)) {
    checkNegativeErrno('xdp_program__detach', detach(program.handle, ifindex, MODES[mode], 0));
    return;
  }
  detachAttachedProgram(ifindex, mode, programFd(program.handle));
}

/** Detaches the program of fd `fd` from `ifindex`, refused by the kernel unless it is still the one attached. */
export function detachAttachedProgram(ifindex: number, mode: XdpAttachMode, fd: number): void {
  const opts = Buffer.alloc(ATTACH_OPTS_SIZE);
  opts.writeBigUInt64LE(BigInt(ATTACH_OPTS_SIZE), 0);
  opts.writeInt32LE(fd, ATTACH_OPTS_OLD_PROG_FD);
  checkNegativeErrno('bpf_xdp_detach', xdpDetach(ifindex, KERNEL_MODE_FLAGS[mode], opts));
}

/** Closes the program's fds and its object's map fds: a detached program is then freed by the kernel. */
export function closeXdpProgram(program: NativeXdpProgram): void {
  close(program.handle);
}

export function xdpProgramId(program: NativeXdpProgram): number {
  return programId(program.handle);
}

/** The program's libbpf object, to find its maps (bpf-map.ts). */
export function xdpProgramObject(program: NativeXdpProgram): unknown {
  return bpfObj(program.handle);
}
