import type { SocketConfig, SocketSample } from '@ringside/shared';

/**
 * What a socket's data plane did at the kernel's door since it started, from
 * its totals: the syscalls per thousand received frames (need_wakeup's
 * wakeups, the poll() sleeps, busy polling's recvfrom), and how many TX
 * descriptors one sendto took (copy mode: the TX budget at most).
 */
export interface DoorbellReadout {
  /** Per 1000 received frames; null before the first frame. */
  perKiloframe: { wakeups: number; idleWaits: number; busyPolls: number } | null;
  /** TX descriptors consumed per sendto; null before the first sendto. */
  consumedPerSendto: number | null;
  sendtos: number;
  /** The TX budget asked for; null: the kernel's default. */
  txBudget: number | null;
  busyPoll: boolean;
}

export function doorbellReadout(totals: NonNullable<SocketSample['totals']>, config: SocketConfig): DoorbellReadout {
  const per = (count: number) => (1000 * count) / totals.rxPackets;
  return {
    perKiloframe:
      totals.rxPackets > 0
        ? { wakeups: per(totals.wakeups), idleWaits: per(totals.idleWaits), busyPolls: per(totals.busyPolls) }
        : null,
    consumedPerSendto: totals.txSendtos > 0 ? totals.txSendtoConsumed / totals.txSendtos : null,
    sendtos: totals.txSendtos,
    txBudget: config.txBudget ?? null,
    busyPoll: config.busyPoll !== undefined,
  };
}
