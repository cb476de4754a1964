import koffi from 'koffi';
import { NativeError } from './errors.ts';
import { libbpfGetError as getError, libbpfLibrary as libbpf } from './libxdp.ts';

/**
 * The running kernel's own BTF (/sys/kernel/btf/vmlinux), through libbpf
 * (bpf/btf.h): a kfunc is in the kernel when its BTF names a FUNC of that
 * name, which is what libbpf resolves a program's __ksym calls against.
 */

koffi.opaque('btf');

// struct btf *btf__load_vmlinux_btf(void);
const loadVmlinuxBtf = libbpf.func('btf *btf__load_vmlinux_btf(void)');
// __s32 btf__find_by_name_kind(const struct btf *btf, const char *type_name, __u32 kind); -ENOENT when absent.
const findByNameKind = libbpf.func(
  'int32_t btf__find_by_name_kind(const btf *btf, const char *type_name, uint32_t kind)',
);
// void btf__free(struct btf *btf);
const free = libbpf.func('void btf__free(btf *btf)');

/** include/uapi/linux/btf.h */
const BTF_KIND_FUNC = 12;

/**
 * Which of `names` the running kernel's BTF has as functions. A kernel
 * without BTF (CONFIG_DEBUG_INFO_BTF off) is a NativeError: it can load no
 * program that calls a kfunc either.
 */
export function kernelFunctionsPresent<Name extends string>(names: readonly Name[]): Record<Name, boolean> {
  const btf = loadVmlinuxBtf();
  const error = Number(getError(btf));
  if (error !== 0) {
    throw new NativeError('btf__load_vmlinux_btf', -error, 'the kernel has no BTF (CONFIG_DEBUG_INFO_BTF)');
  }
  try {
    return Object.fromEntries(names.map((name) => [name, findByNameKind(btf, name, BTF_KIND_FUNC) > 0])) as Record<
      Name,
      boolean
    >;
  } finally {
    free(btf);
  }
}
