import { describe, expect, it } from 'vitest';
import { counterLook, counterLooks } from './counter-looks.ts';
import { labSocket } from './test-fixtures.ts';

const rxdrop = labSocket('xsk0', 0);

describe('which rising counters the page highlights', () => {
  it('explains tx_ring_empty_descs of a healthy rxdrop socket with a TX ring instead of highlighting it', () => {
    expect(counterLook('txRingEmptyDescs', true, rxdrop, [])).toEqual({
      highlighted: false,
      text: expect.stringMatching(/^expected: .*poll/),
    });
  });

  it('highlights it on a socket whose workload does not explain it', () => {
    const noTx = { ...rxdrop, config: { ...rxdrop.config, txSize: 0 } };
    expect(counterLook('txRingEmptyDescs', true, noTx, []).highlighted).toBe(true);
  });

  it('highlights what the diagnosis blames, with the counter’s own explanation', () => {
    expect(counterLook('rxFillRingEmptyDescs', true, rxdrop, ['rxFillRingEmptyDescs', 'rxDropped'])).toEqual({
      highlighted: true,
      text: 'the kernel had no FILL buffers when a frame arrived, so it dropped the frame',
    });
    expect(counterLook('txRingEmptyDescs', true, rxdrop, ['txRingEmptyDescs']).highlighted).toBe(true);
  });

  it('says nothing of a counter that stands still', () => {
    expect(counterLook('rxRingFull', false, rxdrop, ['rxRingFull'])).toEqual({ highlighted: false, text: '' });
  });
});

describe('every counter of a socket, in one pass', () => {
  it('gives each counter its look, rising or not', () => {
    const looks = counterLooks(rxdrop, ['rxFillRingEmptyDescs'], ['rxFillRingEmptyDescs', 'txRingEmptyDescs']);
    expect(looks.rxFillRingEmptyDescs).toMatchObject({ rising: true, highlighted: true });
    expect(looks.txRingEmptyDescs).toMatchObject({ rising: true, highlighted: false });
    expect(looks.rxDropped).toEqual({ rising: false, highlighted: false, text: '' });
  });
});
