import { defaultSocketRequest, type SocketInfo } from '@ringside/shared';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { banner, terminalQr } from './banner.ts';
import { kernelViewOf } from './observe/kernel-view.ts';
import { readings } from './observe/test-readings.ts';
import { urlLines } from './run-file.mjs';
import { accessPolicy, agentUrls } from './server/access.ts';

const controlUrl = 'http://127.0.0.1:41234/?token=c';
const viewUrl = 'http://127.0.0.1:41234/?token=v';
const urls = agentUrls(accessPolicy('127.0.0.1', 41234, { control: 'c', view: 'v' }));

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
      urls,
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
      urls,
      warnings: ['rxdrop on queue 2 of eth1: every frame that queue receives goes to the socket'],
      state: { lab: null, traffic: null, sockets: [socketOn('eth1', 2, 'rxdrop')] },
    });
    expect(text).not.toContain('Lab');
    expect(text).toContain('xsk-1: rxdrop on queue 2 of eth1');
    expect(text).toContain('Warning: rxdrop on queue 2 of eth1');
    expect(text).toContain('its XDP programs are detached');
  });

  it('on loopback alone, shows no QR code and says how to serve an audience', () => {
    const text = banner({ urls, warnings: [], state: { lab: null, traffic: null, sockets: [] } });
    expect(text).not.toContain('Scan');
    expect(text).toContain('--host 0.0.0.0 --allow-remote --allowed-host NAME');
  });

  it('prints both URLs of every allowed name, and a QR code of the view URL a room can open', () => {
    const workshop = agentUrls(
      accessPolicy('0.0.0.0', 7420, { control: 'c', view: 'v' }, [
        { name: 'workshop-box.local', port: null },
        { name: '192.0.2.2', port: null },
      ]),
    );
    const text = banner({ urls: workshop, warnings: [], state: { lab: null, traffic: null, sockets: [] } });
    expect(text).toContain('Ringside is running: http://127.0.0.1:7420/?token=c\n');
    expect(text).toContain('View-only (for an audience): http://127.0.0.1:7420/?token=v\n');
    expect(text).toContain('Also reachable: http://workshop-box.local:7420/?token=c\n');
    expect(text).toContain('View-only there: http://workshop-box.local:7420/?token=v\n');
    expect(text).toContain('Also reachable: http://192.0.2.2:7420/?token=c\n');
    expect(text).toContain('View-only there: http://192.0.2.2:7420/?token=v\n');
    expect(text).not.toMatch(/0\.0\.0\.0/);
    expect(text).toContain('Scan to watch (view only): http://workshop-box.local:7420/?token=v\n');
    for (const row of terminalQr('http://workshop-box.local:7420/?token=v')) expect(text).toContain(row);
    // The lines every start prints are the banner's, so `ringside urls` and a harness read the same.
    expect(text).toContain(urlLines(workshop));
  });
});

describe('the QR code on the terminal', () => {
  it('draws every module of the code, two rows a character, inside a quiet zone', () => {
    const url = 'http://workshop-box.local:7420/?token=v';
    const { size, data } = QRCode.create(url, { errorCorrectionLevel: 'L' }).modules;
    const rows = terminalQr(url).map((row) => row.replace('\x1b[30;47m', '').replace('\x1b[0m', ''));
    const dark = (row: number, column: number) => {
      const char = rows[Math.floor((row + 2) / 2)]?.[column + 2];
      return (row + 2) % 2 === 0 ? char === '█' || char === '▀' : char === '█' || char === '▄';
    };
    expect(rows).toHaveLength(Math.ceil((size + 4) / 2));
    for (const row of rows) expect(row).toHaveLength(size + 4);
    for (let row = 0; row < size; row++) {
      for (let column = 0; column < size; column++) expect(dark(row, column)).toBe(data[row * size + column] === 1);
    }
    expect(dark(-1, 0) || dark(0, -1) || dark(size, 0) || dark(0, size)).toBe(false);
  });
});
