import { parentPort, workerData } from 'node:worker_threads';
import { ringMemoryAt, umemBytesAt } from '../native/ring-memory.ts';
import { CompletionRing, FillRing, RxRing, TxRing } from '../xsk/ring.ts';
import { ringCache } from './control.ts';
import { FramePipeline } from './pipeline.ts';
import type { DataplanePlan } from './plan.ts';

/**
 * A data-plane thread. It owns the FILL/COMPLETION pair and the socket's RX
 * and TX rings of its plan: the rings are single-producer/single-consumer,
 * so no other thread writes to them.
 */
const plan = workerData as DataplanePlan;
const { socket, umem, blocks } = plan;
const pipeline = new FramePipeline({
  workload: plan.workload,
  fill: new FillRing(ringMemoryAt(plan.fill, 'address', ringCache(blocks, 'fill'))),
  completion: new CompletionRing(ringMemoryAt(plan.completion, 'address', ringCache(blocks, 'completion'))),
  rx: socket.rx ? new RxRing(ringMemoryAt(socket.rx, 'descriptor', ringCache(blocks, 'rx'))) : null,
  tx: socket.tx ? new TxRing(ringMemoryAt(socket.tx, 'descriptor', ringCache(blocks, 'tx'))) : null,
  fd: socket.fd,
  needWakeup: socket.needWakeup,
  batchSize: plan.batchSize,
  frameSize: umem.frameSize,
  frameCount: umem.frameCount,
  umem: umemBytesAt(umem.address, umem.length),
  frame: plan.frame,
  control: new Int32Array(blocks.control),
  counters: new Float64Array(blocks.counters),
  ledger: new Uint8Array(blocks.ledger),
  capture: blocks.capture,
});
parentPort?.postMessage({ type: 'running' });
pipeline.run();
