import { create } from 'zustand';

/**
 * One requestAnimationFrame loop for the whole page. Each painter decides per
 * frame whether it has anything new to draw; one that has not returns at once,
 * so a still page costs a function call per painter per frame.
 */
export type Painter = (now: number) => void;

const painters = new Set<Painter>();
let running = false;

function frame(now: number): void {
  for (const paint of painters) paint(now);
  if (painters.size > 0) requestAnimationFrame(frame);
  else running = false;
}

/** Registers a painter; the returned function removes it. */
export function animate(paint: Painter): () => void {
  painters.add(paint);
  if (!running) {
    running = true;
    requestAnimationFrame(frame);
  }
  return () => painters.delete(paint);
}

/**
 * Sizes a canvas's backing store for the screen's pixel density and scales its
 * context so drawing code works in CSS pixels. Returns the context.
 */
export function fitCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.round(width * ratio);
  const h = Math.round(height * ratio);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  ctx?.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/**
 * The reader's `prefers-reduced-motion`, followed live: with it, nothing on
 * the page travels or sweeps; every picture jumps to each new reading.
 */
export const useReducedMotion = create<{ reduced: boolean }>()(() => ({ reduced: false }));

export function followReducedMotion(): void {
  const query = window.matchMedia('(prefers-reduced-motion: reduce)');
  const apply = () => useReducedMotion.setState({ reduced: query.matches });
  apply();
  query.addEventListener('change', apply);
}
