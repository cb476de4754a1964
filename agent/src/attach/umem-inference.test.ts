import { describe, expect, it } from 'vitest';
import { ALIGNED_EVIDENCE, inferUmem } from './umem-inference.ts';

const chunks = (count: number, size: number, first = 0) =>
  new Set(Array.from({ length: count }, (_, i) => (first + i) * size));

describe('a foreign UMEM read from its rings', () => {
  it('knows 2048-byte chunks from one FILL address at an odd multiple of 2048', () => {
    const inference = inferUmem(new Set([0, 4096, 2048 * 7]), 2048 * 4095 + 256);
    expect(inference).toMatchObject({ chunkSize: 2048, framesAtLeast: 4096 });
    expect(inference.note).toMatch(/^inferred/);
  });

  it('takes 4096-byte chunks once enough FILL addresses all fall on 4096', () => {
    expect(inferUmem(chunks(ALIGNED_EVIDENCE, 4096), 4096 * 1023)).toMatchObject({
      chunkSize: 4096,
      framesAtLeast: 1024,
    });
    const tooFew = inferUmem(chunks(ALIGNED_EVIDENCE - 1, 4096), 4096 * 1023);
    expect(tooFew).toMatchObject({ chunkSize: null, framesAtLeast: 0 });
    expect(tooFew.note).toMatch(/too few/);
  });

  it('gives up in unaligned mode, where FILL addresses fall between chunk boundaries', () => {
    const inference = inferUmem(new Set([0, 2048, 3000]), 9000);
    expect(inference).toMatchObject({ chunkSize: null, framesAtLeast: 0 });
    expect(inference.note).toMatch(/unaligned/);
  });

  it('counts no frames when no ring holds an address', () => {
    expect(inferUmem(new Set([2048]), -1)).toMatchObject({ chunkSize: 2048, framesAtLeast: 0 });
  });
});
