import { describe, expect, it } from 'vitest';
import { ringExtent, ringSizeFromMapping } from './ring-extent.ts';

// x86_64 offsets as XDP_MMAP_OFFSETS reports them on 6.x: the descriptors start after
// the producer, consumer and flags cache lines.
const RX_DESC = 0x100;
const FILL_DESC = 0x100;
const PAGE = 4096;

describe('ringExtent', () => {
  it('names one count once the entries fill more than a page', () => {
    // 2048 RX descriptors of 16 bytes: 32 KiB of entries plus the header -> 9 pages.
    expect(ringExtent(9 * PAGE, RX_DESC, 16, PAGE)).toEqual({ candidates: [2048], exact: true });
    // 4096 FILL addresses of 8 bytes: 32 KiB plus the header -> 9 pages.
    expect(ringExtent(9 * PAGE, FILL_DESC, 8, PAGE)).toEqual({ candidates: [4096], exact: true });
  });

  it('lists every count a small ring could have', () => {
    // 64 descriptors take 1 KiB: any count from 1 to 128 fits in one page with the header.
    const extent = ringExtent(PAGE, RX_DESC, 16, PAGE);
    expect(extent.exact).toBe(false);
    expect(extent.candidates).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
  });

  it('finds none for a length no ring allocates (512 entries take 3 pages, 1024 take 5)', () => {
    expect(ringExtent(4 * PAGE, RX_DESC, 16, PAGE)).toEqual({ candidates: [], exact: false });
  });

  it('states a ring the kernel refuses to map at all as absent, and one it maps as present', () => {
    expect(ringSizeFromMapping(0, RX_DESC, 16, PAGE)).toEqual({
      candidates: [],
      exact: true,
      present: false,
      source: 'mmap-probe',
    });
    expect(ringSizeFromMapping(9 * PAGE, RX_DESC, 16, PAGE)).toEqual({
      candidates: [2048],
      exact: true,
      present: true,
      source: 'mmap-probe',
    });
  });
});
