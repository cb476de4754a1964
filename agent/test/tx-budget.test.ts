import type { SocketConfig } from '@ringside/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, type Engine, type SocketRequest } from '../src/engine/engine.ts';
import { probeSocketFeatures } from '../src/host/socket-features.ts';
import { Lab } from '../src/lab/lab.ts';
import { TrafficSource } from '../src/lab/traffic-source.ts';
import { wakeupTx } from '../src/native/libc.ts';
import { ringMemoryAt } from '../src/native/ring-memory.ts';
import { TxRing } from '../src/xsk/ring.ts';
import { XskSocket } from '../src/xsk/socket.ts';
import { Umem } from '../src/xsk/umem.ts';
import { describeKernel } from './kernel.ts';
import { labEngine, receivesFrom, refusal, TEST_UMEM, testSocket } from './lab-sockets.ts';

const noop = () => {};
const TX_RING = 1024;
/** More than any budget under test, so one sendto stops at the budget, not at an empty ring. */
const QUEUED = 200;

describeKernel('the TX budget (XDP_MAX_TX_SKB_BUDGET) in copy mode', () => {
  let lab: Lab;

  beforeEach(() => {
    lab = Lab.create(2);
  });

  afterEach(() => {
    lab?.destroy();
  });

  /** A sender on a queue of the lab's app end with QUEUED descriptors on TX; returns the TX consumer the kernel wrote after each of `calls` sendto. */
  function consumerAfterEachSendto(queueId: number, txBudget: number | undefined, calls: number): number[] {
    const umem = Umem.create(TEST_UMEM, lab.appNamespacePath);
    let socket: XskSocket | undefined;
    try {
      const config: SocketConfig = {
        ...testSocket(lab, { queueId, rxSize: 0, txSize: TX_RING, needWakeup: true }),
        ...(txBudget === undefined ? {} : { txBudget }),
      };
      socket = XskSocket.create(umem, config, { namespacePath: lab.appNamespacePath, inhibitProgramLoad: true });
      const layout = socket.txLayout;
      if (!layout) throw new Error('no TX ring');
      const tx = new TxRing(ringMemoryAt(layout, 'descriptor', new Uint32Array(2)));
      expect(tx.reserve(QUEUED)).toBe(QUEUED);
      for (let i = 0; i < QUEUED; i++) tx.setDescriptor(tx.claimIndex + i, i * TEST_UMEM.frameSize, 60);
      tx.submit(QUEUED);
      // Copy mode sends only inside a syscall: nothing moves before the first sendto.
      const consumers = [tx.sharedConsumer()];
      for (let call = 0; call < calls; call++) {
        wakeupTx(socket.fd);
        consumers.push(tx.sharedConsumer());
      }
      return consumers;
    } finally {
      socket?.destroy();
      umem.destroy();
    }
  }

  it('the kernel takes budgets from 32 to the TX ring size, probed on throw-away sockets', () => {
    expect(probeSocketFeatures().txBudget).toEqual({ available: true, refusal: null, min: 32, max: null });
  });

  it('one sendto consumes 32 TX descriptors by default, and 64 with the budget set to 64', () => {
    // Two queues: the kernel frees a queue from a workqueue after its socket closes (EBUSY for a moment).
    expect(consumerAfterEachSendto(0, undefined, 2)).toEqual([0, 32, 64]);
    expect(consumerAfterEachSendto(1, 64, 2)).toEqual([0, 64, 128]);
  });

  describe('refusals leave the running socket as it was', () => {
    let source: TrafficSource;
    let engine: Engine;

    beforeEach(async () => {
      source = await TrafficSource.start(lab, { ratePps: 5000, frameLength: 64, paused: true, queueId: 0 }, noop);
      engine = labEngine(lab);
    });

    afterEach(async () => {
      await engine?.destroyAll();
      await source?.stop();
    });

    const request = (socket: Partial<SocketConfig>, extra: Partial<SocketRequest> = {}): SocketRequest => ({
      umem: TEST_UMEM,
      socket: testSocket(lab, socket),
      workload: 'rxdrop',
      ...extra,
    });

    const receives = (id: string, count?: number) => receivesFrom(engine, source, id, count);

    it('each refusal is matched by its message, and the socket on queue 0 keeps receiving', async () => {
      const running = await engine.create(request({}), 'xsk');
      await receives('xsk');
      const cases: [SocketRequest, string][] = [
        [
          request({ queueId: 1, txBudget: 16 }),
          "txBudget: TX budget 16 is outside what this kernel accepts (probed at start): from 32 to the TX ring's size (1024)",
        ],
        [
          request({ queueId: 1, txSize: 64, txBudget: 128 }),
          "txBudget: TX budget 128 is outside what this kernel accepts (probed at start): from 32 to the TX ring's size (64)",
        ],
        [
          request({ queueId: 1, txSize: 0, txBudget: 64 }),
          'txBudget: the TX budget needs a TX ring (the kernel refuses it without one)',
        ],
        [
          request({ queueId: 1, txBudget: 16 }, { checks: 'kernel' }),
          'socket on rs-app queue 1 refused (EACCES): the kernel refused this value of XDP_MAX_TX_SKB_BUDGET: see the bounds probed at start',
        ],
      ];
      for (const [asked, message] of cases) {
        const refused = await refusal(engine.create(asked, 'budget'));
        expect(refused.message).toBe(message);
        if (asked.checks === undefined) expect(refused).toBeInstanceOf(ConfigurationError);
        expect(engine.list()).toEqual([running]);
      }
      await receives('xsk');
      expect(engine.list()).toEqual([running]);
    });
  });
});
