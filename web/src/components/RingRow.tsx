import { RING_KINDS, type RingKind } from '@ringside/shared';
import { useEffect, useMemo, useRef } from 'react';
import { useReducedMotion } from '../animation.ts';
import { usePalette } from '../palette.ts';
import { useSelection } from '../selection.ts';
import { type State, selectSample, selectSocket, useRingside } from '../store.ts';
import { createFlowOverlay, type FlowOverlay } from '../viz/flow-overlay.ts';
import { type Leg, type RingBox, workloadLegs } from '../viz/ring-flow.ts';
import { RingView } from './RingView.tsx';

const NO_LEGS: readonly Leg[] = [];

function legsOf(state: State, socketId: string): readonly Leg[] {
  const workload = selectSocket(state, socketId)?.workload;
  return workload ? workloadLegs(workload) : NO_LEGS;
}

function snapshotRate(state: State): number {
  return state.agentState?.snapshotsPerSecond ?? 10;
}

/**
 * A socket's four rings, and over them the flow overlay. React renders the
 * rings, an empty layer for the overlay and, in a row of its own under the
 * rings, an empty line for the overlay's words that found no room on its
 * canvas; the row measures where the rings' squares are (on resize, and when
 * a ring comes or goes) and hands the overlay those boxes and the readings,
 * through a store subscription: a snapshot renders nothing here.
 */
export function RingRow({ socketId }: { socketId: string }) {
  const layerRef = useRef<HTMLDivElement>(null);
  const spillRef = useRef<HTMLParagraphElement>(null);
  const overlayRef = useRef<FlowOverlay | null>(null);
  const squares = useRef(new Map<RingKind, HTMLElement>()).current;
  /** Set while the overlay lives: observes the squares again after one came or went (observing measures). */
  const reobserve = useRef<(() => void) | null>(null);
  const presenter = useSelection((s) => s.presenter);
  const still = useReducedMotion((s) => s.reduced);

  const squareRefs = useMemo(
    () =>
      Object.fromEntries(
        RING_KINDS.map((kind) => [
          kind,
          (element: HTMLElement | null) => {
            if (element) squares.set(kind, element);
            else squares.delete(kind);
            reobserve.current?.();
          },
        ]),
      ) as Record<RingKind, (element: HTMLElement | null) => void>,
    [squares],
  );

  useEffect(() => {
    const layer = layerRef.current;
    const spill = spillRef.current;
    if (!layer || !spill) return;
    const initial = useRingside.getState();
    const overlay = createFlowOverlay(layer, spill, {
      rings: new Map(),
      legs: legsOf(initial, socketId),
      presenter: useSelection.getState().presenter,
      snapshotsPerSecond: snapshotRate(initial),
      colors: usePalette.getState(),
      still: useReducedMotion.getState().reduced,
    });
    overlayRef.current = overlay;

    const measure = () => {
      const origin = layer.getBoundingClientRect();
      const rings = new Map<RingKind, RingBox>();
      for (const [kind, square] of squares) {
        const box = square.getBoundingClientRect();
        rings.set(kind, {
          left: box.left - origin.left,
          top: box.top - origin.top,
          width: box.width,
          height: box.height,
        });
      }
      overlay.update({ rings });
    };
    const observer = new ResizeObserver(measure);
    // Observing an element reports its size at once, so a new set of squares is measured on the next frame.
    const observe = () => {
      observer.disconnect();
      observer.observe(layer);
      for (const square of squares.values()) observer.observe(square);
    };
    observe();
    reobserve.current = observe;

    // The store changes for much else (events, outcomes, a socket's detail); a new agent state (whenever an
    // XSK anywhere on the host comes or goes) may bring a new workload or snapshot rate, which the overlay
    // tells from the ones it has.
    const onState = (state: State, previous: State) => {
      if (state.agentState !== previous.agentState)
        overlay.update({ legs: legsOf(state, socketId), snapshotsPerSecond: snapshotRate(state) });
      if (state.snapshot !== previous.snapshot) {
        const sample = selectSample(state, socketId);
        if (sample) overlay.push(sample, state.snapshot?.sampledAt ?? 0);
      }
    };
    const sample = selectSample(initial, socketId);
    if (sample) overlay.push(sample, initial.snapshot?.sampledAt ?? 0);
    const unsubscribe = useRingside.subscribe(onState);
    const unsubscribePalette = usePalette.subscribe((colors) => overlay.update({ colors }));
    return () => {
      unsubscribe();
      unsubscribePalette();
      reobserve.current = null;
      observer.disconnect();
      overlay.destroy();
      overlayRef.current = null;
    };
  }, [socketId, squares]);

  useEffect(() => {
    overlayRef.current?.update({ presenter, still });
  }, [presenter, still]);

  return (
    <div className="rings">
      {RING_KINDS.map((kind) => (
        <RingView key={kind} socketId={socketId} kind={kind} squareRef={squareRefs[kind]} />
      ))}
      <div ref={layerRef} className="ring-flow-layer" />
      <p ref={spillRef} className="ring-flow-spill" data-testid="ring-flow-spill" />
    </div>
  );
}
