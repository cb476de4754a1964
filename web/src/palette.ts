import { FRAME_OWNERS } from '@ringside/shared';
import { create } from 'zustand';
import type { RingColors } from './viz/ring-canvas.ts';

/**
 * The theme's colours as canvases need them (a canvas cannot read CSS
 * variables). Read again whenever the theme may have changed; `version` tells
 * painters to redraw everything.
 */
export interface Palette {
  version: number;
  ring: RingColors;
  owners: string[];
  text: string;
  muted: string;
}

function readPalette(version: number): Palette {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string) => style.getPropertyValue(name).trim() || '#888';
  return {
    version,
    ring: {
      track: v('--track'),
      used: v('--used'),
      producer: v('--producer'),
      consumer: v('--consumer'),
      cached: v('--muted'),
      hover: v('--text'),
    },
    owners: FRAME_OWNERS.map((owner) => v(`--owner-${owner}`)),
    text: v('--text'),
    muted: v('--muted'),
  };
}

export const usePalette = create<Palette>()(() => readPalette(0));

export function refreshPalette(): void {
  usePalette.setState(readPalette(usePalette.getState().version + 1));
}
