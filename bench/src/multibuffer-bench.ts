import { fileURLToPath } from 'node:url';
import { Counter } from '../../agent/src/dataplane/control.ts';
import type { SocketRequest } from '../../shared/src/index.ts';
import { MAX_RATE_PPS } from '../../shared/src/index.ts';
import { type LabSession, withLab } from './lab-session.ts';
import { runNative } from './native.ts';
import { median } from './stats.ts';

/**
 * rxdrop of 9000-byte frames on a lab at MTU 9000, JS against C: each frame
 * comes as three descriptors of 4096-byte chunks (XDP_PKT_CONTD on the first
 * two), and what counts is bytes received per second. Both sockets are bound
 * with XDP_USE_SG behind the same XDP program, Ringside's by-queue in its
 * frags-aware variant: libxdp 1.3's own program is not frags-aware, and veth
 * refuses it at this MTU. Runs alternate JS, C, C, JS... as in dataplane.ts.
 */

const MTU = 9000;
const FRAME = 9000;
/** 4096-byte chunks hold 3840 bytes of a frame each (XDP_PACKET_HEADROOM before): three per frame. */
const SHAPE = { frameCount: 4096, frameSize: 4096, fillSize: 2048, completionSize: 2048, rxSize: 2048, batchSize: 64 };
const FRAGS_PROGRAM = fileURLToPath(new URL('../../bpf/build/by_queue.frags.o', import.meta.url));

export interface MultiBufferProfile {
  rounds: number;
  warmupMs: number;
  windowMs: number;
}

export interface MultiBufferResult {
  rxdrop_gbps: { js: number; native: number; ratio: number };
  frame_bytes: number;
  /** Descriptors per received packet in the JS runs: 3 when every frame came whole. */
  descriptors_per_frame: number;
  js_runs_gbps: number[];
  native_runs_gbps: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function request(session: LabSession): SocketRequest {
  return {
    umem: {
      frameCount: SHAPE.frameCount,
      frameSize: SHAPE.frameSize,
      headroom: 0,
      fillSize: SHAPE.fillSize,
      completionSize: SHAPE.completionSize,
      unaligned: false,
    },
    socket: {
      ifname: session.lab.appIfname,
      queueId: 0,
      rxSize: SHAPE.rxSize,
      txSize: 0,
      xdpMode: 'drv',
      copy: true,
      zeroCopy: false,
      needWakeup: true,
      batchSize: SHAPE.batchSize,
      multiBuffer: true,
    },
    workload: 'rxdrop',
  };
}

async function runJs(session: LabSession, profile: MultiBufferProfile): Promise<{ gbps: number; perFrame: number }> {
  const socket = await session.engine.create(request(session), 'bench-multibuffer');
  try {
    const descriptors = () => socket.worker.counters[Counter.RX_DESCRIPTORS] as number;
    await sleep(profile.warmupMs);
    const a = await socket.observer.observe();
    const d0 = descriptors();
    const t0 = performance.now();
    await sleep(profile.windowMs);
    const b = await socket.observer.observe();
    const seconds = (performance.now() - t0) / 1000;
    const bytes = b.totals.rxBytes - a.totals.rxBytes;
    const packets = b.totals.rxPackets - a.totals.rxPackets;
    return { gbps: (bytes * 8) / seconds / 1e9, perFrame: packets > 0 ? (descriptors() - d0) / packets : 0 };
  } finally {
    // Its interface's program goes with it: xskbench attaches its own copy next.
    await session.engine.destroyOn(session.lab.appIfname);
  }
}

async function runC(session: LabSession, profile: MultiBufferProfile): Promise<number> {
  const result = await runNative({
    namespace: session.lab.appNamespace,
    ifname: session.lab.appIfname,
    queueId: 0,
    workload: 'rxdrop',
    ...SHAPE,
    txSize: 0,
    frameLength: 64,
    ratePps: 0,
    warmupMs: profile.warmupMs,
    durationMs: profile.windowMs,
    multiBuffer: true,
    xdpProgram: FRAGS_PROGRAM,
  });
  return (result.rx_bytes * 8) / result.duration_s / 1e9;
}

export async function benchMultiBuffer(
  profile: MultiBufferProfile,
  onRun: (implementation: 'js' | 'native', gbps: number) => void,
): Promise<MultiBufferResult> {
  return withLab(
    { queues: 1, ratePps: MAX_RATE_PPS, frameLength: FRAME, sourcePaused: false, mtu: MTU },
    async (session) => {
      const js: number[] = [];
      const native: number[] = [];
      let descriptors = 0;
      for (let round = 0; round < profile.rounds; round++) {
        const order = round % 2 === 0 ? (['js', 'native'] as const) : (['native', 'js'] as const);
        for (const implementation of order) {
          if (implementation === 'js') {
            const run = await runJs(session, profile);
            js.push(run.gbps);
            descriptors = run.perFrame;
            onRun('js', run.gbps);
          } else {
            const gbps = await runC(session, profile);
            native.push(gbps);
            onRun('native', gbps);
          }
        }
      }
      const jsGbps = median(js);
      const nativeGbps = median(native);
      return {
        rxdrop_gbps: { js: jsGbps, native: nativeGbps, ratio: jsGbps / nativeGbps },
        frame_bytes: FRAME,
        descriptors_per_frame: descriptors,
        js_runs_gbps: js,
        native_runs_gbps: native,
      };
    },
  );
}
