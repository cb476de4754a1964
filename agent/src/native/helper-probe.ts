import { ERRNO, NativeError } from './errors.ts';
import { rawSyscalls } from './libc.ts';
import { libbpfLibrary as libbpf } from './libxdp.ts';

/**
 * Which BPF helpers the running kernel lets an XDP program call, asked of
 * its verifier: a program that calls the helper with valid arguments loads,
 * or is refused with EINVAL. Two builds of one kernel version can differ here
 * (a 6.18 seen on these machines refuses bpf_xdp_adjust_meta to XDP programs,
 * another takes it), so the version says nothing. libbpf's own
 * libbpf_probe_bpf_helper is no help: libbpf 1.1 (Debian 12) looks for
 * "unknown func" in the verifier's log, and this kernel says "program of
 * this type cannot use helper", so it answers "supported" for every helper.
 */

// int bpf_prog_load(enum bpf_prog_type, const char *prog_name, const char *license,
//                   const struct bpf_insn *insns, size_t insn_cnt, const struct bpf_prog_load_opts *opts);
// A file descriptor, or -errno (libbpf 1.x).
const progLoad = libbpf.func(
  'int bpf_prog_load(int prog_type, const char *prog_name, const char *license, const uint8_t *insns, size_t insn_cnt, const void *opts)',
);

/** include/uapi/linux/bpf.h, enum bpf_prog_type. */
const BPF_PROG_TYPE_XDP = 6;

/** include/uapi/linux/bpf.h, enum bpf_func_id (___BPF_FUNC_MAPPER's order). */
export const BPF_FUNC = { xdp_adjust_meta: 54 } as const;
export type BpfHelper = keyof typeof BPF_FUNC;

/** Each helper's call, its arguments valid (r1 is the context on entry): adjust_meta(ctx, 0) moves nothing. */
const ARGUMENTS: Record<BpfHelper, readonly Instruction[]> = {
  xdp_adjust_meta: [movImmediate(2, 0)],
};

/** struct bpf_insn: code, dst_reg:4 | src_reg:4, off (s16), imm (s32); 8 bytes, little endian on x86 and arm64. */
type Instruction = readonly [code: number, registers: number, offset: number, immediate: number];

function movImmediate(register: number, value: number): Instruction {
  return [0xb7, register, 0, value]; // BPF_ALU64 | BPF_MOV | BPF_K
}

function encode(instructions: readonly Instruction[]): Uint8Array {
  const bytes = new Uint8Array(instructions.length * 8);
  const view = new DataView(bytes.buffer);
  instructions.forEach(([code, registers, offset, immediate], i) => {
    view.setUint8(i * 8, code);
    view.setUint8(i * 8 + 1, registers);
    view.setInt16(i * 8 + 2, offset, true);
    view.setInt32(i * 8 + 4, immediate, true);
  });
  return bytes;
}

/** The probe program: the helper's arguments, the call, then XDP_PASS. */
function probeProgram(helper: BpfHelper): Uint8Array {
  const XDP_PASS = 2;
  return encode([
    ...ARGUMENTS[helper],
    [0x85, 0, 0, BPF_FUNC[helper]], // BPF_JMP | BPF_CALL
    movImmediate(0, XDP_PASS),
    [0x95, 0, 0, 0], // BPF_JMP | BPF_EXIT
  ]);
}

/**
 * Whether an XDP program may call `helper` on the running kernel: one
 * program load each time asked (callers keep the answer: a kernel's helpers
 * do not change under it). A load refused for another reason (EPERM: no
 * CAP_BPF; ENOMEM) is a NativeError.
 */
export function xdpHelperAllowed(helper: BpfHelper): boolean {
  const program = probeProgram(helper);
  const fd = progLoad(BPF_PROG_TYPE_XDP, 'ringside_probe', 'GPL', program, program.length / 8, null);
  if (fd < 0 && -fd !== ERRNO.EINVAL) {
    const hint = -fd === ERRNO.EPERM ? 'loading BPF programs needs CAP_BPF' : undefined;
    throw new NativeError(`loading a probe of bpf_${helper}`, -fd, hint);
  }
  if (fd < 0) return false;
  rawSyscalls.close(fd);
  return true;
}
