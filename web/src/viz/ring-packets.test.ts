import { describe, expect, it } from 'vitest';
import { packetMark } from './ring-packets.ts';

const SLOT = (2 * Math.PI) / 8;
const TWELVE = -Math.PI / 2;

describe('a multi-buffer packet’s mark on a ring', () => {
  it('spans its slots clockwise from twelve o’clock, a little short of each end, labelled with its count', () => {
    const mark = packetMark({ slot: 2, count: 3, complete: true }, 8);
    expect(mark.from).toBeCloseTo(TWELVE + 2.25 * SLOT);
    expect(mark.to).toBeCloseTo(TWELVE + 4.75 * SLOT);
    expect(mark).toMatchObject({ label: '3', open: false });
  });

  it('runs on past slot 0 when the packet wraps round the ring’s end', () => {
    const mark = packetMark({ slot: 7, count: 3, complete: true }, 8);
    expect(mark.to).toBeGreaterThan(mark.from);
    expect(mark.to - mark.from).toBeCloseTo(2.5 * SLOT);
  });

  it('is open, and says more is coming, while the packet is still arriving', () => {
    expect(packetMark({ slot: 0, count: 2, complete: false }, 8)).toMatchObject({ label: '2+', open: true });
  });
});
