import { describe, expect, it } from 'vitest';
import { patternMask } from './owner-patterns.ts';
import { layoutGrid } from './umem-grid.ts';
import { packRgba, UmemRaster } from './umem-raster.ts';

const pixel = (raster: UmemRaster, x: number, y: number) =>
  Array.from(raster.bytes.subarray((y * raster.width + x) * 4, (y * raster.width + x) * 4 + 4));

describe('the UMEM map raster', () => {
  it('writes a packed colour as R, G, B, A bytes in memory, as ImageData expects', () => {
    const raster = new UmemRaster(layoutGrid(1, 10, 10), 1);
    raster.paint(0, packRgba(10, 20, 30, 255));
    expect(pixel(raster, 0, 0)).toEqual([10, 20, 30, 255]);
  });

  it('fills a frame’s cell and leaves the gap between cells transparent', () => {
    const grid = layoutGrid(64, 80, 80);
    expect(grid.gap).toBe(1);
    const raster = new UmemRaster(grid, 1);
    const frame = grid.columns + 1;
    raster.paint(frame, packRgba(255, 0, 0));
    const x = grid.cell;
    const y = grid.cell;
    expect(pixel(raster, x, y)).toEqual([255, 0, 0, 255]);
    expect(pixel(raster, x + grid.cell - 2, y + grid.cell - 2)).toEqual([255, 0, 0, 255]);
    expect(pixel(raster, x + grid.cell - 1, y)).toEqual([0, 0, 0, 0]);
    expect(pixel(raster, x - 1, y)).toEqual([0, 0, 0, 0]);
  });

  it('scales cells to device pixels', () => {
    const grid = layoutGrid(16384, 960, 380);
    const raster = new UmemRaster(grid, 2);
    expect(raster.width).toBe(grid.width * 2);
    expect(raster.height).toBe(grid.height * 2);
  });

  it('reports only the rows painted since it was last asked, so the page puts back just those', () => {
    const grid = layoutGrid(16384, 960, 380);
    const raster = new UmemRaster(grid, 1);
    expect(raster.takeDirty()).toBeNull();
    raster.paint(grid.columns * 3, packRgba(1, 2, 3));
    raster.paint(grid.columns * 5 + 7, packRgba(1, 2, 3));
    expect(raster.takeDirty()).toEqual({ top: 3 * grid.cell, bottom: 5 * grid.cell + grid.cell - grid.gap });
    expect(raster.takeDirty()).toBeNull();
    raster.clear();
    expect(raster.takeDirty()).toEqual({ top: 0, bottom: raster.height });
  });

  it('draws an owner’s pattern mark in its ink over the cell’s colour', () => {
    const grid = layoutGrid(64, 80, 80);
    const raster = new UmemRaster(grid, 1);
    const mask = patternMask('horizontal', raster.side);
    raster.paint(0, packRgba(200, 0, 0), packRgba(90, 0, 0), mask);
    expect(pixel(raster, 2, 0)).toEqual([200, 0, 0, 255]);
    expect(pixel(raster, 2, 1)).toEqual([90, 0, 0, 255]);
    expect(pixel(raster, 2, 2)).toEqual([200, 0, 0, 255]);
  });
});
