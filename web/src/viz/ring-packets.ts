import type { PacketGroup } from '../descriptors.ts';
import { angleOf, type RingLayout, TURN } from './ring-canvas.ts';

/**
 * Multi-buffer packets drawn over a ring: a bracket just outside the band
 * spans each packet's slots, closed at both ends once its last descriptor is
 * in, dashed and open at its end while the packet is still arriving; the
 * descriptor count sits inside the band where the packet's arc can hold it.
 */

/** Below this many pixels of arc a bracket's ends would merge into a solid fence: the bracket goes without them. */
const MIN_ENDS_PX = 4;

export interface PacketColors {
  bracket: string;
  label: string;
}

/** Where a group's bracket and label go, in canvas angles (clockwise, and past 2π when it runs over slot 0). */
export interface PacketMark {
  from: number;
  to: number;
  /** The count, with a + while the packet is still arriving. */
  label: string;
  open: boolean;
}

export function packetMark(group: Pick<PacketGroup, 'slot' | 'count' | 'complete'>, size: number): PacketMark {
  // A slot's sliver of a gap at each end keeps neighbouring packets apart where slots are wide enough to show it.
  const inset = (TURN / size) * 0.25;
  return {
    from: angleOf(group.slot, size) + inset,
    to: angleOf(group.slot + group.count, size) - inset,
    label: group.complete ? String(group.count) : `${group.count}+`,
    open: !group.complete,
  };
}

/** The font the labels take: it grows with the ring, as in presenter mode. */
function labelFont(layout: RingLayout): string {
  return `600 ${Math.round(layout.cx / 8)}px system-ui, sans-serif`;
}

export function paintPackets(
  ctx: CanvasRenderingContext2D,
  layout: RingLayout,
  size: number,
  groups: readonly Pick<PacketGroup, 'slot' | 'count' | 'complete'>[],
  colors: PacketColors,
): void {
  if (groups.length === 0) return;
  const { cx, cy } = layout;
  const bracket = layout.outer + 3;
  const labelRadius = layout.inner - 9;
  const marks = groups.map((group) => packetMark(group, size));
  const at = (radius: number, angle: number) => [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)] as const;

  ctx.lineWidth = 1.5;
  ctx.lineCap = 'butt';
  ctx.strokeStyle = colors.bracket;
  // One path per dash pattern: a ring of 2048 slots may hold hundreds of packets.
  for (const open of [false, true]) {
    ctx.setLineDash(open ? [2, 2] : []);
    ctx.beginPath();
    for (const mark of marks) {
      if (mark.open !== open) continue;
      ctx.moveTo(...at(bracket, mark.from));
      ctx.arc(cx, cy, bracket, mark.from, mark.to);
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.beginPath();
  for (const mark of marks) {
    if ((mark.to - mark.from) * bracket < MIN_ENDS_PX) continue;
    for (const angle of mark.open ? [mark.from] : [mark.from, mark.to]) {
      ctx.moveTo(...at(layout.outer + 0.5, angle));
      ctx.lineTo(...at(bracket + 0.75, angle));
    }
  }
  ctx.stroke();

  ctx.font = labelFont(layout);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = colors.label;
  const widths = new Map<string, number>();
  for (const mark of marks) {
    let width = widths.get(mark.label);
    if (width === undefined) {
      width = ctx.measureText(mark.label).width;
      widths.set(mark.label, width);
    }
    if ((mark.to - mark.from) * labelRadius < width + 4) continue;
    ctx.fillText(mark.label, ...at(labelRadius, (mark.from + mark.to) / 2));
  }
}
