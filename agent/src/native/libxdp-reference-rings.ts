import koffi from 'koffi';
import { mapAnonymous, unmap, viewAt } from './libc.ts';
import { libxdpLibrary } from './libxdp.ts';
import { XskRing } from './structs.ts';

/**
 * libxdp's own ring helpers, which libxdp 1.3 exports as symbols. Only tests
 * use them: they are the reference xsk/ring.ts is checked against.
 */
const libxdp = libxdpLibrary;
const prodReserve = libxdp.func('uint32_t xsk_ring_prod__reserve(void *prod, uint32_t nb, _Out_ uint32_t *idx)');
const prodSubmit = libxdp.func('void xsk_ring_prod__submit(void *prod, uint32_t nb)');
const prodNbFree = libxdp.func('uint32_t xsk_prod_nb_free(void *prod, uint32_t nb)');
const consPeek = libxdp.func('uint32_t xsk_ring_cons__peek(void *cons, uint32_t nb, _Out_ uint32_t *idx)');
const consRelease = libxdp.func('void xsk_ring_cons__release(void *cons, uint32_t nb)');
const consCancel = libxdp.func('void xsk_ring_cons__cancel(void *cons, uint32_t nb)');

const PRODUCER = 0;
const CONSUMER = 64;
const FLAGS = 128;
const ENTRIES = 256;
const PAGE = 4096;

/** A ring in native memory, driven by libxdp's functions; the test moves the kernel's word by hand. */
export class ReferenceRing {
  private readonly struct = koffi.alloc(XskRing, 1);
  private readonly address: number;
  private readonly words: Uint32Array;

  constructor(
    readonly size: number,
    readonly side: 'producer' | 'consumer',
    start: number,
  ) {
    this.address = mapAnonymous(PAGE);
    this.words = new Uint32Array(viewAt(this.address, ENTRIES));
    this.words[PRODUCER / 4] = start;
    this.words[CONSUMER / 4] = start;
    // As libxdp initialises its rings after mmap: a producer's cached consumer runs one ring ahead.
    koffi.encode(this.struct, XskRing, {
      cached_prod: start,
      cached_cons: side === 'producer' ? (start + size) >>> 0 : start,
      mask: size - 1,
      size,
      producer: this.address + PRODUCER,
      consumer: this.address + CONSUMER,
      ring: this.address + ENTRIES,
      flags: this.address + FLAGS,
    });
  }

  reserve(count: number): { reserved: number; index: number } {
    const index = [0];
    const reserved = prodReserve(this.struct, count, index) as number;
    return { reserved, index: index[0] as number };
  }

  submit(count: number): void {
    prodSubmit(this.struct, count);
  }

  freeEntries(wanted: number): number {
    return prodNbFree(this.struct, wanted);
  }

  peek(max: number): { entries: number; index: number } {
    const index = [0];
    const entries = consPeek(this.struct, max, index) as number;
    return { entries, index: index[0] as number };
  }

  release(count: number): void {
    consRelease(this.struct, count);
  }

  cancel(count: number): void {
    consCancel(this.struct, count);
  }

  /** The kernel's side: what it consumed (of a producer ring) or produced (into a consumer ring). */
  advanceKernel(count: number): void {
    const word = this.side === 'producer' ? CONSUMER / 4 : PRODUCER / 4;
    this.words[word] = ((this.words[word] as number) + count) >>> 0;
  }

  state() {
    const fields = koffi.decode(this.struct, XskRing) as { cached_prod: number; cached_cons: number };
    return {
      producer: this.words[PRODUCER / 4] as number,
      consumer: this.words[CONSUMER / 4] as number,
      cachedProducer: fields.cached_prod,
      cachedConsumer: fields.cached_cons,
    };
  }

  free(): void {
    koffi.free(this.struct);
    unmap(this.address, PAGE);
  }
}
