import koffi from 'koffi';
import { ERRNO, NativeError } from './errors.ts';
import { mapMemory, rawSyscalls, setIntSocketOption, unmap } from './libc.ts';
import { libxdpLibrary, type NativeRing, type NativeUmem } from './libxdp.ts';
import { XskRing } from './structs.ts';
import {
  AF_XDP,
  MAP_POPULATE,
  MAP_SHARED,
  PROT_READ,
  PROT_WRITE,
  SOCK_CLOEXEC,
  SOCK_RAW,
  SOL_XDP,
  XDP_UMEM_COMPLETION_RING,
  XDP_UMEM_FILL_RING,
  XDP_UMEM_REG,
} from './uapi.ts';
import { encodeUmemRegistration, type UmemLayout } from './umem-probe.ts';
import { RING_ENTRY_BYTES, RING_PAGE_OFFSET, readMmapOffsets } from './xsk-mapping.ts';

/**
 * A UMEM with TX metadata under libxdp 1.3, whose xsk_umem_config predates
 * tx_metadata_len: libxdp registers the UMEM without it, then this module
 * registers the same memory again on a socket of its own, with
 * tx_metadata_len and its flags, gives it FILL and COMPLETION rings, and
 * puts that socket at libxdp's UMEM fd (dup3) and its rings in libxdp's ring
 * structs. libxdp then binds, shares and deletes the UMEM through that fd as
 * its own: it keeps no other trace of the first registration, and its delete
 * unmaps the rings at the offsets the new socket reports, which are the same.
 */

const umemFd = libxdpLibrary.func('int xsk_umem__fd(const xsk_umem *umem)');
const { socket, close, setsockopt, dup3 } = rawSyscalls;

interface Mapping {
  address: number;
  length: number;
}

export interface TxMetadataRegistration {
  area: number;
  size: number;
  layout: UmemLayout;
  fillSize: number;
  completionSize: number;
}

function check(result: number, operation: string): void {
  if (result < 0) throw new NativeError(operation, koffi.errno());
}

/** Replaces libxdp's registration of `umem` with one carrying the layout's TX metadata; the UMEM has no socket yet. */
export function registerWithTxMetadata(umem: NativeUmem, registration: TxMetadataRegistration): void {
  const fd = umemFd(umem.handle) as number;
  const offsets = readMmapOffsets(fd);
  if (!offsets) throw new Error(`libxdp's UMEM fd ${fd} is not an AF_XDP socket`);
  const replacement = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  check(replacement, 'socket(AF_XDP)');
  const mapped: Mapping[] = [];
  try {
    const { layout } = registration;
    const reg = encodeUmemRegistration(registration.area, registration.size, layout);
    if (setsockopt(replacement, SOL_XDP, XDP_UMEM_REG, reg, reg.length) < 0) {
      const errno = koffi.errno();
      const what = `tx_metadata_len ${layout.txMetadataLength}${layout.swChecksum ? ' with XDP_UMEM_TX_SW_CSUM' : ''}`;
      const hint =
        errno === ERRNO.EINVAL ? `the kernel refused ${what}: see the TX metadata lengths probed at start` : undefined;
      throw new NativeError(`XDP_UMEM_REG with ${what}`, errno, hint);
    }
    const rings = [
      { name: 'fill', ring: umem.fill, size: registration.fillSize, option: XDP_UMEM_FILL_RING },
      {
        name: 'completion',
        ring: umem.completion,
        size: registration.completionSize,
        option: XDP_UMEM_COMPLETION_RING,
      },
    ] as const;
    for (const { name, size, option } of rings) {
      setIntSocketOption(replacement, SOL_XDP, option, size, `${name} ring size`);
      const length = offsets[name].desc + size * RING_ENTRY_BYTES[name];
      const address = mapMemory(
        length,
        PROT_READ | PROT_WRITE,
        MAP_SHARED | MAP_POPULATE,
        replacement,
        RING_PAGE_OFFSET[name],
      );
      if (address === null) throw new NativeError(`mmap of the ${name} ring`, koffi.errno());
      mapped.push({ address, length });
    }
    // dup3 takes O_CLOEXEC, which is SOCK_CLOEXEC's value (include/linux/net.h defines one as the other).
    check(dup3(replacement, fd, SOCK_CLOEXEC), 'dup3');
    // From here libxdp's fd is the new socket: its old rings go, the new ones take their place.
    rings.forEach(({ name, ring, size }, i) => {
      const old = ring.layout();
      unmap(old.descs - offsets[name].desc, offsets[name].desc + size * RING_ENTRY_BYTES[name]);
      pointRingAt(ring, (mapped[i] as Mapping).address, offsets[name], size, name === 'fill' ? size : 0);
    });
    mapped.length = 0;
  } finally {
    for (const { address, length } of mapped) unmap(address, length);
    close(replacement);
  }
}

/** Fills in libxdp's xsk_ring_prod/cons for a ring mapped at `base`, as xsk_umem__create does. */
function pointRingAt(
  ring: NativeRing,
  base: number,
  offsets: { producer: number; consumer: number; desc: number; flags: number },
  size: number,
  cachedConsumer: number,
): void {
  koffi.encode(ring.pointer, XskRing, {
    cached_prod: 0,
    cached_cons: cachedConsumer,
    mask: size - 1,
    size,
    producer: base + offsets.producer,
    consumer: base + offsets.consumer,
    ring: base + offsets.desc,
    flags: base + offsets.flags,
  });
}
