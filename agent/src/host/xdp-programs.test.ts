import { describe, expect, it } from 'vitest';
import { factsOf } from './xdp-programs.ts';

/** bpftool -j batch's answer: one { command, output } per question (bpftool v7.1). */
function answer(program: object, maps: object[]): string {
  return JSON.stringify([
    { command: ['prog', 'show', 'id', '7'], output: program },
    { command: ['map', 'show'], output: maps },
  ]);
}

const map = (id: number, type: string, name: string, maxEntries: number) => ({
  id,
  type,
  name,
  flags: 0,
  max_entries: maxEntries,
});

describe('factsOf', () => {
  it("takes the program's own XSKMAP out of every map the kernel lists", () => {
    const maps = [
      map(3, 'xskmap', 'other_xsks', 2),
      map(4, 'array', 'by_queue.data', 1),
      map(5, 'xskmap', 'xsks_map', 64),
    ];
    expect(factsOf(answer({ id: 7, type: 'xdp', name: 'ringside_by_queue', map_ids: [5, 4] }, maps))).toEqual({
      id: 7,
      name: 'ringside_by_queue',
      xskmap: { id: 5, name: 'xsks_map', maxEntries: 64 },
    });
  });

  it('says a program redirects through no XSKMAP when none of its maps is one', () => {
    const maps = [map(3, 'xskmap', 'other_xsks', 2), map(4, 'array', 'drop_half.data', 1)];
    expect(factsOf(answer({ id: 7, type: 'xdp', name: 'drop_half', map_ids: [4] }, maps)).xskmap).toBeNull();
    expect(factsOf(answer({ id: 7, type: 'xdp' }, maps))).toEqual({ id: 7, name: '', xskmap: null });
  });
});
