import type { UmemGrid } from './umem-grid.ts';

/**
 * The UMEM map's pixels, kept in a buffer the page hands to putImageData.
 * Without a GPU, Chromium rasterises canvas calls in software: 16k fillRect
 * calls, each with its own fillStyle to parse, cost a whole frame, while
 * writing the same cells as 32-bit words and putting back only the rows that
 * changed costs a fraction of a millisecond.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One RGBA pixel as a word of a Uint32Array over ImageData bytes (which are R, G, B, A in memory). */
export function packRgba(r: number, g: number, b: number, a = 255): number {
  return LITTLE_ENDIAN ? ((a << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | a) >>> 0;
}

/** Rows of device pixels that changed since the last `takeDirty`, end exclusive. */
export interface DirtyRows {
  top: number;
  bottom: number;
}

export class UmemRaster {
  /** Device pixels, R G B A per pixel: the bytes of an ImageData. */
  readonly bytes: Uint8ClampedArray<ArrayBuffer>;
  readonly width: number;
  readonly height: number;
  readonly #words: Uint32Array;
  readonly #columns: number;
  readonly #pitch: number;
  readonly #side: number;
  #top = Number.POSITIVE_INFINITY;
  #bottom = 0;

  /** `ratio` is device pixels per CSS pixel; cells are whole device pixels so none blur. */
  constructor(grid: UmemGrid, ratio: number) {
    this.#columns = grid.columns;
    this.#pitch = Math.max(1, Math.round(grid.cell * ratio));
    // The gap never swallows a whole cell, however small the cell.
    this.#side = Math.max(1, this.#pitch - Math.round(grid.gap * ratio));
    this.width = grid.columns * this.#pitch;
    this.height = grid.rows * this.#pitch;
    this.bytes = new Uint8ClampedArray(this.width * this.height * 4);
    this.#words = new Uint32Array(this.bytes.buffer);
  }

  /** A cell's side in device pixels, gap excluded: the size a pattern mask must have. */
  get side(): number {
    return this.#side;
  }

  /**
   * Colours one frame's cell, and over it in `ink` the pixels `mask` marks
   * (see patternMask; null: none); the gap around it stays transparent.
   */
  paint(frame: number, rgba: number, ink = rgba, mask: Uint8Array | null = null): void {
    const x0 = (frame % this.#columns) * this.#pitch;
    const y0 = Math.floor(frame / this.#columns) * this.#pitch;
    const words = this.#words;
    const side = this.#side;
    for (let y = 0; y < side; y++) {
      const row = (y0 + y) * this.width + x0;
      words.fill(rgba, row, row + side);
      if (mask) for (let x = 0; x < side; x++) if (mask[y * side + x]) words[row + x] = ink;
    }
    if (y0 < this.#top) this.#top = y0;
    if (y0 + this.#side > this.#bottom) this.#bottom = y0 + this.#side;
  }

  /** Clears every pixel (a new palette repaints everything). */
  clear(): void {
    this.#words.fill(0);
    this.#top = 0;
    this.#bottom = this.height;
  }

  /** The rows painted since the last call, or null when nothing was. */
  takeDirty(): DirtyRows | null {
    if (this.#bottom <= this.#top) return null;
    const dirty = { top: this.#top, bottom: this.#bottom };
    this.#top = Number.POSITIVE_INFINITY;
    this.#bottom = 0;
    return dirty;
  }
}
