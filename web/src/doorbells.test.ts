import { defaultSocketRequest } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { doorbellReadout } from './doorbells.ts';

const totals = {
  rxPackets: 4000,
  rxBytes: 0,
  txPackets: 640,
  txBytes: 0,
  completed: 640,
  wakeups: 10,
  idleWaits: 200,
  busyPolls: 0,
  txSendtos: 10,
  txSendtoConsumed: 640,
};
const socket = defaultSocketRequest('rs-app').socket;

describe('the doorbell readout', () => {
  it('gives syscalls per thousand received frames and TX descriptors per sendto', () => {
    expect(doorbellReadout(totals, { ...socket, txBudget: 64 })).toEqual({
      perKiloframe: { wakeups: 2.5, idleWaits: 50, busyPolls: 0 },
      consumedPerSendto: 64,
      sendtos: 10,
      txBudget: 64,
      busyPoll: false,
    });
  });

  it('has no ratio before the first frame or the first sendto', () => {
    const none = doorbellReadout({ ...totals, rxPackets: 0, txSendtos: 0, txSendtoConsumed: 0 }, socket);
    expect(none.perKiloframe).toBeNull();
    expect(none.consumedPerSendto).toBeNull();
    expect(none.txBudget).toBeNull();
  });
});
