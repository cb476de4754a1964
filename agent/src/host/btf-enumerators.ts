import { readFileSync } from 'node:fs';

/**
 * Which uapi enumerators the running kernel was built with, read from its
 * own BTF (/sys/kernel/btf/vmlinux): a netlink attribute the kernel puts is an
 * enumerator of its family's uapi enum, so the BTF answers "does this kernel
 * report X" without guessing from its version (a distribution's kernel may
 * carry a feature back, or leave it out). native/kernel-btf.ts asks libbpf
 * for functions by name; libbpf exports no lookup of an enumerator, whose
 * name is a member's, so this walk reads the file itself.
 */

const BTF_MAGIC = 0xeb9f;
/** include/uapi/linux/btf.h: the kinds whose members are enumerators. */
const BTF_KIND_ENUM = 6;
const BTF_KIND_ENUM64 = 19;
const TYPE_HEADER = 12;

/**
 * The bytes each kind carries after its 12-byte btf_type, for `vlen`
 * members (include/uapi/linux/btf.h). A kind not listed cannot be stepped
 * over: the walk stops there rather than read members as types.
 */
function trailerLength(kind: number, vlen: number): number | null {
  switch (kind) {
    case 1: // INT: its encoding word
    case 14: // VAR: its linkage
    case 17: // DECL_TAG: its component index
      return 4;
    case 3: // ARRAY: struct btf_array
      return 12;
    case 4: // STRUCT
    case 5: // UNION: struct btf_member each
    case 15: // DATASEC: struct btf_var_secinfo each
    case BTF_KIND_ENUM64: // struct btf_enum64 each
      return 12 * vlen;
    case BTF_KIND_ENUM: // struct btf_enum each
    case 13: // FUNC_PROTO: struct btf_param each
      return 8 * vlen;
    case 2: // PTR
    case 7: // FWD
    case 8: // TYPEDEF
    case 9: // VOLATILE
    case 10: // CONST
    case 11: // RESTRICT
    case 12: // FUNC
    case 16: // FLOAT
    case 18: // TYPE_TAG
      return 0;
    default:
      return null;
  }
}

/**
 * Which of `names` are enumerators of an enum in the raw BTF `btf`. Throws
 * where the bytes are not BTF, or hold a kind this walk does not know (a
 * newer BTF): no answer is better than one read from the wrong offsets.
 */
export function enumeratorsIn(btf: Uint8Array, names: readonly string[]): Set<string> {
  const view = new DataView(btf.buffer, btf.byteOffset, btf.byteLength);
  if (btf.byteLength < 24) throw new Error('not BTF: shorter than its header');
  // BTF is in its writer's byte order, which the magic shows.
  const little = view.getUint16(0, true) === BTF_MAGIC;
  if (!little && view.getUint16(0, false) !== BTF_MAGIC) throw new Error('not BTF: no 0xeB9F magic');
  const u32 = (offset: number) => view.getUint32(offset, little);
  const headerLength = u32(4);
  const typesStart = headerLength + u32(8);
  const typesEnd = typesStart + u32(12);
  const stringsStart = headerLength + u32(16);
  const stringsEnd = stringsStart + u32(20);
  if (typesEnd > btf.byteLength || stringsEnd > btf.byteLength) throw new Error('not BTF: sections past its end');

  // Each name's offset in the string section, where a member names it. The section starts with the empty
  // string, so every name has a NUL on both sides.
  const wanted = new Map<number, string>();
  const strings = Buffer.from(btf.buffer, btf.byteOffset + stringsStart, stringsEnd - stringsStart);
  for (const name of names) {
    const needle = Buffer.from(`\0${name}\0`);
    for (let at = strings.indexOf(needle); at >= 0; at = strings.indexOf(needle, at + 1)) wanted.set(at + 1, name);
  }
  const found = new Set<string>();
  if (wanted.size === 0) return found;

  for (let at = typesStart; at + TYPE_HEADER <= typesEnd; ) {
    const info = u32(at + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const trailer = trailerLength(kind, vlen);
    if (trailer === null) throw new Error(`BTF kind ${kind} unknown here: cannot step over it`);
    if (kind === BTF_KIND_ENUM || kind === BTF_KIND_ENUM64) {
      const memberSize = kind === BTF_KIND_ENUM ? 8 : 12;
      for (let member = 0; member < vlen; member++) {
        const name = wanted.get(u32(at + TYPE_HEADER + member * memberSize));
        if (name !== undefined) found.add(name);
      }
    }
    at += TYPE_HEADER + trailer;
  }
  return found;
}

const KERNEL_BTF = '/sys/kernel/btf/vmlinux';
const answers = new Map<string, boolean | null>();

/**
 * Whether the running kernel has the enumerator `name` (NETDEV_A_QUEUE_XSK,
 * say); null where it cannot say: no BTF (CONFIG_DEBUG_INFO_BTF off), or one
 * this walk cannot read. The kernel does not change under a running agent:
 * each answer is read once.
 */
export function kernelHasEnumerator(name: string): boolean | null {
  const known = answers.get(name);
  if (known !== undefined) return known;
  let answer: boolean | null;
  try {
    answer = enumeratorsIn(readFileSync(KERNEL_BTF), [name]).has(name);
  } catch {
    answer = null;
  }
  answers.set(name, answer);
  return answer;
}
