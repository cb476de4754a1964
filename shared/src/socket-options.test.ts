import { describe, expect, it } from 'vitest';
import type { SocketConfig } from './protocol.ts';
import { optionUnavailable, type SocketFeatures, validateSocketOptions } from './socket-options.ts';

const FEATURES: SocketFeatures = {
  kernel: '6.18.0',
  busyPoll: { available: true, refusal: null, maxBudget: 65535 },
  txBudget: { available: true, refusal: null, min: 32, max: null },
};
/** A 6.12 kernel: busy polling, but no XDP_MAX_TX_SKB_BUDGET. */
const OLDER: SocketFeatures = {
  ...FEATURES,
  kernel: '6.12.0',
  txBudget: { available: false, refusal: 'ENOPROTOOPT (the kernel does not know the option)', min: 0, max: null },
};

const config = (overrides: Partial<SocketConfig>): SocketConfig => ({
  ifname: 'rs-app',
  queueId: 0,
  rxSize: 1024,
  txSize: 1024,
  xdpMode: 'drv',
  copy: true,
  zeroCopy: false,
  needWakeup: true,
  batchSize: 64,
  ...overrides,
});
const BUSY_POLL = { preferBusyPoll: true, busyPollUsecs: 20, busyPollBudget: 64 };

describe('socket options against the probed kernel', () => {
  it('accepts a configuration without them, and the values the kernel took', () => {
    expect(validateSocketOptions(config({}), OLDER)).toEqual([]);
    expect(validateSocketOptions(config({ busyPoll: BUSY_POLL, txBudget: 32 }), FEATURES)).toEqual([]);
    expect(validateSocketOptions(config({ txBudget: 1024 }), FEATURES)).toEqual([]);
  });

  it('bounds the TX budget by the probed minimum and the TX ring the socket asks for', () => {
    expect(validateSocketOptions(config({ txBudget: 31 }), FEATURES)).toEqual([
      {
        field: 'txBudget',
        message:
          "TX budget 31 is outside what this kernel accepts (probed at start): from 32 to the TX ring's size (1024)",
      },
    ]);
    expect(validateSocketOptions(config({ txSize: 64, txBudget: 65 }), FEATURES)[0]?.message).toContain(
      "from 32 to the TX ring's size (64)",
    );
    const fixed = { ...FEATURES, txBudget: { ...FEATURES.txBudget, max: 512 } };
    expect(validateSocketOptions(config({ txBudget: 513 }), fixed)[0]?.message).toContain('from 32 to 512');
    expect(validateSocketOptions(config({ txSize: 0, txBudget: 64 }), FEATURES)[0]?.field).toBe('txBudget');
  });

  it('names an option the kernel lacks and the release that brought it', () => {
    expect(optionUnavailable(OLDER, 'txBudget')).toBe(
      'TX budget (XDP_MAX_TX_SKB_BUDGET) came in Linux 6.17; this kernel (6.12.0) refused it: ENOPROTOOPT (the kernel does not know the option)',
    );
    expect(optionUnavailable(OLDER, 'busyPoll')).toBeNull();
    expect(validateSocketOptions(config({ txBudget: 64 }), OLDER)[0]?.message).toMatch(
      /came in Linux 6\.17.*: leave the TX budget unset$/,
    );
  });

  it('refuses busy polling of 0 µs and a budget past the probed one', () => {
    const problems = validateSocketOptions(
      config({ busyPoll: { preferBusyPoll: false, busyPollUsecs: 0, busyPollBudget: 70_000 } }),
      FEATURES,
    );
    expect(problems.map((problem) => problem.field)).toEqual(['busyPollUsecs', 'busyPollBudget']);
    expect(problems[1]?.message).toContain('from 1 to 65535 (probed on this kernel)');
  });

  it('names multi-buffer as missing on a kernel before 6.6, and on an agent that did not probe it', () => {
    const before = {
      ...FEATURES,
      kernel: '6.1.0',
      multiBuffer: { available: false, refusal: 'EINVAL (the kernel does not know XDP_USE_SG)', maxFragments: null },
    };
    expect(validateSocketOptions(config({ multiBuffer: true }), before)).toEqual([
      {
        field: 'multiBuffer',
        message:
          'multi-buffer (XDP_USE_SG) came in Linux 6.6; this kernel (6.1.0) refused it: EINVAL (the kernel does not know XDP_USE_SG): turn multi-buffer off',
      },
    ]);
    expect(validateSocketOptions(config({ multiBuffer: false }), before)).toEqual([]);
    expect(optionUnavailable(FEATURES, 'multiBuffer')).toMatch(/did not probe multi-buffer/);
    const probed = { ...FEATURES, multiBuffer: { available: true, refusal: null, maxFragments: 18 } };
    expect(validateSocketOptions(config({ multiBuffer: true }), probed)).toEqual([]);
  });
});
