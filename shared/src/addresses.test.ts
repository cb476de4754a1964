import { expect, it } from 'vitest';
import { describeAddress } from './addresses.ts';

it('in aligned mode 2048, 2050 and 3000 are one 2K chunk, as the spec says', () => {
  const meanings = [2048, 2050, 3000].map((address) => describeAddress(address, 2048, false));
  expect(meanings.map((meaning) => meaning.chunk)).toEqual([1, 1, 1]);
  expect(meanings.map((meaning) => meaning.effective)).toEqual([2048, 2048, 2048]);
  expect(meanings.map((meaning) => meaning.maskedBits)).toEqual([0, 2, 952]);
});

it('in unaligned mode the address is taken as given', () => {
  expect(describeAddress(3000, 2048, true)).toEqual({
    chunk: 1,
    chunkStart: 2048,
    effective: 3000,
    offset: 952,
    maskedBits: 0,
  });
});
