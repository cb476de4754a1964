import type { SocketConfig } from '@ringside/shared';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ConfigurationError, type Engine, RestoredAfterRefusal, type SocketRequest } from '../src/engine/engine.ts';
import { probeSocketFeatures } from '../src/host/socket-features.ts';
import { Lab } from '../src/lab/lab.ts';
import { TrafficSource } from '../src/lab/traffic-source.ts';
import { XskConfigError } from '../src/xsk/umem.ts';
import { describeKernel } from './kernel.ts';
import { fillIsFull, labEngine, receivesFrom, refusal, TEST_UMEM, testSocket } from './lab-sockets.ts';

const noop = () => {};
/** What xdpsock -B sets: prefer busy polling, 20 µs, a budget of one batch. */
const BUSY_POLL = { preferBusyPoll: true, busyPollUsecs: 20, busyPollBudget: 64 };

describeKernel('busy polling on the lab veth', () => {
  let lab: Lab;
  let source: TrafficSource;
  let engine: Engine;

  beforeEach(async () => {
    lab = Lab.create(2);
    source = await TrafficSource.start(lab, { ratePps: 5000, frameLength: 64, paused: true, queueId: 0 }, noop);
    engine = labEngine(lab);
  });

  afterEach(async () => {
    await engine?.destroyAll();
    await source?.stop();
    lab?.destroy();
  });

  const request = (socket: Partial<SocketConfig> = {}, extra: Partial<SocketRequest> = {}): SocketRequest => ({
    umem: TEST_UMEM,
    socket: testSocket(lab, { txSize: 0, ...socket }),
    workload: 'rxdrop',
    ...extra,
  });

  const receives = (id: string, count?: number) => receivesFrom(engine, source, id, count);

  it('the kernel takes the options on a throw-away socket', () => {
    const { busyPoll } = probeSocketFeatures();
    expect(busyPoll).toEqual({ available: true, refusal: null, maxBudget: 65535 });
  });

  it('refuses busy polling on a copy-mode socket, which has no NAPI to poll, and leaves the running socket receiving', async () => {
    const running = await engine.create(request(), 'xsk');
    await receives('xsk');
    const refused = await refusal(engine.create(request({ queueId: 1, busyPoll: BUSY_POLL }), 'busy'));
    expect(refused).toBeInstanceOf(XskConfigError);
    expect(refused.message).toMatch(
      /^busy polling on rs-app queue 1 refused \(no NAPI\): .*SO_INCOMING_NAPI_ID reads 0/,
    );
    expect(engine.list().map((socket) => socket.id)).toEqual(['xsk']);
    expect(engine.get('xsk')).toBe(running);
    await receives('xsk');
  });

  it('on reconfiguration, the refusal is the kernel’s and the previous configuration comes back receiving', async () => {
    await engine.create(request(), 'xsk');
    const refused = await refusal(engine.reconfigure('xsk', request({ busyPoll: BUSY_POLL })));
    expect(refused).toBeInstanceOf(RestoredAfterRefusal);
    expect(refused.message).toContain('refused (no NAPI)');
    expect(engine.request('xsk').socket.busyPoll).toBeUndefined();
    // Frames that come before the rebuilt socket's FILL has entries are the kernel's to drop.
    await fillIsFull(engine.get('xsk'), TEST_UMEM.fillSize);
    await receives('xsk');
  });

  it('refuses a budget past the probed bound: Ringside names the bound, the kernel says EINVAL', async () => {
    const running = await engine.create(request(), 'xsk');
    const tooBig = { ...BUSY_POLL, busyPollBudget: 70_000 };
    const ours = await refusal(engine.create(request({ queueId: 1, busyPoll: tooBig }), 'busy'));
    expect(ours).toBeInstanceOf(ConfigurationError);
    expect(ours.message).toBe(
      'busyPollBudget: SO_BUSY_POLL_BUDGET must be from 1 to 65535 (probed on this kernel): try the batch size',
    );
    const kernels = await refusal(
      engine.create(request({ queueId: 1, busyPoll: tooBig }, { checks: 'kernel' }), 'busy'),
    );
    expect(kernels.message).toBe(
      'socket on rs-app queue 1 refused (EINVAL): the kernel refused this value of SO_BUSY_POLL_BUDGET: see the bounds probed at start',
    );
    expect(engine.list()).toEqual([running]);
    await receives('xsk');
  });
});
