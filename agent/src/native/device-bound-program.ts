import koffi from 'koffi';
// bpf-map.ts declares the bpf_object type the signatures below use.
import './bpf-map.ts';
import { checkNegativeErrno, NativeError } from './errors.ts';
import { libbpfGetError as getError, libbpfLibrary as libbpf, bpfObjGetInfoByFd as objGetInfoByFd } from './libxdp.ts';
import { XDP_FLAGS_DRV_MODE, XDP_FLAGS_UPDATE_IF_NOEXIST } from './uapi.ts';
import { attachedXdpProgramId, detachAttachedProgram } from './xdp-program.ts';

/**
 * A device-bound XDP program, through libbpf alone (bpf/libbpf.h, libbpf
 * 1.x): the RX metadata kfuncs resolve to a driver's implementation only in
 * a program loaded for that one interface (BPF_F_XDP_DEV_BOUND_ONLY and its
 * ifindex, Linux 6.3). libxdp 1.3 cannot load one: its xdp_program__attach
 * loads the program itself, unbound. The program is attached directly, in
 * the driver's hook: the kernel refuses a device-bound program in generic
 * (skb) mode and behind an freplace dispatcher.
 */

koffi.opaque('bpf_program');

// struct bpf_object *bpf_object__open_file(const char *path, const struct bpf_object_open_opts *opts);
const openFile = libbpf.func('bpf_object *bpf_object__open_file(const char *path, const void *opts)');
// struct bpf_program *bpf_object__next_program(const struct bpf_object *obj, struct bpf_program *prog);
const nextProgram = libbpf.func('bpf_program *bpf_object__next_program(const bpf_object *obj, bpf_program *prog)');
// int bpf_program__set_ifindex(struct bpf_program *prog, __u32 ifindex); void before libbpf 1.2, so the result is not read.
const setIfindex = libbpf.func('void bpf_program__set_ifindex(bpf_program *prog, uint32_t ifindex)');
// __u32 bpf_program__flags(const struct bpf_program *prog);
const programFlags = libbpf.func('uint32_t bpf_program__flags(const bpf_program *prog)');
// int bpf_program__set_flags(struct bpf_program *prog, __u32 flags);
const setFlags = libbpf.func('int bpf_program__set_flags(bpf_program *prog, uint32_t flags)');
// int bpf_object__load(struct bpf_object *obj);
const load = libbpf.func('int bpf_object__load(bpf_object *obj)');
// int bpf_program__fd(const struct bpf_program *prog);
const programFd = libbpf.func('int bpf_program__fd(const bpf_program *prog)');
// void bpf_object__close(struct bpf_object *obj);
const close = libbpf.func('void bpf_object__close(bpf_object *obj)');
// int bpf_xdp_attach(int ifindex, int prog_fd, __u32 flags, const struct bpf_xdp_attach_opts *opts);
const xdpAttach = libbpf.func('int bpf_xdp_attach(int ifindex, int prog_fd, uint32_t flags, const void *opts)');

/** include/uapi/linux/bpf.h (Linux 6.3): the program may only run on the interface it was loaded for. */
const BPF_F_XDP_DEV_BOUND_ONLY = 1 << 6;

/** struct bpf_prog_info begins { __u32 type; __u32 id; ... }: the kernel copies only the bytes asked for. */
const PROG_INFO_PREFIX = 8;
const PROG_INFO_ID_OFFSET = 4;

/** A loaded device-bound program; `object` holds its maps (bpf-map.ts), until closed. */
export interface DeviceBoundProgram {
  object: unknown;
  fd: number;
  /** Global, as `bpftool prog show id N` lists it. */
  id: number;
}

/**
 * Opens `path` and loads its first program bound to interface `ifindex` of
 * the calling thread's network namespace. `hint` explains a load refusal
 * (the verifier's, for a kernel without the kfuncs).
 */
export function loadDeviceBoundProgram(
  path: string,
  ifindex: number,
  hint?: (code: string) => string | undefined,
): DeviceBoundProgram {
  const object = openFile(path, null);
  const openError = Number(getError(object));
  if (openError !== 0) throw new NativeError(`bpf_object__open_file(${path})`, -openError);
  try {
    const program = nextProgram(object, null);
    if (program === null) throw new NativeError(`bpf_object__next_program(${path})`, 2, 'the object has no program');
    setIfindex(program, ifindex);
    checkNegativeErrno('bpf_program__set_flags', setFlags(program, programFlags(program) | BPF_F_XDP_DEV_BOUND_ONLY));
    checkNegativeErrno(`bpf_object__load(${path})`, load(object), hint);
    const fd = checkNegativeErrno('bpf_program__fd', programFd(program));
    const info = Buffer.alloc(PROG_INFO_PREFIX);
    checkNegativeErrno('bpf_obj_get_info_by_fd (program)', objGetInfoByFd(fd, info, [PROG_INFO_PREFIX]));
    return { object, fd, id: info.readUInt32LE(PROG_INFO_ID_OFFSET) };
  } catch (error) {
    close(object);
    throw error;
  }
}

/** Attaches in the driver's hook, refused (EBUSY) while the interface has another program (calling thread's namespace). */
export function attachDeviceBoundProgram(
  program: DeviceBoundProgram,
  ifindex: number,
  hint?: (code: string) => string | undefined,
): void {
  checkNegativeErrno(
    'bpf_xdp_attach',
    xdpAttach(ifindex, program.fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, null),
    hint,
  );
}

/** Detaches it if it is still the interface's program; nothing to do otherwise (calling thread's namespace). */
export function detachDeviceBoundProgram(program: DeviceBoundProgram, ifindex: number): void {
  if (attachedXdpProgramId(ifindex, 'drv') === program.id) detachAttachedProgram(ifindex, 'drv', program.fd);
}

/** Closes the program's and its maps' fds: a detached program is then freed. */
export function closeDeviceBoundProgram(program: DeviceBoundProgram): void {
  close(program.object);
}
