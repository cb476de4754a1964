import { FRAME_OWNERS, type RingKind, type SocketSample } from '@ringside/shared';
import { animate, fitCanvas } from '../animation.ts';
import {
  arcSweep,
  type Box,
  DOT,
  type FlowLabel,
  flowLabelTexts,
  LABEL_HEIGHT,
  type PlacedLabel,
  placeFlowLabels,
  ringDiscs,
} from './flow-labels.ts';
import { FlowScene } from './flow-scene.ts';
import { flowGeometry, type Leg, legName, type RingBox, sameBoxes } from './ring-flow.ts';
import { PRESENTER_SLOWDOWN } from './ring-motion.ts';

const NO_LABELS: Labels = { per: 0, placed: [], spilled: [] };
/** The test-facing counts change every frame; the DOM hears of them a few times a second. */
const PUBLISH_EVERY_MS = 250;

/** The words for one legend: those on the canvas, and those with no room there, written in the spill instead. */
interface Labels {
  per: number;
  placed: PlacedLabel[];
  spilled: string[];
}

/** The theme's colours the overlay paints with; owners in FRAME_OWNERS order. */
export interface FlowColors {
  owners: readonly string[];
  text: string;
  muted: string;
}

export interface FlowOverlayProps {
  /** The rings' squares, measured by whoever lays them out, in the host's coordinates. */
  rings: ReadonlyMap<RingKind, RingBox>;
  /** The workload's hand-overs; a new list is a new workload. */
  legs: readonly Leg[];
  presenter: boolean;
  /** The rings sweep to each new reading over one snapshot interval; the dots' ends follow them. */
  snapshotsPerSecond: number;
  colors: FlowColors;
  /** prefers-reduced-motion: descriptors are drawn at rest, once per reading, and never travel. */
  still: boolean;
}

export interface FlowOverlay {
  /**
   * New props; a change draws the still picture again, and a change of the rings or legs places the canvas
   * again. Props equal to the ones in use (rings compared box by box) change nothing, so a caller may hand
   * over every prop it has whenever it likes.
   */
  update(props: Partial<FlowOverlayProps>): void;
  /** A new reading of the socket (the same sample again changes nothing), taken by the agent at `sampledAt`. */
  push(sample: SocketSample, sampledAt: number): void;
  destroy(): void;
}

/**
 * One canvas over a socket's row of rings on which descriptors travel from
 * ring to ring along the workload's legs. The overlay adds its own canvas to
 * `host` (an element given to it empty) and writes into `spill` (another, in
 * the page's flow beside the rings) the words that found no room on the
 * canvas; it touches nothing else on the page: where the rings are comes in
 * through `update`, measured by the caller. It
 * draws from the shared animation loop; while nothing flows it clears once
 * and then costs nothing per frame.
 */
export function createFlowOverlay(host: HTMLElement, spill: HTMLElement, initial: FlowOverlayProps): FlowOverlay {
  const props = { ...initial };
  const scene = new FlowScene();
  const canvas = document.createElement('canvas');
  canvas.className = 'ring-flow';
  canvas.dataset.testid = 'ring-flow';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'descriptors moving between the rings');
  canvas.style.position = 'absolute';
  host.append(canvas);

  let ctx: CanvasRenderingContext2D | null = null;
  let width = 0;
  let height = 0;
  let drawnEmpty = false;
  let publishedAt = 0;
  /** Draws so far, published for tests: at rest there is one per reading, not one per frame. */
  let paints = 0;
  /** Times the last reading went stale before the next came; at rest each is one more draw. */
  let stales = 0;
  let wasLive = false;
  /** What the still picture was drawn from (readings, and whether they were live); -1 forces a draw. */
  let stillFrom = -1;
  /** The overlay's place among the rings, and its labels laid out clear of them for one legend. */
  let origin = { left: 0, top: 0 };
  /** Where the legs' arcs may run, wherever the counters put their ends: the labels keep out. */
  let arcs: Box[] = [];
  let labels: Labels | null = null;
  let publishedLabels: Labels | null = null;

  const labelsFor = (context: CanvasRenderingContext2D, per: number): Labels => {
    if (labels?.per === per) return labels;
    const texts = flowLabelTexts(per);
    const wanted: Omit<FlowLabel, 'width'>[] = [
      { text: texts.kernel, edge: 'kernel', from: 'left' },
      { text: texts.application, edge: 'app', from: 'left' },
      { text: texts.legend, edge: 'kernel', from: 'right' },
    ];
    const rings = [...props.rings.values()].map((ring) => ({
      ...ring,
      left: ring.left - origin.left,
      top: ring.top - origin.top,
    }));
    const measured = wanted.map((label) => ({ ...label, width: Math.ceil(context.measureText(label.text).width) }));
    const { placed, spilled } = placeFlowLabels(measured, { width, height }, ringDiscs(rings), arcs);
    labels = { per, placed, spilled: spilled.map((label) => label.text) };
    return labels;
  };

  // Geometry changes only when the rings move or the workload changes, never per frame.
  const place = () => {
    const geometry = flowGeometry(props.rings, props.legs);
    scene.setGeometry(geometry);
    if (!geometry) return;
    ({ width, height } = geometry.box);
    origin = geometry.box;
    arcs = props.legs.flatMap((leg) => arcSweep(geometry, leg) ?? []);
    labels = null;
    canvas.style.left = `${geometry.box.left}px`;
    canvas.style.top = `${geometry.box.top}px`;
    ctx = fitCanvas(canvas, width, height);
    drawnEmpty = false;
    stillFrom = -1;
  };
  scene.setLegs(props.legs);
  place();

  const draw = (now: number, context: CanvasRenderingContext2D) => {
    context.clearRect(0, 0, width, height);
    paints++;
    const shown = props.still ? scene.placed : scene.dots.count;
    drawnEmpty = shown === 0;
    if (scene.placed > 0) {
      const { colors } = props;
      for (let k = 0; k < scene.legs.length; k++) {
        const leg = scene.legs[k] as Leg;
        context.beginPath();
        for (let i = 0; i < scene.placed; i++) {
          if (scene.legOf[i] !== k) continue;
          context.rect((scene.xs[i] as number) - DOT / 2, (scene.ys[i] as number) - DOT / 2, DOT, DOT);
        }
        context.fillStyle = colors.owners[FRAME_OWNERS.indexOf(leg.owner)] ?? colors.text;
        context.fill();
      }
    }
    let written = NO_LABELS;
    if (shown > 0) {
      context.fillStyle = props.colors.muted;
      context.font = '10px system-ui, sans-serif';
      context.textBaseline = 'middle';
      context.textAlign = 'left';
      written = labelsFor(context, scene.perDot);
      for (const label of written.placed) context.fillText(label.text, label.left, label.top + LABEL_HEIGHT / 2);
    }
    // New labels are told at once: a check that reads them against the rings must not meet the last layout's.
    if (now - publishedAt >= PUBLISH_EVERY_MS || shown === 0 || props.still || written !== publishedLabels) {
      publishedAt = now;
      publishedLabels = written;
      const spilled = written.spilled.join(' · ');
      if (spill.textContent !== spilled) spill.textContent = spilled;
      publish(canvas, scene, { shown, still: props.still, paints, stales, labels: written });
    }
  };

  const stop = animate((now) => {
    if (!ctx) return;
    const live = scene.live(now);
    if (wasLive && !live) stales++;
    wasLive = live;
    const slowdown = props.presenter ? PRESENTER_SLOWDOWN : 1;
    if (props.still) {
      const from = 2 * scene.readings + (live ? 1 : 0);
      if (from === stillFrom) return;
      stillFrom = from;
      scene.rest(now, slowdown);
      draw(now, ctx);
      return;
    }
    scene.step(now, { slowdown, ringSweepMs: (slowdown * 1000) / Math.max(1, props.snapshotsPerSecond) });
    if (scene.dots.count === 0 && drawnEmpty) return;
    draw(now, ctx);
  });

  return {
    update(change) {
      const differs = (key: keyof FlowOverlayProps) =>
        key === 'rings' && change.rings ? !sameBoxes(change.rings, props.rings) : change[key] !== props[key];
      const changed = (Object.keys(change) as (keyof FlowOverlayProps)[]).filter(differs);
      if (changed.length === 0) return;
      Object.assign(props, change);
      scene.setLegs(props.legs);
      stillFrom = -1;
      if (changed.includes('rings') || changed.includes('legs')) place();
    },
    push(sample, sampledAt) {
      scene.push(sample, sampledAt, performance.now());
    },
    destroy() {
      stop();
      canvas.remove();
      spill.textContent = '';
    },
  };
}

/** What the overlay last drew, as `publish` hands it to tests. */
interface Drawn {
  shown: number;
  still: boolean;
  paints: number;
  stales: number;
  /**
   * The words written on the canvas, in its CSS pixels (a layout check reads them as it reads the page's text),
   * and those with no room there.
   */
  labels: Labels;
}

/**
 * What the overlay shows, for tests that cannot read pixels: dots drawn, in
 * total and per leg, whether they move, how many times it drew and how many
 * times its reading went stale, the words on the canvas and those it had no
 * room for, and how many descriptors a dot stands for. An attribute is written only when its value
 * changed: most stay the same from one draw to the next.
 */
function publish(canvas: HTMLCanvasElement, scene: FlowScene, drawn: Drawn): void {
  const values: Record<string, string> = {
    motion: drawn.still ? 'still' : 'moving',
    paints: String(drawn.paints),
    readings: String(scene.readings),
    stales: String(drawn.stales),
    particles: String(drawn.shown),
    legs: scene.legs.map((leg, k) => `${legName(leg)}:${scene.legCounts[k]}`).join(' '),
    labels: JSON.stringify(drawn.labels.placed),
    labelsMissing: JSON.stringify(drawn.labels.spilled),
    perDot: String(scene.perDot),
  };
  for (const [name, value] of Object.entries(values)) {
    if (canvas.dataset[name] !== value) canvas.dataset[name] = value;
  }
}
