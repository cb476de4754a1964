import { expectedRises, type SocketInfo, XDP_STATISTICS_FIELDS, type XdpStatistics } from '@ringside/shared';
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useDiagnoses } from './diagnoses.ts';
import { STAT_EXPLANATIONS } from './explain.ts';
import { historyOf, useHistory } from './history.ts';
import { selectSocket, useRingside } from './store.ts';
import { rose } from './viz/time-series.ts';

/** How the page shows one XDP_STATISTICS counter. */
export interface CounterLook {
  /** Highlighted as a problem. */
  highlighted: boolean;
  /** One line: why it is a problem, or why it is expected here; empty when it does not rise. */
  text: string;
}

/**
 * A rising counter is a problem unless the socket's workload raises it when
 * healthy: that one is explained in its context. A counter the diagnosis
 * blames is always a problem.
 */
export function counterLook(
  field: keyof XdpStatistics,
  rising: boolean,
  socket: SocketInfo | undefined,
  blames: readonly (keyof XdpStatistics)[],
): CounterLook {
  if (!rising) return { highlighted: false, text: '' };
  const expected = socket ? expectedRises(socket)[field] : undefined;
  if (expected && !blames.includes(field)) return { highlighted: false, text: expected };
  return { highlighted: true, text: STAT_EXPLANATIONS[field] };
}

/** A counter counts as rising while it went up within this window. */
export const RISING_WINDOW_MS = 3000;

export type CounterLooks = Record<keyof XdpStatistics, CounterLook & { rising: boolean }>;

/**
 * Every XDP_STATISTICS counter of a socket as the page shows it, following the
 * history a few times a second: the same object until the socket, the
 * diagnosis's blame or the set of rising counters changes.
 */
export function useCounterLooks(socketId: string): CounterLooks {
  const socket = useRingside((s) => selectSocket(s, socketId));
  const blames = useDiagnoses(useShallow((s) => s.byId[socketId]?.blames ?? []));
  const rising = useHistory(
    useShallow(() => {
      const series = historyOf(socketId);
      return XDP_STATISTICS_FIELDS.filter((field) => series !== undefined && rose(series, field, RISING_WINDOW_MS));
    }),
  );
  return useMemo(() => counterLooks(socket, blames, rising), [socket, blames, rising]);
}

/** Every counter's look, given which of them rose lately. */
export function counterLooks(
  socket: SocketInfo | undefined,
  blames: readonly (keyof XdpStatistics)[],
  rising: readonly (keyof XdpStatistics)[],
): CounterLooks {
  return Object.fromEntries(
    XDP_STATISTICS_FIELDS.map((field) => {
      const isRising = rising.includes(field);
      return [field, { rising: isRising, ...counterLook(field, isRising, socket, blames) }];
    }),
  ) as CounterLooks;
}
