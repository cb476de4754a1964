import { describe, expect, it } from 'vitest';
import { allocateLaneBlocks, Counter } from '../dataplane/control.ts';
import { readTotals } from './socket-observer.ts';

describe('readTotals', () => {
  it('never shows more TX descriptors taken than its sendtos allow, when a sendto lands between its reads', () => {
    const counters = new Float64Array(allocateLaneBlocks().counters);
    counters[Counter.TX_SENDTOS] = 10;
    counters[Counter.TX_SENDTO_CONSUMED] = 320;
    // A sender flat out at the default budget: once the reader has read one of the pair, a whole sendto lands
    // before it reads the other (one more call, and the 32 descriptors it took).
    let landed = false;
    const racing = new Proxy(counters, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (!landed && (key === String(Counter.TX_SENDTOS) || key === String(Counter.TX_SENDTO_CONSUMED))) {
          landed = true;
          target[Counter.TX_SENDTOS] = 11;
          target[Counter.TX_SENDTO_CONSUMED] = 352;
        }
        return value;
      },
    });
    const totals = readTotals(racing);
    expect(landed).toBe(true);
    expect(totals.txSendtoConsumed).toBeLessThanOrEqual(32 * totals.txSendtos);
  });
});
