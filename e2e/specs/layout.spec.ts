import { expect, type Page, test } from '@playwright/test';
import { RING_KINDS, type RingKind, Workload } from '@ringside/shared';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { VIEWS, type View } from '../../web/src/url-state.ts';
import {
  arcSweep,
  flowLabelTexts,
  overlaps,
  type PlacedLabel,
  ringClearance,
  ringDiscs,
} from '../../web/src/viz/flow-labels.ts';
import { flowGeometry, legName, type RingBox, workloadLegs } from '../../web/src/viz/ring-flow.ts';
import {
  agentSnapshot,
  commandAgent,
  inspectHeldRxFrame,
  numberIn,
  openExplorer,
  VIEW_READY,
  withRxHeld,
} from './explorer.ts';

/**
 * Every view, in normal and presenter mode, at the two sizes a projector or a
 * laptop gives the page: no text may cover another, be cut off by its box,
 * run out of its panel, or be broken over lines where it is one figure or one
 * word; a ? stays beside the words it explains, a row's figures on the line
 * of its name, the header on one line, and a field's error inside its
 * fieldset without widening it. The
 * page is read as it shows live figures of the lab at 20,000 frames a second
 * (rates in the thousands, seven-digit indices: an hour of a demo at 2,000).
 */

let agent: RunningAgent;

/** The lab's rate while the views are read. */
const LAB_RATE_PPS = 20_000;
/**
 * The rate that takes RX's producer to seven digits first: 4 s, where the lab's rate would take 50. The
 * charts keep the climb in their history: six-digit rates on an axis are wider text to lay out, not less.
 */
const CLIMB_RATE_PPS = 250_000;

test.beforeAll(async () => {
  // Seven-digit indices: cached prod/cons is then fifteen characters, the width that ran into the next ring.
  // A loaded machine's source sends slower than asked, so the bound leaves it room.
  test.setTimeout(360_000);
  agent = await startAgent(['--rate', String(LAB_RATE_PPS)]);
  const rxProducer = async () =>
    (await agentSnapshot(agent)).snapshot.sockets.find((sample) => sample.socketId === 'xsk0')?.rings.rx?.producer ?? 0;
  await commandAgent(agent, { type: 'setTraffic', ratePps: CLIMB_RATE_PPS, requestId: 'climb' });
  await expect.poll(rxProducer, { timeout: 300_000, intervals: [250] }).toBeGreaterThanOrEqual(1_000_000);
  await commandAgent(agent, { type: 'setTraffic', ratePps: LAB_RATE_PPS, requestId: 'lab-rate' });
});

test.afterAll(async () => {
  await agent?.stop();
});

const VIEWPORTS = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
] as const;

/** What each view must show before its layout is worth reading: its figures at their live width. */
const READY: Record<View, (page: Page) => Promise<void>> = {
  ...VIEW_READY,
  rings: async (page) => {
    const panel = page.getByTestId('socket-xsk0');
    // A rate keeps the room of eight digits (.rates .num), so any live one in the thousands is as wide as
    // the lab's: four digits, as the "5040 rx pps" that once broke over two lines.
    await expect.poll(() => numberIn(panel.getByTestId('rx-pps'))).toBeGreaterThanOrEqual(1000);
    await expect.poll(() => numberIn(panel.getByTestId('ring-rx-producer'))).toBeGreaterThanOrEqual(1_000_000);
    await expect
      .poll(async () => Number(await panel.getByTestId('ring-flow').getAttribute('data-particles')))
      .toBeGreaterThan(0);
  },
  counters: async (page) => {
    const chart = page.getByTestId('chart-rxPps');
    await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(10);
  },
  inspector: async (page) => {
    // Read with RX held (withRxHeld): a received frame stays still while the page decodes it.
    const inspector = await inspectHeldRxFrame(page, 'xsk0');
    await expect(inspector.getByTestId('packet-udp-destinationPort')).toHaveText('4242');
  },
};

/** What breaks the layout, and the elements it names (their tag, class, nearest test id and text). */
interface Finding {
  what: string;
  elements: string[];
}

/**
 * Runs in the page: reads every visible text (text nodes, SVG text, the
 * values of form fields, and the words a canvas says it wrote in
 * `data-labels`; a canvas's other drawing is left out) and lists what breaks
 * the layout. Self-contained, as page.evaluate needs.
 */
function layoutFindings(tolerance: number): Finding[] {
  type Box = { left: number; top: number; right: number; bottom: number };
  type Piece = { element: Element; text: string; boxes: Box[] };
  const findings: Finding[] = [];

  const name = (element: Element, text = element.textContent ?? ''): string => {
    const testId = element.closest('[data-testid]')?.getAttribute('data-testid');
    const classes = element.getAttribute('class');
    const tag = `${element.tagName.toLowerCase()}${classes ? `.${classes.trim().split(/\s+/).join('.')}` : ''}`;
    return `${tag}${testId ? ` in [${testId}]` : ''} "${text.trim().replace(/\s+/g, ' ').slice(0, 50)}"`;
  };
  const boxOf = (rect: DOMRect): Box => ({ left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom });
  const intersect = (a: Box, b: Box): Box => ({
    left: Math.max(a.left, b.left),
    top: Math.max(a.top, b.top),
    right: Math.min(a.right, b.right),
    bottom: Math.min(a.bottom, b.bottom),
  });
  const width = (box: Box) => box.right - box.left;
  const height = (box: Box) => box.bottom - box.top;
  const shown = (element: Element) =>
    !element.closest('canvas, script, style, template') &&
    element.checkVisibility({ opacityProperty: true, visibilityProperty: true });

  /**
   * What the element's ancestors let show of it: those that scroll (`all`),
   * or only those that cut their content off for good (overflow hidden or
   * clip, which an SVG has by default).
   */
  const clipOf = (element: Element, all: boolean): Box => {
    let clip: Box = { left: -Infinity, top: -Infinity, right: Infinity, bottom: Infinity };
    const clips = (overflow: string) => (all ? overflow !== 'visible' : overflow === 'hidden' || overflow === 'clip');
    for (let up = element.parentElement; up; up = up.parentElement) {
      const style = getComputedStyle(up);
      const rect = up.getBoundingClientRect();
      if (clips(style.overflowX))
        clip = { ...clip, left: Math.max(clip.left, rect.left), right: Math.min(clip.right, rect.right) };
      if (clips(style.overflowY))
        clip = { ...clip, top: Math.max(clip.top, rect.top), bottom: Math.min(clip.bottom, rect.bottom) };
    }
    return clip;
  };
  const cut = (box: Box, clip: Box) =>
    box.left < clip.left - tolerance ||
    box.right > clip.right + tolerance ||
    box.top < clip.top - tolerance ||
    box.bottom > clip.bottom + tolerance;

  const pieces: Piece[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    const text = node.textContent ?? '';
    if (!element || text.trim() === '' || !shown(element)) continue;
    let rects: DOMRect[];
    if (element instanceof SVGElement) rects = [(element.closest('text') ?? element).getBoundingClientRect()];
    else {
      const range = document.createRange();
      range.selectNodeContents(node);
      rects = Array.from(range.getClientRects());
    }
    const clip = clipOf(element, true);
    const boxes = rects
      .map((rect) => intersect(boxOf(rect), clip))
      .filter((box) => width(box) > tolerance && height(box) > tolerance);
    if (boxes.length === 0) continue;
    pieces.push({ element, text, boxes });
    // Partly shown: the rest is cut off for good by a box too small for it.
    const hiding = clipOf(element, false);
    if (rects.some((rect) => cut(boxOf(rect), hiding)))
      findings.push({ what: 'cut off by the box it is drawn in', elements: [name(element, text)] });
  }
  for (const field of Array.from(document.querySelectorAll('input, select, textarea'))) {
    if (field instanceof HTMLInputElement && ['checkbox', 'radio', 'hidden'].includes(field.type)) continue;
    if (!shown(field)) continue;
    const value =
      field instanceof HTMLSelectElement ? (field.selectedOptions[0]?.text ?? '') : (field as HTMLInputElement).value;
    pieces.push({ element: field, text: value, boxes: [boxOf(field.getBoundingClientRect())] });
  }
  for (const canvas of Array.from(document.querySelectorAll('canvas[data-labels]'))) {
    if (!canvas.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
    const frame = boxOf(canvas.getBoundingClientRect());
    const labels = JSON.parse(canvas.getAttribute('data-labels') ?? '[]') as PlacedLabel[];
    for (const label of labels) {
      const left = frame.left + label.left;
      const top = frame.top + label.top;
      const box = { left, top, right: left + label.width, bottom: top + label.height };
      pieces.push({ element: canvas, text: label.text, boxes: [intersect(box, clipOf(canvas, true))] });
      if (cut(box, frame) || cut(box, clipOf(canvas, false)))
        findings.push({ what: 'cut off by the box it is drawn in', elements: [name(canvas, label.text)] });
    }
  }

  // Two texts drawn over each other.
  const reported = new Set<string>();
  for (let i = 0; i < pieces.length; i++) {
    const a = pieces[i] as Piece;
    for (let j = i + 1; j < pieces.length; j++) {
      const b = pieces[j] as Piece;
      if (a.element === b.element || a.element.contains(b.element) || b.element.contains(a.element)) continue;
      const overlaps = a.boxes.some((p) =>
        b.boxes.some((q) => {
          const common = intersect(p, q);
          return width(common) > tolerance && height(common) > tolerance;
        }),
      );
      const key = `${name(a.element, a.text)} | ${name(b.element, b.text)}`;
      if (overlaps && !reported.has(key)) {
        reported.add(key);
        findings.push({ what: 'overlap', elements: [name(a.element, a.text), name(b.element, b.text)] });
      }
    }
  }

  // A text its own box cuts off: overflow that clips, or a sideways scroll the reader would not find.
  for (const element of Array.from(document.querySelectorAll('body *'))) {
    if (!shown(element) || (element.textContent ?? '').trim() === '' || element instanceof SVGElement) continue;
    const style = getComputedStyle(element);
    const clipping = (overflow: string) => overflow === 'hidden' || overflow === 'clip';
    const clipsX = clipping(style.overflowX) || style.overflowX === 'auto' || style.overflowX === 'scroll';
    if (clipsX && element.scrollWidth > element.clientWidth + tolerance)
      findings.push({
        what: `cut off across (${element.scrollWidth} wide in ${element.clientWidth})`,
        elements: [name(element)],
      });
    if (clipping(style.overflowY) && element.scrollHeight > element.clientHeight + tolerance)
      findings.push({
        what: `cut off below (${element.scrollHeight} high in ${element.clientHeight})`,
        elements: [name(element)],
      });
  }
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + tolerance)
    findings.push({ what: `the page scrolls sideways (${page.scrollWidth} in ${page.clientWidth})`, elements: [] });

  // A text that runs out of the panel it belongs to, under or over its neighbours.
  for (const piece of pieces) {
    const panel = piece.element.closest('.panel');
    if (!panel) continue;
    const frame = boxOf(panel.getBoundingClientRect());
    if (piece.boxes.some((box) => cut(box, frame)))
      findings.push({ what: 'runs out of its panel', elements: [name(piece.element, piece.text)] });
  }

  // A figure (a number, with its unit) broken over lines: its texts' line boxes start at more than one height.
  for (const element of Array.from(document.querySelectorAll('body *'))) {
    const text = (element.textContent ?? '').trim();
    if (!(element instanceof HTMLElement) || !/^[-+]?\d/.test(text) || text.length > 24) continue;
    if (element.querySelector('input, select, textarea, button')) continue;
    const tops = pieces
      .filter((piece) => element === piece.element || element.contains(piece.element))
      .flatMap((piece) => piece.boxes.map((box) => box.top))
      .sort((a, b) => a - b);
    const lines = tops.filter((top, i) => i === 0 || top - (tops[i - 1] as number) > 4).length;
    if (lines > 1) findings.push({ what: `a figure broken over ${lines} lines`, elements: [name(element)] });
  }

  // One range, moved from text to text, measures the lines of what follows.
  const range = document.createRange();

  // A ? parted from the words it explains: the button on a line below their last, or far along it after a text.
  for (const button of Array.from(document.querySelectorAll('button.explain'))) {
    if (!shown(button)) continue;
    let before = button.previousSibling;
    while (before?.nodeType === Node.TEXT_NODE && (before.textContent ?? '').trim() === '')
      before = before.previousSibling;
    if (!before) continue;
    range.selectNodeContents(before);
    const last = Array.from(range.getClientRects())
      .filter((rect) => rect.width > 0)
      .at(-1);
    const at = button.getBoundingClientRect();
    const below = last && at.top + at.height / 2 > last.bottom;
    // A space and the button's margin: about 8 px.
    const apart = last && before.nodeType === Node.TEXT_NODE && at.left - last.right > 16;
    if (below || apart)
      findings.push({
        what: below ? 'a ? on a line below the words it explains' : 'a ? far from the end of the words it explains',
        elements: [name(button.parentElement ?? button)],
      });
  }

  // A row's figures beside its name: each cell's first line level with the first line of the row's header.
  const firstLine = (cell: Element) => {
    const texts = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) {
      if ((node.textContent ?? '').trim() === '') continue;
      range.selectNodeContents(node);
      const [first] = Array.from(range.getClientRects()).filter((rect) => rect.width > 0);
      if (first) return first;
    }
    return null;
  };
  for (const row of Array.from(document.querySelectorAll('tbody tr'))) {
    const head = row.querySelector(':scope > th[scope="row"]');
    const named = head && shown(row) ? firstLine(head) : null;
    if (!named) continue;
    for (const cell of Array.from(row.querySelectorAll(':scope > td'))) {
      const figure = firstLine(cell);
      if (!figure) continue;
      const common = Math.min(named.bottom, figure.bottom) - Math.max(named.top, figure.top);
      if (common < Math.min(named.height, figure.height) / 2)
        findings.push({
          what: `a figure ${Math.round(figure.top - named.top)} px below the line of its name`,
          elements: [name(cell), name(head as Element)],
        });
    }
  }

  // A word broken between two of its letters or digits, where a line of its box would have held it whole.
  const topAt = (node: Text, index: number) => {
    range.setStart(node, index);
    range.setEnd(node, index + 1);
    return range.getBoundingClientRect().top;
  };
  const blockOf = (element: Element) => {
    let block: Element = element;
    while (block.parentElement && ['inline', 'contents'].includes(getComputedStyle(block).display))
      block = block.parentElement;
    const style = getComputedStyle(block);
    return block.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight);
  };
  const words = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = words.nextNode() as Text | null; node; node = words.nextNode() as Text | null) {
    const element = node.parentElement;
    const text = node.data;
    if (!element || element instanceof SVGElement || !shown(element)) continue;
    for (const match of text.matchAll(/\S+/g)) {
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rects = Array.from(range.getClientRects()).filter((rect) => rect.width > 0);
      if (new Set(rects.map((rect) => Math.round(rect.top))).size < 2) continue;
      const wide = rects.reduce((sum, rect) => sum + rect.width, 0);
      if (wide > blockOf(element) + tolerance) continue;
      for (let i = match.index + 1; i < match.index + match[0].length; i++) {
        const between = `${text[i - 1]}${text[i]}`;
        if (/^[\p{L}\p{N}]{2}$/u.test(between) && Math.abs(topAt(node, i) - topAt(node, i - 1)) > 4) {
          findings.push({
            what: `a word broken between "${between[0]}" and "${between[1]}"`,
            elements: [name(element)],
          });
          break;
        }
      }
    }
  }

  // The page's header on one line: every text in it level with every other.
  const header = document.querySelector('header');
  const heading = pieces.filter((piece) => header?.contains(piece.element)).flatMap((piece) => piece.boxes);
  if (heading.length > 0) {
    const lowestTop = Math.max(...heading.map((box) => box.top));
    const highestBottom = Math.min(...heading.map((box) => box.bottom));
    if (lowestTop >= highestBottom)
      findings.push({ what: 'the header runs onto a second line', elements: header ? [name(header)] : [] });
  }
  return findings;
}

/**
 * Runs in the page against the new-socket form, after the test typed a chunk
 * size this kernel refuses: the error says so inside the UMEM fieldset and
 * wraps there, as wide as the fieldset was without it.
 */
async function fieldErrorFindings(page: Page): Promise<Finding[]> {
  const form = page.getByTestId('socket-form-new');
  const field = form.getByTestId('form-frameSize');
  const problem = form.getByTestId('form-frameSize-problem');
  const fieldset = form.locator('fieldset', { has: page.getByTestId('form-frameSize') });
  const before = await fieldset.boundingBox();
  await field.fill('3000');
  await expect(problem).not.toHaveText('');
  const after = await fieldset.boundingBox();
  const message = await problem.boundingBox();
  const findings = await page.evaluate(layoutFindings, 1);
  if (!before || !after || !message)
    return [...findings, { what: 'the UMEM fieldset or its error is not shown', elements: [] }];
  if (Math.abs(after.width - before.width) > 1)
    findings.push({
      what: `a field's error widens its fieldset from ${Math.round(before.width)} to ${Math.round(after.width)} px`,
      elements: [(await problem.textContent()) ?? ''],
    });
  if (message.x < after.x || message.x + message.width > after.x + after.width)
    findings.push({
      what: "a field's error runs out of its fieldset",
      elements: [(await problem.textContent()) ?? ''],
    });
  await field.fill('4096');
  await expect(problem).toHaveText('');
  return findings;
}

/**
 * Runs in the page: the Host sockets table's columns, each header's text
 * beside its cells' text. A column is aligned when they all start, or all
 * end, at the same x.
 */
function hostTableMisalignment(tolerance: number): string[] {
  const table = document.querySelector('[data-testid="host-sockets"] table');
  if (!table) return ['no table'];
  const textEdges = (cell: Element) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const rect = range.getBoundingClientRect();
    return { left: rect.left, right: rect.right };
  };
  const headers = Array.from(table.querySelectorAll('thead th'));
  const rows = Array.from(table.querySelectorAll('tbody tr'));
  const misaligned: string[] = [];
  headers.forEach((header, column) => {
    const title = (header.textContent ?? '').trim();
    if (title === '') return;
    const head = textEdges(header);
    const cells = rows.flatMap((row) => {
      const cell = row.children[column];
      return cell && (cell.textContent ?? '').trim() !== '' ? [textEdges(cell)] : [];
    });
    const byLeft = cells.every((cell) => Math.abs(cell.left - head.left) <= tolerance);
    const byRight = cells.every((cell) => Math.abs(cell.right - head.right) <= tolerance);
    if (!byLeft && !byRight)
      misaligned.push(
        `${title}: header ${Math.round(head.left)}–${Math.round(head.right)}, cells ${cells
          .map((cell) => `${Math.round(cell.left)}–${Math.round(cell.right)}`)
          .join(', ')}`,
      );
  });
  return misaligned;
}

/** Every workload's legs, by the names the overlay gives them in `data-legs`. */
const LEGS = new Map(Workload.options.flatMap(workloadLegs).map((leg) => [legName(leg), leg]));

/**
 * The words the flow overlay writes over xsk0's rings: each of them drawn on
 * the canvas (none handed to the line under the rings for want of room), and
 * none within reach of a ring's band or ticks (ringDiscs, as the rings are
 * drawn) or where the dots' arcs between the rings may run (arcSweep, for the
 * legs the overlay says it draws), which a page's text check cannot see on a
 * canvas.
 */
async function flowLabelFindings(page: Page): Promise<Finding[]> {
  // Read in one go: the page may move (a verdict line appearing above the rings) between two separate reads.
  const readOverlay = () =>
    page.evaluate((kinds) => {
      const panel = document.querySelector('[data-testid="socket-xsk0"]');
      const box = (element: Element | null | undefined) => {
        const rect = element?.getBoundingClientRect();
        return rect ? { x: rect.left, y: rect.top, width: rect.width } : null;
      };
      const overlay = panel?.querySelector('[data-testid="ring-flow"]');
      return {
        at: box(overlay),
        labels: overlay?.getAttribute('data-labels') ?? '[]',
        missing: overlay?.getAttribute('data-labels-missing') ?? '[]',
        perDot: Number(overlay?.getAttribute('data-per-dot')),
        legs: overlay?.getAttribute('data-legs') ?? '',
        particles: Number(overlay?.getAttribute('data-particles')),
        rings: kinds.map((kind) => ({ kind, box: box(panel?.querySelector(`[data-testid="ring-${kind}-canvas"]`)) })),
      };
    }, RING_KINDS);
  // The labels are written with the dots: on a loaded machine a reading can go stale for a moment, and the
  // overlay then draws neither. A reading taken while it draws dots says where it writes.
  let read = await readOverlay();
  await expect
    .poll(async () => {
      read = await readOverlay();
      return read.particles;
    })
    .toBeGreaterThan(0);
  const labels = JSON.parse(read.labels) as PlacedLabel[];
  const findings: Finding[] = [];
  const spilled = JSON.parse(read.missing) as string[];
  if (spilled.length > 0)
    findings.push({ what: 'a label of the flow overlay found no room on its canvas', elements: spilled });
  const wanted = Object.values(flowLabelTexts(read.perDot));
  const missing = wanted.filter((text) => !labels.some((label) => label.text === text));
  const at = read.at;
  if (!at || missing.length > 0) {
    findings.push({ what: 'a label of the flow overlay is not drawn', elements: missing });
    return findings;
  }
  // Each ring's square in the overlay's coordinates, as the overlay itself places its labels.
  const squares = new Map<RingKind, RingBox>();
  for (const { kind, box: ring } of read.rings) {
    if (!ring) continue;
    const square = { left: ring.x - at.x, top: ring.y - at.y, width: ring.width, height: ring.width };
    squares.set(kind, square);
    const [disc] = ringDiscs([square]);
    if (!disc) continue;
    for (const label of labels) {
      const clearance = ringClearance(label, disc);
      if (clearance <= 0)
        findings.push({
          what: `crosses the ${kind} ring (${(clearance + disc.reach).toFixed(1)} px from its centre; it draws out to ${disc.reach})`,
          elements: [label.text],
        });
    }
  }
  const legs = read.legs.split(' ').flatMap((entry) => LEGS.get(entry.split(':')[0] ?? '') ?? []);
  if (legs.length === 0) findings.push({ what: 'the flow overlay names no leg it draws', elements: [read.legs] });
  const geometry = flowGeometry(squares, legs);
  for (const leg of geometry ? legs : []) {
    const sweep = geometry && arcSweep(geometry, leg);
    if (!geometry || !sweep) continue;
    // The geometry's own box sits where the overlay's canvas is, give or take a fraction of a pixel.
    const arc = { ...sweep, left: sweep.left + geometry.box.left, top: sweep.top + geometry.box.top };
    for (const label of labels.filter((label) => overlaps(label, arc)))
      findings.push({
        what: `lies where the ${legName(leg)} arc may run (${arc.left.toFixed(1)}–${(arc.left + arc.width).toFixed(1)} across, ${arc.top.toFixed(1)}–${(arc.top + arc.height).toFixed(1)} down)`,
        elements: [label.text],
      });
  }
  return findings;
}

for (const viewport of VIEWPORTS) {
  test.describe(`at ${viewport.width}×${viewport.height}`, () => {
    test.use({ viewport });
    for (const presenter of [false, true]) {
      const mode = presenter ? 'presenter mode' : 'normal mode';
      for (const view of VIEWS) {
        test(`the ${view} view in ${mode}: no text overlaps another or is cut off`, async ({ page }) => {
          await openExplorer(page, agent.controlUrl, {
            socket: 'xsk0',
            view,
            theme: 'dark',
            ...(presenter ? { presenter: '1' } : {}),
          });
          if (presenter) await expect(page.locator('html')).toHaveClass(/presenter/);
          await expect(page.getByTestId(`view-${view}-panels`)).toBeVisible();
          // The lab's own sockets are listed among the host's once discovery has seen them.
          await expect(page.getByTestId('host-sockets').locator('tbody tr')).not.toHaveCount(0);
          await page.evaluate(() => document.fonts.ready);
          const read = async () => {
            await READY[view](page);
            const findings = await page.evaluate(layoutFindings, 1);
            expect.soft(findings, 'text that overlaps or is cut off').toEqual([]);
            if (view === 'rings')
              expect.soft(await flowLabelFindings(page), 'flow labels missing or over a ring').toEqual([]);
            const misaligned = await page.evaluate(hostTableMisalignment, 2);
            expect.soft(misaligned, 'Host sockets headers that do not line up with their columns').toEqual([]);
            if (view === 'controls')
              expect.soft(await fieldErrorFindings(page), "a field's error that pushes or breaks its form").toEqual([]);
          };
          await (view === 'inspector' ? withRxHeld(agent, 'xsk0', read) : read());
        });
      }
    }
  });
}
