import type { FrameOwner } from '@ringside/shared';

/**
 * Ownership told by pattern as well as by colour: nine hues are too many to
 * tell apart for a reader with a colour vision deficiency (or on a projector),
 * so each owner also has a mark drawn over its colour, the same in the map's
 * cells and in the legend's swatches. Free frames, the majority at rest, stay
 * plain.
 */
export type Pattern =
  | 'plain'
  | 'horizontal'
  | 'vertical'
  | 'rising'
  | 'falling'
  | 'dots'
  | 'grid'
  | 'checker'
  | 'frame'
  | 'cross';

export const OWNER_PATTERNS = {
  free: 'plain',
  fill: 'horizontal',
  'kernel-rx': 'rising',
  rx: 'vertical',
  app: 'dots',
  tx: 'falling',
  'kernel-tx': 'grid',
  completion: 'checker',
  'other-socket': 'frame',
  'application-held': 'cross',
} as const satisfies Record<FrameOwner, Pattern>;

/** Below this many device pixels a side, a cell is too small for a mark to read: colour alone. */
export const MIN_PATTERN_SIDE = 5;

/** Mark spacing in device pixels: three keeps two stripes inside the smallest cell that shows one. */
const PERIOD = 3;

function marked(pattern: Pattern, x: number, y: number, side: number): boolean {
  switch (pattern) {
    case 'plain':
      return false;
    case 'horizontal':
      return y % PERIOD === 1;
    case 'vertical':
      return x % PERIOD === 1;
    case 'rising':
      return (x + y) % PERIOD === 0;
    case 'falling':
      return (x - y + PERIOD * side) % PERIOD === 0;
    case 'dots':
      return x % PERIOD === 1 && y % PERIOD === 1;
    case 'grid':
      return x % PERIOD === 1 || y % PERIOD === 1;
    case 'checker':
      return ((x >> 1) + (y >> 1)) % 2 === 0;
    case 'frame':
      return x === 0 || y === 0 || x === side - 1 || y === side - 1;
    case 'cross':
      return x === y || x + y === side - 1;
  }
}

/**
 * Which pixels of a square cell of `side` device pixels carry the pattern's
 * mark, row by row; null when nothing is marked (a plain pattern, or a cell
 * too small).
 */
export function patternMask(pattern: Pattern, side: number): Uint8Array | null {
  if (pattern === 'plain' || side < MIN_PATTERN_SIDE) return null;
  const mask = new Uint8Array(side * side);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) mask[y * side + x] = marked(pattern, x, y, side) ? 1 : 0;
  return mask;
}

/** The mark's colour over an owner's colour: darker over a light colour, lighter over a dark one. */
export function inkOver(r: number, g: number, b: number): [number, number, number] {
  const luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  if (luminance > 0.35) return [Math.round(r * 0.45), Math.round(g * 0.45), Math.round(b * 0.45)];
  return [Math.round(r + (255 - r) * 0.55), Math.round(g + (255 - g) * 0.55), Math.round(b + (255 - b) * 0.55)];
}
