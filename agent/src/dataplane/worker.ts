import { parentPort, workerData } from 'node:worker_threads';
import { setThreadNice, threadId } from '../native/libc.ts';
import { ringMemoryAt, umemBytesAt } from '../native/ring-memory.ts';
import { CompletionRing, FillRing, RxRing, TxRing } from '../xsk/ring.ts';
import { DATAPLANE_NICE, ringCache } from './control.ts';
import { KernelDoorbells } from './kernel-doorbells.ts';
import { FramePipeline, type PipelineSetup } from './pipeline.ts';
import type { DataplanePlan } from './plan.ts';

/**
 * A data-plane thread. It owns the FILL/COMPLETION pairs of its UMEM and the
 * RX and TX rings of every socket on it: the rings are
 * single-producer/single-consumer, so no other thread writes to them.
 */
const plan = workerData as DataplanePlan;
// The agent's main thread yields to the data plane (agent.ts) and this thread was started by it: take back normal priority.
setThreadNice(DATAPLANE_NICE);
const { umem, blocks } = plan;
const descriptors = (layout: DataplanePlan['lanes'][number]['rx'], caches: SharedArrayBuffer, ring: 'rx' | 'tx') =>
  layout ? ringMemoryAt(layout, 'descriptor', ringCache(caches, ring)) : null;
const setup: PipelineSetup = {
  frameSize: umem.frameSize,
  frameCount: umem.frameCount,
  txMetadataLength: umem.txMetadataLength,
  umem: umemBytesAt(umem.address, umem.length),
  control: new Int32Array(blocks.control),
  ledger: new Uint8Array(blocks.ledger),
  pairs: plan.pairs.map((pair) => ({
    slot: pair.slot,
    fill: new FillRing(ringMemoryAt(pair.fill, 'address', ringCache(pair.ringCaches, 'fill'))),
    completion: new CompletionRing(ringMemoryAt(pair.completion, 'address', ringCache(pair.ringCaches, 'completion'))),
  })),
  lanes: plan.lanes.map((lane) => {
    const rx = descriptors(lane.rx, lane.blocks.ringCaches, 'rx');
    const tx = descriptors(lane.tx, lane.blocks.ringCaches, 'tx');
    return {
      slot: lane.slot,
      pair: lane.pair,
      workload: lane.workload,
      rx: rx ? new RxRing(rx) : null,
      tx: tx ? new TxRing(tx) : null,
      fd: lane.fd,
      needWakeup: lane.needWakeup,
      busyPoll: lane.busyPoll,
      batchSize: lane.batchSize,
      frame: lane.frame,
      control: new Int32Array(lane.blocks.control),
      counters: new Float64Array(lane.blocks.counters),
      capture: lane.blocks.capture,
      txTable: lane.blocks.txTable,
    };
  }),
};
const pipeline = new FramePipeline(setup, new KernelDoorbells(setup.control));
parentPort?.postMessage({ type: 'running', threadId: threadId() });
pipeline.run();
