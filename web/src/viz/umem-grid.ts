/**
 * The UMEM map's layout: frames left to right, top to bottom, in square cells
 * as large as the available area allows. Pure arithmetic, so hit-testing and
 * painting agree on where each frame is.
 */
export interface UmemGrid {
  frames: number;
  columns: number;
  rows: number;
  /** Cell pitch in CSS pixels, gap included. */
  cell: number;
  /** Gap between cells; 0 once cells are too small to spare a pixel. */
  gap: number;
  width: number;
  height: number;
}

const MIN_CELL = 2;
const MAX_CELL = 18;

/** The largest cells that fit `frames` into `width` × `maxHeight`, never below MIN_CELL (then the map grows taller). */
export function layoutGrid(frames: number, width: number, maxHeight: number): UmemGrid {
  const n = Math.max(1, frames);
  let cell = Math.floor(Math.sqrt((width * maxHeight) / n));
  cell = Math.max(MIN_CELL, Math.min(MAX_CELL, cell));
  // Shrink until the rows fit, since whole columns waste part of the width.
  while (cell > MIN_CELL && Math.ceil(n / Math.floor(width / cell)) * cell > maxHeight) cell--;
  const columns = Math.max(1, Math.floor(width / cell));
  const rows = Math.ceil(n / columns);
  return {
    frames: n,
    columns,
    rows,
    cell,
    gap: cell >= 6 ? 1 : 0,
    width: columns * cell,
    height: rows * cell,
  };
}

/** The frame under a point, or null off the map. */
export function frameAtPoint(grid: UmemGrid, x: number, y: number): number | null {
  if (x < 0 || y < 0 || x >= grid.width || y >= grid.height) return null;
  const frame = Math.floor(y / grid.cell) * grid.columns + Math.floor(x / grid.cell);
  return frame < grid.frames ? frame : null;
}

/** Top-left corner of a frame's cell. */
export function cellOrigin(grid: UmemGrid, frame: number): { x: number; y: number } {
  return { x: (frame % grid.columns) * grid.cell, y: Math.floor(frame / grid.columns) * grid.cell };
}

/**
 * Brings `drawn` (what the canvas shows) up to `owners`, calling `paint` for
 * each frame that differs, and counts frames per owner on the way. Returns how
 * many frames were painted: a snapshot that moved nothing paints nothing.
 */
export function reconcileOwners(
  owners: Uint8Array,
  drawn: Uint8Array,
  counts: Uint32Array,
  paint: (frame: number, owner: number) => void,
): number {
  counts.fill(0);
  let painted = 0;
  for (let i = 0; i < owners.length; i++) {
    const owner = owners[i] as number;
    counts[owner] = (counts[owner] as number) + 1;
    if (drawn[i] !== owner) {
      drawn[i] = owner;
      paint(i, owner);
      painted++;
    }
  }
  return painted;
}

/**
 * Where a keyboard cursor on the map goes for `key`: arrows by one cell,
 * Page Up/Down by ten rows, Home/End to the first and last frame. Stops at
 * the map's edges. Null for a key that does not move it.
 */
export function moveCursor(grid: UmemGrid, frame: number, key: string): number | null {
  const last = grid.frames - 1;
  const column = frame % grid.columns;
  const clamp = (to: number) => Math.max(0, Math.min(last, to));
  switch (key) {
    case 'ArrowLeft':
      return column === 0 ? frame : frame - 1;
    case 'ArrowRight':
      return column === grid.columns - 1 ? frame : clamp(frame + 1);
    case 'ArrowUp':
      return frame - grid.columns >= 0 ? frame - grid.columns : frame;
    case 'ArrowDown':
      return frame + grid.columns <= last ? frame + grid.columns : frame;
    case 'PageUp':
      return frame - 10 * grid.columns >= 0 ? frame - 10 * grid.columns : column;
    case 'PageDown':
      return clamp(frame + 10 * grid.columns);
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return null;
  }
}
