import { release } from 'node:os';
import { afterEach, expect, it } from 'vitest';
import { socketFds } from '../src/attach/procfs.ts';
import { Lab } from '../src/lab/lab.ts';
import { getIntSocketOption } from '../src/native/libc.ts';
import { SO_INCOMING_NAPI_ID, SOL_SOCKET } from '../src/native/uapi.ts';
import { RingsideProgram } from '../src/xdp/ringside-program.ts';
import { XskSocket } from '../src/xsk/socket.ts';
import { Umem, XskConfigError } from '../src/xsk/umem.ts';
import { BareSocket } from './bare-socket.ts';
import { describeKernel, tearDownBuilt, waitFor } from './kernel.ts';
import { testSocket } from './lab-sockets.ts';

const BUSY_POLL = { preferBusyPoll: true, busyPollUsecs: 20, busyPollBudget: 64 };
const UMEM = { frameCount: 512, frameSize: 2048, headroom: 0, fillSize: 256, completionSize: 256, unaligned: false };

/** Linux 6.15 ("xsk: Bring back busy polling support in XDP_COPY"): read here apart from napi-at-bind.ts, which is under test. */
const [major = 0, minor = 0] = release().split('.').map(Number);
const bindTellsCopyModeNapi = major > 6 || (major === 6 && minor >= 15);

const napiIdOf = (fd: number) => getIntSocketOption(fd, SOL_SOCKET, SO_INCOMING_NAPI_ID, 'SO_INCOMING_NAPI_ID');

describeKernel('busy polling and the NAPI instance bind gives a socket, on this kernel', () => {
  let lab: Lab | null = null;
  let program: RingsideProgram | null = null;
  let sockets: { destroy(): void }[] = [];

  afterEach(() => {
    const built = { sockets, program, lab };
    sockets = [];
    program = null;
    lab = null;
    tearDownBuilt(built);
  });

  it('a copy-mode socket on veth has no NAPI instance, after bind and after receiving', async () => {
    lab = Lab.create(1);
    program = RingsideProgram.attach('by-queue', lab.appIfname, 'drv', lab.appNamespacePath);
    const receiver = BareSocket.open(lab.appNamespacePath, lab.appIfname, 0, 'receiver');
    const sender = BareSocket.open(lab.peerNamespacePath, lab.peerIfname, 0, 'sender');
    sockets.push(receiver, sender);
    program.setSocket(0, receiver.fd);
    expect(napiIdOf(receiver.fd)).toBe(0);
    await sender.send(32, 4242);
    await waitFor(() => receiver.receivedFrames() >= 32, 20_000, '32 frames at the socket');
    // Before 6.13/6.15 the first frame received would have brought the id: veth links no NAPI to its queues at all.
    expect(napiIdOf(receiver.fd)).toBe(0);
  });

  it('XskSocket refuses busy polling there where bind tells the NAPI instance, closing the socket it bound', () => {
    lab = Lab.create(1);
    const umem = Umem.create(UMEM, lab.appNamespacePath);
    sockets.push(umem);
    const config = testSocket(lab, { rxSize: 256, txSize: 0, busyPoll: BUSY_POLL });
    const placement = { namespacePath: lab.appNamespacePath, inhibitProgramLoad: true };
    const before = socketFds(process.pid).length;
    const create = () => XskSocket.create(umem, config, placement);
    if (!bindTellsCopyModeNapi) {
      // An older kernel tells the id with the first frame: an id of 0 after bind is no reason to refuse.
      sockets.unshift(create());
      return;
    }
    let refused: unknown = null;
    try {
      sockets.unshift(create());
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(XskConfigError);
    expect(refused).toMatchObject({ code: 'no-napi' });
    expect((refused as Error).message).toMatch(/^busy polling on rs-app queue 0 refused \(no NAPI\)/);
    expect(socketFds(process.pid)).toHaveLength(before);
  });
});
