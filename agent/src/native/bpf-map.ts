import koffi from 'koffi';
import { checkNegativeErrno, NativeError } from './errors.ts';
import { libbpfLibrary as libbpf, bpfObjGetInfoByFd as objGetInfoByFd } from './libxdp.ts';

/**
 * libbpf's map calls (bpf/bpf.h, bpf/libbpf.h, libbpf 1.x). Keys and values
 * cross as raw bytes; agent/src/xdp/ gives them types. libbpf 1.x returns
 * -errno from every call here (and sets errno too).
 */

koffi.opaque('bpf_object');
koffi.opaque('bpf_map');

// struct bpf_map *bpf_object__find_map_by_name(const struct bpf_object *obj, const char *name);
const findMapByName = libbpf.func('bpf_map *bpf_object__find_map_by_name(const bpf_object *obj, const char *name)');
// int bpf_map__fd(const struct bpf_map *map); -EINVAL until the object is loaded.
const mapFd = libbpf.func('int bpf_map__fd(const bpf_map *map)');
const mapMaxEntries = libbpf.func('uint32_t bpf_map__max_entries(const bpf_map *map)');
const mapValueSize = libbpf.func('uint32_t bpf_map__value_size(const bpf_map *map)');
// int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags);
const updateElem = libbpf.func('int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)');
// int bpf_map_lookup_elem(int fd, const void *key, void *value);
const lookupElem = libbpf.func('int bpf_map_lookup_elem(int fd, const void *key, void *value)');
// int bpf_map_delete_elem(int fd, const void *key);
const deleteElem = libbpf.func('int bpf_map_delete_elem(int fd, const void *key)');
// int libbpf_num_possible_cpus(void); per-CPU maps hold one value per possible CPU, online or not.
const numPossibleCpus = libbpf.func('int libbpf_num_possible_cpus(void)');

/** include/uapi/linux/bpf.h: create the element or replace it. */
const BPF_ANY = 0;
const ENOENT = 2;

/** A map of a loaded BPF object, by fd. The fd belongs to the object: it closes with the program. */
export interface BpfMapHandle {
  name: string;
  fd: number;
  /** The map's id: global, as `bpftool map show id N` lists it. */
  id: number;
  maxEntries: number;
  valueSize: number;
}

/**
 * struct bpf_map_info begins { __u32 type; __u32 id; __u32 key_size; __u32 value_size; __u32 max_entries; ... }.
 * The kernel copies only as many bytes as we ask for, so the first words suffice.
 */
const MAP_INFO_PREFIX = 20;
const MAP_INFO_ID_OFFSET = 4;

function mapId(fd: number, name: string): number {
  const info = Buffer.alloc(MAP_INFO_PREFIX);
  checkNegativeErrno(`bpf_obj_get_info_by_fd (map ${name})`, objGetInfoByFd(fd, info, [MAP_INFO_PREFIX]));
  return info.readUInt32LE(MAP_INFO_ID_OFFSET);
}

/** Finds a map of a loaded object by its name in the C source. */
export function findMap(bpfObject: unknown, name: string): BpfMapHandle {
  const map = findMapByName(bpfObject, name);
  if (map === null) {
    throw new NativeError(`bpf_object__find_map_by_name(${name})`, ENOENT, 'the BPF object has no map of that name');
  }
  const fd = checkNegativeErrno(`bpf_map__fd(${name})`, mapFd(map), () => 'the BPF object is not loaded yet');
  return { name, fd, id: mapId(fd, name), maxEntries: mapMaxEntries(map), valueSize: mapValueSize(map) };
}

export function updateMapElement(map: BpfMapHandle, key: Buffer, value: Buffer): void {
  checkNegativeErrno(`bpf_map_update_elem (${map.name})`, updateElem(map.fd, key, value, BPF_ANY));
}

/** Returns false when there was no such key (ENOENT), which callers treat as already deleted. */
export function deleteMapElement(map: BpfMapHandle, key: Buffer): boolean {
  const result = deleteElem(map.fd, key);
  if (result === -ENOENT) return false;
  checkNegativeErrno(`bpf_map_delete_elem (${map.name})`, result);
  return true;
}

/** Reads one element into `value` (sized by the caller: per-CPU maps need one slot per possible CPU). */
export function lookupMapElement(map: BpfMapHandle, key: Buffer, value: Buffer): boolean {
  const result = lookupElem(map.fd, key, value);
  if (result === -ENOENT) return false;
  checkNegativeErrno(`bpf_map_lookup_elem (${map.name})`, result);
  return true;
}

let possibleCpus: number | null = null;

export function possibleCpuCount(): number {
  possibleCpus ??= checkNegativeErrno('libbpf_num_possible_cpus', numPossibleCpus());
  return possibleCpus;
}

/** Per-CPU values are laid out one per CPU, each rounded up to 8 bytes (the kernel's bpf_percpu copy rule). */
export function perCpuValueStride(valueSize: number): number {
  return Math.ceil(valueSize / 8) * 8;
}
