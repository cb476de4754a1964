import { Engine } from '../../agent/src/engine/engine.ts';
import { describeInterface } from '../../agent/src/host/interfaces.ts';
import { probeKernelLimits } from '../../agent/src/host/kernel-limits.ts';
import { Lab } from '../../agent/src/lab/lab.ts';
import { FRAME_TO_PEER, TrafficSource } from '../../agent/src/lab/traffic-source.ts';
import { createLogger } from '../../agent/src/logger.ts';

/** A lab, a traffic source on its peer end and an engine for sockets on its app end, torn down together. */
export interface LabSession {
  lab: Lab;
  source: TrafficSource;
  engine: Engine;
}

export interface LabSessionOptions {
  queues: number;
  ratePps: number;
  frameLength: number;
  sourcePaused: boolean;
  /** The veth pair's MTU (default 1500). */
  mtu?: number;
}

const log = createLogger('error');
/** Labs alive now, for exit paths that never reach a finally (a signal). */
const live = new Set<Lab>();

/**
 * Runs `body` with a lab of its own. Whatever happens in it, the sockets, the
 * source and the namespaces are gone when this returns or throws.
 */
export async function withLab<T>(options: LabSessionOptions, body: (session: LabSession) => Promise<T>): Promise<T> {
  const lab = Lab.create(options.queues, options.mtu);
  live.add(lab);
  let source: TrafficSource | null = null;
  const engine = new Engine({
    namespacePath: lab.appNamespacePath,
    limits: probeKernelLimits(),
    describeInterface: (ifname) => describeInterface(lab.appNamespace, ifname),
    frame: FRAME_TO_PEER,
    log,
  });
  try {
    source = await TrafficSource.start(
      lab,
      { ratePps: options.ratePps, frameLength: options.frameLength, paused: options.sourcePaused, queueId: 0 },
      (error) => log.error({ err: error }, 'traffic source failed'),
    );
    return await body({ lab, source, engine });
  } finally {
    await engine.destroyAll().catch(() => {});
    await source?.stop().catch(() => {});
    lab.destroy();
    live.delete(lab);
  }
}

/** Removes every lab still alive: deleting a namespace takes its veth, programs and sockets' bindings with it. */
export function destroyLiveLabs(): void {
  for (const lab of live) lab.destroy();
  live.clear();
}
