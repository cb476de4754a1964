import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { QUIET_ZONE, qrGeometry } from './qr-code.ts';

/** Reads the path back into the modules it paints. */
function painted(path: string, extent: number): boolean[] {
  const cells = new Array<boolean>(extent * extent).fill(false);
  for (const [, x, y, width] of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
    for (let column = Number(x); column < Number(x) + Number(width); column++) {
      expect(cells[Number(y) * extent + column]).toBe(false);
      cells[Number(y) * extent + column] = true;
    }
  }
  return cells;
}

describe('the QR code drawn for an audience', () => {
  it('paints every dark module of the code once and nothing else, inside the quiet zone', () => {
    const url = 'http://workshop-box.local:7420/?token=Qm9vZ3JhbW1pbmcgaXMgZnVu';
    const { size, data } = QRCode.create(url, { errorCorrectionLevel: 'L' }).modules;
    const { extent, path } = qrGeometry(url);
    expect(extent).toBe(size + 2 * QUIET_ZONE);
    expect(path).toMatch(/^(M\d+ \d+h\d+v1h-\d+z)+$/);
    const cells = painted(path, extent);
    for (let row = 0; row < extent; row++) {
      for (let column = 0; column < extent; column++) {
        const inside =
          row >= QUIET_ZONE && row < QUIET_ZONE + size && column >= QUIET_ZONE && column < QUIET_ZONE + size;
        const dark = inside && data[(row - QUIET_ZONE) * size + (column - QUIET_ZONE)] === 1;
        expect(cells[row * extent + column]).toBe(dark);
      }
    }
  });

  it('differs with the URL it carries', () => {
    expect(qrGeometry('http://a.local:7420/?token=v').path).not.toBe(qrGeometry('http://b.local:7420/?token=v').path);
  });
});
