import { describe, expect, it } from 'vitest';
import { cellOrigin, frameAtPoint, layoutGrid, moveCursor, reconcileOwners } from './umem-grid.ts';

describe('laying out the UMEM map', () => {
  it('fits 16k frames into the area with the largest whole cells', () => {
    const grid = layoutGrid(16384, 960, 380);
    expect(grid.columns * grid.rows).toBeGreaterThanOrEqual(16384);
    expect(grid.height).toBeLessThanOrEqual(380);
    expect(grid.width).toBeLessThanOrEqual(960);
    expect(layoutGrid(16384, 960, 1000).cell).toBeGreaterThan(grid.cell);
  });

  it('finds the frame under a point and the cell of a frame, agreeing both ways', () => {
    const grid = layoutGrid(4096, 800, 400);
    for (const frame of [0, 1, grid.columns, 4095]) {
      const { x, y } = cellOrigin(grid, frame);
      expect(frameAtPoint(grid, x + grid.cell / 2, y + grid.cell / 2)).toBe(frame);
    }
    expect(frameAtPoint(grid, -1, 0)).toBeNull();
    expect(frameAtPoint(grid, grid.width, 0)).toBeNull();
  });

  it('has no frame in the empty tail of the last row', () => {
    // 11 frames in 40 px: two 18-px columns, six rows, the last holding frame 10 alone.
    const grid = layoutGrid(11, 40, 400);
    expect(grid).toMatchObject({ cell: 18, columns: 2, rows: 6 });
    expect(frameAtPoint(grid, 1, 5 * 18 + 1)).toBe(10);
    expect(frameAtPoint(grid, 18 + 1, 5 * 18 + 1)).toBeNull();
  });
});

describe('repainting only what changed', () => {
  it('paints every frame the first time and counts each owner', () => {
    const owners = Uint8Array.from([0, 1, 1, 3]);
    const drawn = new Uint8Array(4).fill(255);
    const counts = new Uint32Array(9);
    const painted: number[] = [];
    expect(reconcileOwners(owners, drawn, counts, (frame) => painted.push(frame))).toBe(4);
    expect(painted).toEqual([0, 1, 2, 3]);
    expect(Array.from(counts.slice(0, 4))).toEqual([1, 2, 0, 1]);
  });

  it('paints only frames whose owner changed, and counts all of them', () => {
    const drawn = Uint8Array.from([0, 1, 1, 3]);
    const counts = new Uint32Array(9);
    const painted: [number, number][] = [];
    const n = reconcileOwners(Uint8Array.from([0, 1, 4, 3]), drawn, counts, (frame, owner) =>
      painted.push([frame, owner]),
    );
    expect(n).toBe(1);
    expect(painted).toEqual([[2, 4]]);
    expect(Array.from(drawn)).toEqual([0, 1, 4, 3]);
    expect(counts[1]).toBe(1);
    expect(counts[4]).toBe(1);
    expect(reconcileOwners(Uint8Array.from([0, 1, 4, 3]), drawn, counts, () => {})).toBe(0);
  });
});

describe('the keyboard cursor on the map', () => {
  // 10 frames in rows of 4: 0-3, 4-7, 8-9.
  const grid = { frames: 10, columns: 4, rows: 3, cell: 10, gap: 1, width: 40, height: 30 };

  it('moves one cell with the arrows and stops at the edges', () => {
    expect(moveCursor(grid, 5, 'ArrowRight')).toBe(6);
    expect(moveCursor(grid, 7, 'ArrowRight')).toBe(7);
    expect(moveCursor(grid, 4, 'ArrowLeft')).toBe(4);
    expect(moveCursor(grid, 5, 'ArrowUp')).toBe(1);
    expect(moveCursor(grid, 1, 'ArrowUp')).toBe(1);
    expect(moveCursor(grid, 5, 'ArrowDown')).toBe(9);
    expect(moveCursor(grid, 6, 'ArrowDown')).toBe(6);
    expect(moveCursor(grid, 9, 'ArrowRight')).toBe(9);
  });

  it('jumps to the ends and ignores other keys', () => {
    expect(moveCursor(grid, 5, 'Home')).toBe(0);
    expect(moveCursor(grid, 5, 'End')).toBe(9);
    expect(moveCursor(grid, 5, 'PageDown')).toBe(9);
    expect(moveCursor(grid, 5, 'PageUp')).toBe(1);
    expect(moveCursor(grid, 5, 'x')).toBeNull();
  });
});
