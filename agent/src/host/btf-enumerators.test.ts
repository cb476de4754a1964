import { describe, expect, it } from 'vitest';
import { enumeratorsIn } from './btf-enumerators.ts';

/**
 * A BTF blob as the kernel lays it out (include/uapi/linux/btf.h): header,
 * types, strings. Each type is its btf_type words followed by its kind's
 * words; names are string offsets.
 */
function blob(strings: readonly string[], types: readonly number[][], littleEndian = true): Uint8Array {
  const table = `\0${strings.join('\0')}\0`;
  const words = types.flat();
  const typeBytes = words.length * 4;
  const stringBytes = Buffer.byteLength(table);
  const bytes = new Uint8Array(24 + typeBytes + stringBytes);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0xeb9f, littleEndian);
  view.setUint8(2, 1);
  for (const [i, value] of [24, 0, typeBytes, typeBytes, stringBytes].entries())
    view.setUint32(4 + 4 * i, value, littleEndian);
  for (const [i, word] of words.entries()) view.setUint32(24 + 4 * i, word, littleEndian);
  bytes.set(Buffer.from(table), 24 + typeBytes);
  return bytes;
}

const info = (kind: number, vlen: number) => ((kind << 24) | vlen) >>> 0;
const STRINGS = [
  'int',
  'pair',
  'first',
  'second',
  'fn',
  'arg',
  'netdev_a_queue',
  'NETDEV_A_QUEUE_ID',
  'NETDEV_A_QUEUE_XSK',
  'big',
  'BIG_ZERO',
  'BIG_ONE',
  'counts',
  'NOT_AN_ENUMERATOR',
];

/** One type of each shape the walk steps over, then the enums, so that a wrong step loses them. */
function kernelLike(strings = STRINGS): number[][] {
  const at = (name: string) => `\0${strings.join('\0')}\0`.indexOf(`\0${name}\0`) + 1;
  return [
    [at('int'), info(1, 0), 4, 0x01000020], // INT: one encoding word
    [0, info(2, 0), 1], // PTR
    [0, info(3, 0), 0, 1, 1, 8], // ARRAY: btf_array
    [at('pair'), info(4, 2), 8, at('first'), 1, 0, at('NOT_AN_ENUMERATOR'), 1, 32], // STRUCT: two members
    [0, info(13, 1), 1, at('arg'), 1], // FUNC_PROTO: one param
    [at('fn'), info(12, 0), 5], // FUNC
    [at('counts'), info(14, 0), 1, 1], // VAR: linkage
    [at('netdev_a_queue'), info(6, 2), 4, at('NETDEV_A_QUEUE_ID'), 1, at('NETDEV_A_QUEUE_XSK'), 7], // ENUM
    [at('big'), info(19, 2), 8, at('BIG_ZERO'), 0, 0, at('BIG_ONE'), 1, 0], // ENUM64: two enumerators
  ];
}

describe('enumeratorsIn', () => {
  it('finds enumerators of enums and 64-bit enums behind every kind of type it steps over', () => {
    const found = enumeratorsIn(blob(STRINGS, kernelLike()), [
      'NETDEV_A_QUEUE_XSK',
      'BIG_ONE',
      'NETDEV_A_QUEUE_DMABUF',
    ]);
    expect([...found].sort()).toEqual(['BIG_ONE', 'NETDEV_A_QUEUE_XSK']);
  });

  it('does not take a struct member, or a string no enum names, for an enumerator', () => {
    expect(enumeratorsIn(blob(STRINGS, kernelLike()), ['NOT_AN_ENUMERATOR', 'netdev_a_queue', 'first']).size).toBe(0);
  });

  it('reads BTF written big-endian too', () => {
    expect(enumeratorsIn(blob(STRINGS, kernelLike(), false), ['NETDEV_A_QUEUE_XSK']).has('NETDEV_A_QUEUE_XSK')).toBe(
      true,
    );
  });

  it('refuses bytes that are not BTF, and a kind it cannot step over', () => {
    expect(() => enumeratorsIn(new Uint8Array(24), ['X'])).toThrow(/no 0xeB9F magic/);
    const unknown = [[0, info(31, 0), 0], ...kernelLike()];
    expect(() => enumeratorsIn(blob(STRINGS, unknown), ['NETDEV_A_QUEUE_XSK'])).toThrow(/kind 31 unknown/);
  });
});
