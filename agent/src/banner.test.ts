import { defaultSocketRequest, type SocketInfo } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { banner } from './banner.ts';
import { kernelViewOf } from './observe/kernel-view.ts';
import { readings } from './observe/test-readings.ts';

const controlUrl = 'http://127.0.0.1:41234/?token=c';
const viewUrl = 'http://127.0.0.1:41234/?token=v';

function socketOn(ifname: string, queueId: number, workload: SocketInfo['workload']): SocketInfo {
  const request = defaultSocketRequest(ifname, queueId);
  return {
    id: 'xsk-1',
    umemId: 'umem-xsk-1',
    config: request.socket,
    workload,
    request,
    pausedStages: [],
    zeroCopyActive: false,
    xskmapIndex: queueId,
    kernel: kernelViewOf(readings()),
    mismatches: [],
  };
}

describe('the banner a start prints on a terminal', () => {
  it("names the lab's namespaces, veth and queues, the socket, both URLs and how to stop", () => {
    const text = banner({
      controlUrl,
      viewUrl,
      warnings: [],
      state: {
        lab: {
          appNamespace: 'ringside-7-app',
          peerNamespace: 'ringside-7-peer',
          appIfname: 'rs7a',
          peerIfname: 'rs7p',
          queues: 2,
        },
        traffic: {
          ifname: 'rs7p',
          paused: false,
          ratePps: 10000,
          frameSize: 128,
          queueIds: [0],
          destinationPorts: [9],
        },
        sockets: [socketOn('rs7a', 0, 'rxdrop')],
      },
    });
    expect(text).toContain('namespaces ringside-7-app and ringside-7-peer');
    expect(text).toContain('veth rs7a ↔ rs7p, 2 queues');
    expect(text).toContain('xsk-1: rxdrop on queue 0 of rs7a');
    expect(text).toContain('Ctrl-C stops Ringside and removes the lab.');
    // The lines harnesses read (agent/test/agent-process.ts) are there as every start prints them.
    expect(/running: (\S+)/.exec(text)?.[1]).toBe(controlUrl);
    expect(/audience\): (\S+)/.exec(text)?.[1]).toBe(viewUrl);
  });

  it("on a real interface, says what Ctrl-C undoes there and repeats the start's warning", () => {
    const text = banner({
      controlUrl,
      viewUrl,
      warnings: ['rxdrop on queue 2 of eth1: every frame that queue receives goes to the socket'],
      state: { lab: null, traffic: null, sockets: [socketOn('eth1', 2, 'rxdrop')] },
    });
    expect(text).not.toContain('Lab');
    expect(text).toContain('xsk-1: rxdrop on queue 2 of eth1');
    expect(text).toContain('Warning: rxdrop on queue 2 of eth1');
    expect(text).toContain('its XDP programs are detached');
  });
});
