import { RestoredAfterRefusal } from '../../agent/src/engine/engine.ts';
import { XskConfigError } from '../../agent/src/xsk/umem.ts';
import type { SocketConfig, SocketRequest } from '../../shared/src/index.ts';
import { type LabSession, withLab } from './lab-session.ts';

/**
 * What busy polling does to a receiver's wakeups: the same traffic (a fixed
 * rate, a fixed count) received by one rxdrop socket with busy polling off,
 * then on. A wakeup is a syscall need_wakeup asked for or a poll() the data
 * plane slept in until the kernel woke it (Counter.WAKEUPS + IDLE_WAITS).
 * Where the kernel refuses busy polling (on veth in copy mode since Linux
 * 6.13: the socket has no NAPI to poll), `on` is null and `refusal` says why.
 */
export interface BusyPollResult {
  wakeups_per_kframe: { off: number; on: number | null };
  /** Received frames per second while measured. */
  rx_pps: { off: number; on: number | null };
  refusal: string | null;
  frames: number;
  offered_pps: number;
}

export interface BusyPollProfile {
  frames: number;
  ratePps: number;
}

/** What xdpsock -B sets: prefer busy polling, 20 µs, a budget of one batch. */
const BUSY_POLL = { preferBusyPoll: true, busyPollUsecs: 20, busyPollBudget: 64 };
const SOCKET = 'busy-poll';

function request(session: LabSession, busyPoll: SocketConfig['busyPoll']): SocketRequest {
  return {
    umem: { frameCount: 4096, frameSize: 2048, headroom: 0, fillSize: 2048, completionSize: 2048, unaligned: false },
    socket: {
      ifname: session.lab.appIfname,
      queueId: 0,
      rxSize: 2048,
      txSize: 0,
      xdpMode: 'drv',
      copy: true,
      zeroCopy: false,
      needWakeup: true,
      batchSize: 64,
      ...(busyPoll ? { busyPoll } : {}),
    },
    workload: 'rxdrop',
  };
}

async function measure(session: LabSession, frames: number): Promise<{ perKiloframe: number; pps: number }> {
  const totals = () => session.engine.get(SOCKET).observe().totals;
  const before = totals();
  const started = performance.now();
  session.source.sendExactly(frames);
  const deadline = Date.now() + 30_000;
  while (totals().rxPackets - before.rxPackets < frames) {
    if (Date.now() > deadline) throw new Error(`busy-poll bench: ${frames} frames did not all arrive`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const seconds = (performance.now() - started) / 1000;
  const after = totals();
  const received = after.rxPackets - before.rxPackets;
  const wakeups = after.wakeups - before.wakeups + (after.idleWaits - before.idleWaits);
  return { perKiloframe: (1000 * wakeups) / received, pps: received / seconds };
}

export async function benchBusyPoll(profile: BusyPollProfile): Promise<BusyPollResult> {
  return withLab({ queues: 1, ratePps: profile.ratePps, frameLength: 64, sourcePaused: true }, async (session) => {
    await session.engine.create(request(session, undefined), SOCKET);
    const off = await measure(session, profile.frames);
    let on: { perKiloframe: number; pps: number } | null = null;
    let refusal: string | null = null;
    try {
      await session.engine.reconfigure(SOCKET, request(session, BUSY_POLL));
      on = await measure(session, profile.frames);
    } catch (error) {
      if (!(error instanceof RestoredAfterRefusal || error instanceof XskConfigError)) throw error;
      refusal = error.message;
    }
    return {
      wakeups_per_kframe: { off: off.perKiloframe, on: on?.perKiloframe ?? null },
      rx_pps: { off: off.pps, on: on?.pps ?? null },
      refusal,
      frames: profile.frames,
      offered_pps: profile.ratePps,
    };
  });
}
