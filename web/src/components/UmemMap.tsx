import { describeAddress, FRAME_OWNERS, OWNER_EXPLANATIONS, type UmemConfig } from '@ringside/shared';
import { type KeyboardEvent, type PointerEvent, useEffect, useMemo, useRef, useState } from 'react';
import { animate, fitCanvas } from '../animation.ts';
import { descriptorNaming } from '../descriptors.ts';
import { useOwners } from '../owners.ts';
import { usePalette } from '../palette.ts';
import { useSelection } from '../selection.ts';
import { selectAttached, selectDetail, selectUmemOf, useRingside } from '../store.ts';
import { inkOver, OWNER_PATTERNS, patternMask } from '../viz/owner-patterns.ts';
import { cellOrigin, frameAtPoint, layoutGrid, moveCursor, reconcileOwners, type UmemGrid } from '../viz/umem-grid.ts';
import { packRgba, UmemRaster } from '../viz/umem-raster.ts';
import { AttachedOwnership } from './AttachedSocket.tsx';
import { ExplainButton } from './Explain.tsx';
import { LedgerUnjudged } from './LedgerViolations.tsx';
import { SocketHead } from './SocketPanel.tsx';

/** Nothing an owner code can be: forces the first paint of every cell. */
const UNDRAWN = 255;

/**
 * The theme's owner colours as packed pixels, and the ink of each owner's
 * pattern over it: the browser parses each CSS colour once per theme.
 */
function packColors(css: readonly string[]): { fills: Uint32Array; inks: Uint32Array } {
  const scratch = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  const fills = new Uint32Array(css.length);
  const inks = new Uint32Array(css.length);
  if (!scratch) return { fills, inks };
  css.forEach((color, i) => {
    scratch.clearRect(0, 0, 1, 1);
    scratch.fillStyle = color;
    scratch.fillRect(0, 0, 1, 1);
    const [r = 0, g = 0, b = 0, a = 0] = scratch.getImageData(0, 0, 1, 1).data;
    fills[i] = packRgba(r, g, b, a);
    inks[i] = packRgba(...inkOver(r, g, b), a);
  });
  return { fills, inks };
}

/** Each owner's pattern mask for cells of `side` device pixels, in FRAME_OWNERS order. */
const masksFor = (side: number) => FRAME_OWNERS.map((owner) => patternMask(OWNER_PATTERNS[owner], side));

function sameCounts(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function UmemPanel({ socketId }: { socketId: string }) {
  const umem = useRingside((s) => selectUmemOf(s, socketId));
  const attached = useRingside((s) => selectAttached(s, socketId) !== undefined);
  if (attached) {
    // Another process's UMEM is its own memory: only the kernel's side of its frames can be told.
    return (
      <section className="panel" data-testid={`umem-${socketId}`}>
        <SocketHead socketId={socketId} />
        <AttachedOwnership socketId={socketId} />
      </section>
    );
  }
  if (!umem) return null;
  return (
    <section className="panel" data-testid={`umem-${socketId}`}>
      <SocketHead socketId={socketId} />
      <h3>
        UMEM {umem.id}: {umem.config.frameCount} frames of {umem.config.frameSize} B
        {umem.config.unaligned ? ', unaligned' : ', aligned'}, headroom {umem.config.headroom}
        {umem.config.txMetadata && (
          <span data-testid="umem-tx-metadata">
            , TX metadata {umem.config.txMetadata.length} B in front of each sent frame
            {umem.config.txMetadata.swChecksum ? ' (checksum by the kernel: XDP_UMEM_TX_SW_CSUM)' : ''}
          </span>
        )}{' '}
        <ExplainButton topic="view:umem" />
      </h3>
      <UmemMap socketId={socketId} config={umem.config} />
    </section>
  );
}

function UmemMap({ socketId, config }: { socketId: string; config: UmemConfig }) {
  const presenter = useSelection((s) => s.presenter);
  const watchDetail = useRingside((s) => s.watchDetail);
  const selectFrame = useSelection((s) => s.selectFrame);
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [counts, setCounts] = useState<number[] | null>(null);
  const [hovered, setHovered] = useState<{ frame: number; x: number; y: number } | null>(null);
  /** The keyboard's cell, shown while the map has focus. */
  const [cursor, setCursor] = useState<number | null>(null);
  const [focused, setFocused] = useState(false);
  const [said, setSaid] = useState('');
  const grid = useMemo(
    () => layoutGrid(config.frameCount, Math.max(1, width), presenter ? 520 : 380),
    [config.frameCount, width, presenter],
  );
  const gridRef = useRef<UmemGrid>(grid);
  gridRef.current = grid;

  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.floor(entry.contentRect.width));
    });
    observer.observe(box);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || width === 0) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const raster = new UmemRaster(grid, window.devicePixelRatio || 1);
    canvas.width = raster.width;
    canvas.height = raster.height;
    canvas.style.width = `${grid.width}px`;
    canvas.style.height = `${grid.height}px`;
    const image = new ImageData(raster.bytes, raster.width, raster.height);
    const drawn = new Uint8Array(config.frameCount).fill(UNDRAWN);
    const tally = new Uint32Array(FRAME_OWNERS.length);
    const shown = new Uint32Array(FRAME_OWNERS.length);
    let ownersVersion = -1;
    let paletteVersion = -1;
    let colors: ReturnType<typeof packColors> = {
      fills: new Uint32Array(FRAME_OWNERS.length),
      inks: new Uint32Array(FRAME_OWNERS.length),
    };
    const masks = masksFor(raster.side);
    const paint = (frame: number, owner: number) =>
      raster.paint(frame, colors.fills[owner] ?? 0, colors.inks[owner] ?? 0, masks[owner] ?? null);
    return animate(() => {
      const { owners, version } = useOwners.getState();
      const palette = usePalette.getState();
      if (palette.version !== paletteVersion) {
        paletteVersion = palette.version;
        colors = packColors(palette.owners);
        drawn.fill(UNDRAWN);
        raster.clear();
        ownersVersion = -1;
      }
      if (version === ownersVersion) return;
      ownersVersion = version;
      const frames = owners.get(socketId);
      if (!frames || frames.length !== config.frameCount) return;
      reconcileOwners(frames, drawn, tally, paint);
      const dirty = raster.takeDirty();
      if (dirty) ctx.putImageData(image, 0, 0, 0, dirty.top, raster.width, dirty.bottom - dirty.top);
      if (!sameCounts(tally, shown)) {
        shown.set(tally);
        setCounts(Array.from(tally));
      }
    });
  }, [socketId, config.frameCount, grid, width]);

  useEffect(() => {
    const overlay = overlayRef.current;
    if (!overlay || width === 0) return;
    const ctx = fitCanvas(overlay, grid.width, grid.height);
    if (!ctx) return;
    ctx.clearRect(0, 0, grid.width, grid.height);
    ctx.strokeStyle = usePalette.getState().text;
    ctx.lineWidth = 2;
    if (hovered) {
      const { x, y } = cellOrigin(grid, hovered.frame);
      ctx.strokeRect(x - 1, y - 1, grid.cell + 1, grid.cell + 1);
    }
    if (focused && cursor !== null && cursor < grid.frames) {
      // The keyboard's cell: a thicker ring a cell wider, so it shows beside the pointer's.
      const { x, y } = cellOrigin(grid, cursor);
      ctx.lineWidth = 3;
      ctx.strokeRect(x - 2, y - 2, grid.cell + 3, grid.cell + 3);
    }
  }, [hovered, cursor, focused, grid, width]);

  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    const frame = frameAtPoint(gridRef.current, x, y);
    setHovered(frame === null ? null : { frame, x, y });
  };

  /** Moves the keyboard's cell and says where it is: the frame, its owner at that moment and its chunk. */
  const placeCursor = (frame: number) => {
    setCursor(frame);
    const owner = useOwners.getState().owners.get(socketId)?.[frame];
    const start = frame * config.frameSize;
    setSaid(
      `frame ${frame} · ${owner === undefined ? 'owner unknown' : FRAME_OWNERS[owner]} · chunk ${start}–${start + config.frameSize - 1}`,
    );
  };
  const onKeyDown = (event: KeyboardEvent<HTMLCanvasElement>) => {
    const at = cursor ?? 0;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      selectFrame(socketId, at);
      return;
    }
    const next = moveCursor(gridRef.current, at, event.key);
    if (next === null) return;
    event.preventDefault();
    placeCursor(next);
  };
  const cursorAt = focused && cursor !== null && !hovered ? cellOrigin(grid, cursor) : null;

  return (
    <div className="umem">
      <div ref={boxRef} className="umem-box" style={{ height: grid.height }}>
        <canvas ref={canvasRef} data-testid="umem-canvas" />
        <canvas
          ref={overlayRef}
          className="umem-overlay"
          data-testid="umem-map"
          tabIndex={0}
          aria-label={`UMEM map of ${config.frameCount} frames: arrow keys, Page Up/Down, Home and End move; Enter opens the frame in the packet inspector`}
          aria-describedby={`umem-cursor-${socketId}`}
          onFocus={() => {
            setFocused(true);
            watchDetail(socketId);
            placeCursor(cursor ?? useSelection.getState().frames[socketId] ?? 0);
          }}
          onBlur={() => setFocused(false)}
          onKeyDown={onKeyDown}
          onPointerEnter={() => watchDetail(socketId)}
          onPointerMove={onPointerMove}
          onPointerLeave={() => setHovered(null)}
          onClick={(event) => {
            const box = event.currentTarget.getBoundingClientRect();
            const frame = frameAtPoint(gridRef.current, event.clientX - box.left, event.clientY - box.top);
            // The packet inspector opens on the frame clicked.
            if (frame !== null) selectFrame(socketId, frame);
          }}
        />
        {hovered && <FrameTooltip socketId={socketId} config={config} {...hovered} />}
        {cursorAt && cursor !== null && (
          <FrameTooltip
            socketId={socketId}
            config={config}
            frame={cursor}
            x={cursorAt.x + grid.cell}
            y={cursorAt.y + grid.cell}
          />
        )}
      </div>
      <p className="umem-cursor muted" id={`umem-cursor-${socketId}`} data-testid="umem-cursor" aria-live="polite">
        {focused ? said : 'Tab to the map to move over it by keyboard.'}
      </p>
      <UmemLegend counts={counts} total={config.frameCount} />
      <LedgerUnjudged socketId={socketId} />
    </div>
  );
}

function UmemLegend({ counts, total }: { counts: number[] | null; total: number }) {
  return (
    <ul className="legend" data-testid="umem-legend">
      {FRAME_OWNERS.map((owner, code) => (
        <li key={owner} title={OWNER_EXPLANATIONS[owner]}>
          <Swatch code={code} />
          <span className="legend-name">{owner}</span>
          <span className="num" data-testid={`umem-count-${owner}`}>
            {counts ? counts[code] : ''}
          </span>
        </li>
      ))}
      <li>
        <span className="legend-name muted">total</span>
        <span className="num" data-testid="umem-count-total">
          {counts ? counts.reduce((a, b) => a + b, 0) : ''}
        </span>
        <span className="muted">of {total}</span>
      </li>
    </ul>
  );
}

const SWATCH_SIDE = 14;

/** An owner's colour and pattern, painted as the map paints its cells. */
function Swatch({ code }: { code: number }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const palette = usePalette((s) => s.version);
  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || palette < 0) return;
    const raster = new UmemRaster(layoutGrid(1, SWATCH_SIDE, SWATCH_SIDE), window.devicePixelRatio || 1);
    canvas.width = raster.width;
    canvas.height = raster.height;
    const { fills, inks } = packColors([usePalette.getState().owners[code] ?? '#888']);
    raster.paint(0, fills[0] ?? 0, inks[0] ?? 0, masksFor(raster.side)[code] ?? null);
    ctx.putImageData(new ImageData(raster.bytes, raster.width, raster.height), 0, 0);
  }, [code, palette]);
  return <canvas ref={canvasRef} className="swatch" />;
}

interface FrameTooltipProps {
  socketId: string;
  config: UmemConfig;
  frame: number;
  x: number;
  y: number;
}

/** A frame's address range, owner, and how the kernel reads an address in it. */
function FrameTooltip({ socketId, config, frame, x, y }: FrameTooltipProps) {
  const owner = useOwners((s) => s.owners.get(socketId)?.[frame]);
  const detail = useRingside((s) => selectDetail(s, socketId));
  const start = frame * config.frameSize;
  // A descriptor that names this chunk right now, if any: its address shows what the kernel masks.
  const seen = detail ? descriptorNaming(detail.entries, frame, config.frameSize) : null;
  const example = seen?.address ?? start + config.headroom;
  const meaning = describeAddress(example, config.frameSize, config.unaligned);
  const ownerName = owner === undefined ? 'unknown' : (FRAME_OWNERS[owner] ?? 'unknown');
  const bits = Math.log2(config.frameSize);
  return (
    <div className="tooltip" data-testid="frame-tooltip" style={{ left: x + 12, top: y + 12 }}>
      <strong>frame {frame}</strong> · {ownerName}
      <div className="muted">
        {owner === undefined ? '' : OWNER_EXPLANATIONS[ownerName as keyof typeof OWNER_EXPLANATIONS]}
      </div>
      <dl className="readings">
        <dt>chunk</dt>
        <dd>
          {start}–{start + config.frameSize - 1}
        </dd>
        <dt>{seen ? `addr on ${seen.ring}` : 'addr (headroom)'}</dt>
        <dd>{example}</dd>
        <dt>kernel uses</dt>
        <dd>{meaning.effective}</dd>
        {config.txMetadata && (
          <>
            <dt>TX metadata</dt>
            <dd data-testid="frame-tooltip-tx-metadata">
              {start}–{start + config.txMetadata.length - 1}, before TX data at {start + config.txMetadata.length}
            </dd>
          </>
        )}
      </dl>
      <div className="muted">
        {config.unaligned
          ? 'unaligned mode: the address is used as given'
          : Number.isInteger(bits)
            ? `aligned mode: the kernel masks the low ${bits} bits (${meaning.maskedBits} here), so every address in the chunk names frame ${meaning.chunk}`
            : ''}
      </div>
    </div>
  );
}
