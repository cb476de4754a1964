import QRCode from 'qrcode';

/** Modules of light margin a scanner needs around the code (ISO/IEC 18004). */
export const QUIET_ZONE = 4;

export interface QrGeometry {
  /** Width and height in modules, the quiet zone included: the SVG's viewBox. */
  extent: number;
  /** One SVG path of every dark module, a run of them in a row drawn as one rectangle. */
  path: string;
}

/** The dark modules of a QR code of `text`, in module units, ready for one `<path>` on a light square. */
export function qrGeometry(text: string): QrGeometry {
  const { size, data } = QRCode.create(text, { errorCorrectionLevel: 'L' }).modules;
  const runs: string[] = [];
  for (let row = 0; row < size; row++) {
    let column = 0;
    while (column < size) {
      if (data[row * size + column] !== 1) {
        column++;
        continue;
      }
      const start = column;
      while (column < size && data[row * size + column] === 1) column++;
      runs.push(`M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${column - start}v1h-${column - start}z`);
    }
  }
  return { extent: size + 2 * QUIET_ZONE, path: runs.join('') };
}
