import { parentPort, workerData } from 'node:worker_threads';
import { ringMemoryAt, umemBytesAt } from '../native/ring-memory.ts';
import { CompletionRing, FillRing, RxRing, TxRing } from '../xsk/ring.ts';
import { ringCache } from './control.ts';
import type { DataplanePlan } from './plan.ts';
import { runRxdrop } from './rxdrop.ts';
import { runTxSource } from './txsource.ts';

/**
 * A data-plane thread. It owns the FILL/COMPLETION pair and the socket's RX
 * and TX rings of its plan: the rings are single-producer/single-consumer,
 * so no other thread writes to them.
 */
const plan = workerData as DataplanePlan;
const control = new Int32Array(plan.blocks.control);
const counters = new Float64Array(plan.blocks.counters);
const fill = new FillRing(ringMemoryAt(plan.fill, 'address', ringCache(plan.blocks, 'fill')));
const completion = new CompletionRing(ringMemoryAt(plan.completion, 'address', ringCache(plan.blocks, 'completion')));
const { socket, umem } = plan;

parentPort?.postMessage({ type: 'running' });
if (plan.workload === 'rxdrop') {
  if (!socket.rx) throw new Error('rxdrop needs a socket with an RX ring');
  const rx = new RxRing(ringMemoryAt(socket.rx, 'descriptor', ringCache(plan.blocks, 'rx')));
  runRxdrop(
    { fill, rx, fd: socket.fd, needWakeup: socket.needWakeup, batchSize: plan.batchSize, ...umem },
    control,
    counters,
  );
} else {
  if (!socket.tx || !plan.frame) throw new Error('the traffic source needs a socket with a TX ring and a frame');
  const tx = new TxRing(ringMemoryAt(socket.tx, 'descriptor', ringCache(plan.blocks, 'tx')));
  runTxSource(
    {
      tx,
      completion,
      fd: socket.fd,
      needWakeup: socket.needWakeup,
      batchSize: plan.batchSize,
      ...umem,
      umem: umemBytesAt(umem.address, umem.length),
    },
    plan.frame,
    control,
    counters,
  );
}
