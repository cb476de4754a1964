import {
  chunkContradicts,
  type KernelMismatch,
  type KernelMismatchChange,
  type KernelView,
  type RingKind,
  type SocketRequest,
} from '@ringside/shared';

/**
 * What Ringside asked for against what the kernel shows. A fact the kernel
 * has not told yet (null) is no mismatch; everything it did tell is held to
 * the request, never smoothed over. need_wakeup has no entry: in copy mode
 * the kernel's flags do not follow the request (kernel-view.ts says how).
 */
export function kernelMismatches(request: Pick<SocketRequest, 'socket' | 'umem'>, view: KernelView): KernelMismatch[] {
  const { socket, umem } = request;
  const mismatches: KernelMismatch[] = [];
  const differ = (fact: string, requested: string, inEffect: string, explanation: string) =>
    mismatches.push({ fact, requested, inEffect, explanation });

  const requestedSizes: Record<RingKind, number> = {
    fill: umem.fillSize,
    rx: socket.rxSize,
    tx: socket.txSize,
    completion: umem.completionSize,
  };
  for (const ring of Object.keys(requestedSizes) as RingKind[]) {
    const requested = requestedSizes[ring];
    const seen = view.rings[ring];
    const inEffect = !seen.present ? 'no ring' : seen.candidates.join(' or ');
    if (requested === 0 && seen.present) {
      differ(`rings.${ring}`, 'no ring', `${inEffect} entries`, 'the kernel accepts a mapping at this ring');
    } else if (requested > 0 && !seen.present) {
      differ(`rings.${ring}`, `${requested} entries`, 'no ring', 'the kernel accepts no mapping at this ring');
    } else if (requested > 0 && !seen.candidates.includes(requested)) {
      differ(
        `rings.${ring}`,
        `${requested} entries`,
        `${inEffect} entries`,
        'the ring the kernel mapped has another size',
      );
    }
  }

  const zeroCopy = view.zeroCopy.value;
  if (zeroCopy !== null && socket.zeroCopy && !zeroCopy) {
    differ('zeroCopy', 'zero-copy', 'copy', 'XDP_OPTIONS reports copy mode: the driver fell back or lacks zero-copy');
  } else if (zeroCopy !== null && socket.copy && zeroCopy) {
    differ('zeroCopy', 'copy', 'zero-copy', 'XDP_OPTIONS reports zero-copy although copy mode was asked');
  }

  // Only a socket that receives needs the interface's program; Ringside loads none for one without RX.
  if (socket.rxSize > 0 && view.xdpMode.source === 'netlink') {
    const mode = view.xdpMode.value;
    if (mode === null) {
      differ(
        'xdpMode',
        socket.xdpMode,
        'no program',
        `${socket.ifname} has no XDP program: nothing is redirected to the socket`,
      );
    } else if (mode !== socket.xdpMode) {
      differ('xdpMode', socket.xdpMode, mode, `the program on ${socket.ifname} runs in ${mode} mode`);
    }
  }

  const compare = <T>(fact: keyof KernelView, value: T | null, requested: T, explanation: string) => {
    if (value !== null && value !== requested) differ(fact, String(requested), String(value), explanation);
  };
  compare('ifname', view.ifname.value, socket.ifname, view.ifname.note ?? '');
  compare('queueId', view.queueId.value, socket.queueId, view.queueId.note ?? '');
  if (view.queueId.source === 'netlink' && view.queueId.value === null) {
    differ('queueId', String(socket.queueId), `no XSK on queue ${socket.queueId}`, view.queueId.note ?? '');
  }
  const chunk = view.chunkSize;
  if (chunkContradicts(chunk, umem.frameSize)) {
    const inEffect = chunk.value === null ? `a divisor of ${chunk.divides}` : String(chunk.value);
    differ('chunkSize', String(umem.frameSize), inEffect, 'where the kernel wrote received frames');
  }
  compare('headroom', view.headroom.value, umem.headroom, 'where received data starts within its chunk');
  compare('unaligned', view.unaligned.value, umem.unaligned, 'the top bits of the kernel’s RX addresses');
  return mismatches;
}

const keyOf = (mismatch: KernelMismatch) => `${mismatch.fact}\n${mismatch.requested}\n${mismatch.inEffect}`;

/**
 * What changed between the mismatches told before and those found now; null
 * when nothing did. Explanations may be worded anew at each read (they quote
 * the readings), so a mismatch is its fact, request and value in effect.
 */
export function mismatchChange(
  before: readonly KernelMismatch[],
  now: readonly KernelMismatch[],
): KernelMismatchChange | null {
  const nowKeys = new Set(now.map(keyOf));
  const beforeKeys = new Set(before.map(keyOf));
  if (nowKeys.size === beforeKeys.size && [...nowKeys].every((key) => beforeKeys.has(key))) return null;
  return { now: [...now], cleared: before.filter((mismatch) => !nowKeys.has(keyOf(mismatch))) };
}
