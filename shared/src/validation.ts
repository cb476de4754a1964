import type { InterfaceInfo, UmemLimits } from './facts.ts';
import type { SocketConfig, UmemConfig, Workload } from './protocol.ts';

/**
 * The kernel's rules for UMEMs and sockets, checked before anything is
 * created, so that a refused configuration leaves the running sockets as they
 * were. Limits come from the running kernel (UmemLimits, InterfaceInfo), never
 * from constants. Agent and page run the same checks and show the same words.
 */
export interface Problem {
  /** The field at fault, as named in the configuration. */
  field: string;
  /** What is wrong and what to change. */
  message: string;
}

/** Ringside's own ceilings, not the kernel's: rings beyond this are not drawable, UMEMs beyond it not sensible here. */
export const RINGSIDE_MAX_RING = 1 << 16;
export const RINGSIDE_MAX_UMEM_BYTES = 1 << 30;
export const RINGSIDE_MAX_BATCH = 1024;

const isPowerOfTwo = (value: number) => Number.isInteger(value) && value > 0 && (value & (value - 1)) === 0;

function ringProblem(field: string, label: string, size: number, optional: boolean): Problem | null {
  if (optional && size === 0) return null;
  if (!isPowerOfTwo(size)) {
    const below = 2 ** Math.floor(Math.log2(Math.max(1, size)));
    return { field, message: `${label} ring size must be a power of two (kernel rule): try ${below} or ${below * 2}` };
  }
  if (size > RINGSIDE_MAX_RING)
    return { field, message: `${label} ring size is at most ${RINGSIDE_MAX_RING} in Ringside` };
  return null;
}

/** The headroom limit for a chunk size: probed for aligned sizes, and the same reserve applied in between. */
export function maxHeadroomFor(limits: UmemLimits, frameSize: number): number | null {
  const probed = limits.maxHeadroom[String(frameSize)];
  if (probed !== undefined) return probed;
  const reserves = Object.entries(limits.maxHeadroom).map(([chunk, headroom]) => Number(chunk) - headroom);
  return reserves.length > 0 ? Math.max(0, frameSize - Math.max(...reserves)) : null;
}

export function validateUmem(config: UmemConfig, limits: UmemLimits): Problem[] {
  const problems: Problem[] = [];
  const { frameSize, frameCount, headroom } = config;
  if (!Number.isInteger(frameCount) || frameCount < 1) {
    problems.push({ field: 'frameCount', message: 'frame count must be a whole number of at least 1' });
  }
  if (config.unaligned) {
    const { min, max } = limits.unalignedChunkRange;
    if (frameSize < min || frameSize > max) {
      problems.push({
        field: 'frameSize',
        message: `in unaligned mode this kernel accepts chunk sizes from ${min} to ${max}`,
      });
    }
  } else if (!limits.alignedChunkSizes.includes(frameSize)) {
    problems.push({
      field: 'frameSize',
      message: `in aligned mode this kernel accepts chunk sizes ${limits.alignedChunkSizes.join(' or ')}; other sizes need unaligned mode`,
    });
  }
  const maxHeadroom = maxHeadroomFor(limits, frameSize);
  if (!Number.isInteger(headroom) || headroom < 0) {
    problems.push({ field: 'headroom', message: 'headroom must be a whole number of bytes, 0 or more' });
  } else if (maxHeadroom !== null && headroom > maxHeadroom) {
    problems.push({
      field: 'headroom',
      message: `headroom ${headroom} leaves no room for a frame in a ${frameSize}-byte chunk: this kernel accepts at most ${maxHeadroom}`,
    });
  }
  const fill = ringProblem('fillSize', 'FILL', config.fillSize, false);
  if (fill) problems.push(fill);
  const completion = ringProblem('completionSize', 'COMPLETION', config.completionSize, false);
  if (completion) problems.push(completion);
  if (frameCount * frameSize > RINGSIDE_MAX_UMEM_BYTES) {
    problems.push({
      field: 'frameCount',
      message: `${frameCount} frames of ${frameSize} bytes exceed Ringside's ${RINGSIDE_MAX_UMEM_BYTES / 2 ** 20} MiB per UMEM: use fewer frames`,
    });
  }
  return problems;
}

export function validateSocket(config: SocketConfig, workload: Workload, device: InterfaceInfo | null): Problem[] {
  const problems: Problem[] = [];
  if (config.rxSize === 0 && config.txSize === 0) {
    problems.push({
      field: 'rxSize',
      message: 'a socket needs an RX ring, a TX ring or both (kernel rule): set a size for one',
    });
  }
  for (const [field, label, size] of [
    ['rxSize', 'RX', config.rxSize],
    ['txSize', 'TX', config.txSize],
  ] as const) {
    const problem = ringProblem(field, label, size, true);
    if (problem) problems.push(problem);
  }
  if ((workload === 'rxdrop' || workload === 'l2fwd') && config.rxSize === 0) {
    problems.push({ field: 'rxSize', message: `${workload} receives: give the socket an RX ring` });
  }
  if ((workload === 'txonly' || workload === 'l2fwd') && config.txSize === 0) {
    problems.push({ field: 'txSize', message: `${workload} sends: give the socket a TX ring` });
  }
  if (config.copy && config.zeroCopy) {
    problems.push({
      field: 'zeroCopy',
      message: 'copy and zero-copy exclude each other (the kernel refuses both): pick one',
    });
  }
  if (!Number.isInteger(config.batchSize) || config.batchSize < 1 || config.batchSize > RINGSIDE_MAX_BATCH) {
    problems.push({ field: 'batchSize', message: `batch size must be a whole number from 1 to ${RINGSIDE_MAX_BATCH}` });
  }
  if (device === null) {
    problems.push({
      field: 'ifname',
      message: `interface ${config.ifname} does not exist here: pick one of the listed interfaces`,
    });
    return problems;
  }
  if (config.queueId >= device.rxQueues) {
    problems.push({
      field: 'queueId',
      message: `${device.name} has ${device.rxQueues} receive queue(s): pick a queue from 0 to ${device.rxQueues - 1}`,
    });
  }
  const features = device.xdpFeatures;
  if (features && config.zeroCopy && !features.xskZeroCopy) {
    problems.push({
      field: 'zeroCopy',
      message: `the ${device.driver} driver of ${device.name} does not support zero-copy AF_XDP: use copy mode`,
    });
  }
  if (features && config.xdpMode === 'drv' && !features.basic) {
    problems.push({
      field: 'xdpMode',
      message: `the ${device.driver} driver of ${device.name} has no native XDP: use SKB (generic) mode`,
    });
  }
  if (features && config.multiBuffer) problems.push(...multiBufferProblems(config, device, features));
  return problems;
}

/**
 * Multi-buffer needs the driver to build frames of several buffers (rx-sg in
 * its xdp-features) and, in zero-copy, to take more than one buffer per frame
 * (xdp-zc-max-segs above 1: the kernel's bind refuses XDP_USE_SG with
 * EOPNOTSUPP otherwise).
 */
function multiBufferProblems(
  config: SocketConfig,
  device: InterfaceInfo,
  features: NonNullable<InterfaceInfo['xdpFeatures']>,
): Problem[] {
  const problems: Problem[] = [];
  if (!features.rxSg) {
    problems.push({
      field: 'multiBuffer',
      message: `the ${device.driver} driver of ${device.name} cannot receive a frame in several buffers (no rx-sg in its xdp-features): turn multi-buffer off, or use an interface whose driver has rx-sg`,
    });
  }
  if (config.zeroCopy && features.zeroCopyMaxSegments <= 1) {
    problems.push({
      field: 'multiBuffer',
      message: `zero-copy multi-buffer on ${device.name} takes at most ${features.zeroCopyMaxSegments} buffer per frame (xdp-zc-max-segs): use copy mode, or turn multi-buffer off`,
    });
  }
  return problems;
}

/** One line for a list of problems, for errors that travel as a single message. */
export function describeProblems(problems: readonly Problem[]): string {
  return problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
}
