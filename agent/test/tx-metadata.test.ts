import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { onesComplementSum, type SocketRequest, type UmemConfig } from '@ringside/shared';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Control, Counter } from '../src/dataplane/control.ts';
import { checkTestFrame } from '../src/dataplane/frames.ts';
import { UDP_CHECKSUM_OFFSET, UDP_HEADER_START, udpPseudoHeaderSum } from '../src/dataplane/txonly-metadata.ts';
import { completionStampsOf } from '../src/dataplane/txonly-stamps.ts';
import { ConfigurationError, type Engine, RingsideLimitError } from '../src/engine/engine.ts';
import { probeSocketFeatures } from '../src/host/socket-features.ts';
import { Lab } from '../src/lab/lab.ts';
import { taiNowNs } from '../src/native/libc.ts';
import { describeKernel, waitFor } from './kernel.ts';
import { labEngine, refusal, TEST_UMEM, testSocket } from './lab-sockets.ts';

/** Frames the peer captures per case: two batches of the sender and more. */
const FRAMES = 100;
const UDP_CHECKSUM_FIELD = UDP_HEADER_START + UDP_CHECKSUM_OFFSET;
/** A completion timestamp, and a launch time 100 µs after each frame is written. */
const ASK_BOTH = { timestamp: true, launchTimeOffsetNs: 100_000 };

interface CapturedUdp {
  /** What tcpdump says of the UDP checksum: `ok`, or the checksum found and the one it should be. */
  checksum: 'ok' | { found: number; correct: number } | 'unchecked';
  bytes: Uint8Array;
}

/**
 * tcpdump on the lab's peer end, a tool none of us wrote, checking the UDP
 * checksum of every frame that arrives there (-vv) and printing its bytes.
 */
class PeerCapture {
  private readonly output: string[] = [];
  private constructor(private readonly process: ChildProcess) {}

  static async start(lab: Lab, count: number): Promise<PeerCapture> {
    const tcpdump = spawn(
      'ip',
      [
        'netns',
        'exec',
        lab.peerNamespace,
        'tcpdump',
        '-i',
        lab.peerIfname,
        '-nn',
        '-vv',
        '-xx',
        '-l',
        '-c',
        String(count),
        'udp',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const capture = new PeerCapture(tcpdump);
    tcpdump.stdout?.setEncoding('utf8').on('data', (text: string) => capture.output.push(text));
    // tcpdump says it listens once its socket is bound: frames sent after that are all seen.
    let said = '';
    await new Promise<void>((resolve, reject) => {
      tcpdump.stderr?.setEncoding('utf8').on('data', (text: string) => {
        said += text;
        if (said.includes('listening on')) resolve();
      });
      tcpdump.once('exit', (code) => reject(new Error(`tcpdump ended (${code}) before listening: ${said}`)));
    });
    return capture;
  }

  /** The frames, once tcpdump has seen all it was asked for and ended. */
  async frames(timeoutMs = 20_000): Promise<CapturedUdp[]> {
    const timer = setTimeout(() => this.process.kill(), timeoutMs);
    if (this.process.exitCode === null) await once(this.process, 'exit');
    clearTimeout(timer);
    return parseTcpdump(this.output.join(''));
  }

  stop(): void {
    if (this.process.exitCode === null) this.process.kill();
  }
}

function parseTcpdump(text: string): CapturedUdp[] {
  const frames: { verdict: string; bytes: number[] }[] = [];
  for (const line of text.split('\n')) {
    const hex = /^\s+0x[0-9a-f]+:\s+(.*)$/.exec(line);
    if (hex?.[1]) {
      for (const word of hex[1].trim().split(/\s+/)) {
        for (let i = 0; i < word.length; i += 2) frames.at(-1)?.bytes.push(Number.parseInt(word.slice(i, i + 2), 16));
      }
    } else if (/^\d/.test(line)) frames.push({ verdict: '', bytes: [] });
    else if (frames.length > 0) (frames.at(-1) as { verdict: string }).verdict += line;
  }
  return frames.map(({ verdict, bytes }) => {
    const bad = /bad udp cksum (0x[0-9a-f]+) -> (0x[0-9a-f]+)!/.exec(verdict);
    const checksum = verdict.includes('[udp sum ok]')
      ? 'ok'
      : bad
        ? { found: Number(bad[1]), correct: Number(bad[2]) }
        : 'unchecked';
    return { checksum, bytes: Uint8Array.from(bytes) };
  });
}

describeKernel('TX metadata: the UDP checksum asked for in front of each frame (XDP_TX_METADATA)', () => {
  let lab: Lab;
  let engine: Engine;
  let capture: PeerCapture | undefined;

  beforeEach(() => {
    lab = Lab.create(2);
    engine = labEngine(lab);
  });

  afterEach(async () => {
    capture?.stop();
    await engine?.destroyAll();
    lab?.destroy();
  });

  const sender = (umem: Partial<UmemConfig>, queueId = 0): SocketRequest => ({
    umem: { ...TEST_UMEM, ...umem },
    socket: testSocket(lab, { queueId, rxSize: 0, txSize: 1024 }),
    workload: 'txonly',
    traffic: { ratePps: 5000, frameLength: 128 },
  });

  /** What the peer's tcpdump saw of the first FRAMES frames a txonly socket on this UMEM sent. */
  async function framesAtThePeer(umem: Partial<UmemConfig>): Promise<CapturedUdp[]> {
    capture = await PeerCapture.start(lab, FRAMES);
    await engine.create(sender(umem), 'sender');
    const frames = await capture.frames();
    expect(frames).toHaveLength(FRAMES);
    // The lab's test frames, whole: the data started tx_metadata_len into each chunk, as the descriptor said.
    for (const frame of frames) expect(checkTestFrame(frame.bytes, 0, frame.bytes.length).defect).toBeNull();
    return frames;
  }

  it('the kernel takes tx_metadata_len from 16 to 248 in steps of 8, and the software checksum, probed at start', () => {
    expect(probeSocketFeatures().txMetadata).toEqual({
      available: true,
      refusal: null,
      minLength: 16,
      step: 8,
      maxLength: 248,
      swChecksum: { available: true, refusal: null },
    });
  });

  it('with XDP_UMEM_TX_SW_CSUM the kernel fills in every UDP checksum: tcpdump on the peer finds each one correct', async () => {
    const frames = await framesAtThePeer({ txMetadata: { length: 16, swChecksum: true } });
    expect(frames.map((frame) => frame.checksum)).toEqual(new Array(FRAMES).fill('ok'));
  });

  it('without it the request leaves with the pseudo-header sum in place: on veth nothing computes it, and every checksum arrives wrong', async () => {
    const frames = await framesAtThePeer({ txMetadata: { length: 24, swChecksum: false } });
    for (const frame of frames) {
      expect(frame.checksum).toEqual({ found: udpPseudoHeaderSum(frame.bytes, 0), correct: expect.any(Number) });
    }
  });

  it('a socket sharing the UMEM on another queue sends with its metadata too: every checksum the kernel filled in is correct', async () => {
    const umem = { txMetadata: { length: 16, swChecksum: true } };
    // The first never sends (TX submit paused from its first round): every frame captured is the sharing socket's.
    const first = await engine.create({ ...sender(umem), pausedStages: ['txSubmit'] }, 'first');
    capture = await PeerCapture.start(lab, FRAMES);
    const sharing = await engine.create({ ...sender(umem, 1), umemId: first.group.id }, 'sharing');
    const frames = await capture.frames();
    expect(frames.map((frame) => frame.checksum)).toEqual(new Array(FRAMES).fill('ok'));
    expect(first.observe().totals.txPackets).toBe(0);
    expect(sharing.observe().totals.txPackets).toBeGreaterThanOrEqual(FRAMES);
  });

  it('on veth, asked with checks: kernel, the kernel takes both flags, sends every frame, and stamps each completion itself in copy mode, in software', async () => {
    // 64 chunks: every one goes out again and again, so a request left stamped over would show at the peer.
    const umem = { frameCount: 64, fillSize: 64, completionSize: 64, txMetadata: { length: 24, swChecksum: true } };
    capture = await PeerCapture.start(lab, FRAMES);
    const before = taiNowNs();
    const socket = await engine.create(
      { ...sender(umem), checks: 'kernel', txMetadataRequests: ASK_BOTH, traffic: { ratePps: 2000, frameLength: 128 } },
      'stamped',
    );
    const frames = await capture.frames();
    expect(frames.map((frame) => frame.checksum)).toEqual(new Array(FRAMES).fill('ok'));
    const stamps = () => completionStampsOf(socket.worker.control, socket.worker.counters);
    await waitFor(() => (stamps()?.asked ?? 0) >= FRAMES, 10_000, 'the frames to come back on COMPLETION');
    // The counts are compared once they hold still: no frame sent after a round that saw the pause, and every
    // frame sent back on COMPLETION and read there.
    socket.pause(['txSubmit']);
    await socket.step(['completionReap']);
    const sent = () => socket.worker.counters[Counter.TX_PACKETS];
    await waitFor(() => stamps()?.asked === sent(), 10_000, 'every frame sent to come back on COMPLETION');
    // The reap counts a frame as asked before it reads its stamp: a whole round after, both are in.
    await socket.step(['completionReap']);
    const after = taiNowNs();
    const seen = stamps();
    expect(seen?.asked).toBeGreaterThanOrEqual(FRAMES);
    // veth offers no tx-timestamp, yet every frame comes back stamped: copy mode's kernel writes CLOCK_TAI into
    // completion.tx_timestamp as it frees the frame's skb (xsk_destruct_skb), a software stamp, not the device's.
    expect(seen?.stamped).toBe(seen?.asked);
    const last = BigInt(seen?.last ?? 0);
    expect(last > before && last < after).toBe(true);
    expect(socket.observe().stats.txInvalidDescs).toBe(0);
  });

  it("asked of an rxdrop socket with checks: kernel, the requests reach no data plane: only txonly writes a frame's metadata, so nothing reads RX headroom as a stamp", async () => {
    const socket = await engine.create(
      {
        ...sender({ txMetadata: { length: 24, swChecksum: true } }),
        socket: testSocket(lab, { rxSize: 1024, txSize: 0 }),
        workload: 'rxdrop',
        checks: 'kernel',
        txMetadataRequests: ASK_BOTH,
      },
      'receiver',
    );
    expect(socket.worker.control[Control.TX_METADATA_FLAGS]).toBe(0);
    expect(completionStampsOf(socket.worker.control, socket.worker.counters)).toBeNull();
  });

  it('refusals are matched by their message, and the running socket keeps sending', async () => {
    const running = await engine.create(sender({ txMetadata: { length: 16, swChecksum: true } }), 'running');
    const sent = () => running.observe().totals.txPackets;
    const cases: [SocketRequest, string][] = [
      [
        { ...sender({ txMetadata: { length: 20, swChecksum: true } }, 1) },
        'txMetadataLength: tx_metadata_len 20 is not one this kernel accepts (probed at start): from 16 to 248 in steps of 8',
      ],
      [
        { ...sender({ txMetadata: { length: 256, swChecksum: false } }, 1) },
        'txMetadataLength: tx_metadata_len 256 is not one this kernel accepts (probed at start): from 16 to 248 in steps of 8',
      ],
      [
        { ...sender({ txMetadata: { length: 24, swChecksum: true } }, 1), txMetadataRequests: ASK_BOTH },
        `txTimestamp: ${lab.appIfname} (veth) offers no tx-timestamp in its xsk-features: the completion timestamp (XDP_TXMD_FLAGS_TIMESTAMP) needs a driver that does, such as mlx5, stmmac or igc: leave it out, or let the kernel answer (checks: kernel); launchTimeOffsetNs: ${lab.appIfname} (veth) offers no tx-launch-time in its xsk-features: the launch time (XDP_TXMD_FLAGS_LAUNCH_TIME) needs a driver that does, such as stmmac or igc: leave it out, or let the kernel answer (checks: kernel)`,
      ],
      [
        {
          ...sender({ txMetadata: { length: 16, swChecksum: true } }, 1),
          txMetadataRequests: { timestamp: false, launchTimeOffsetNs: 1000 },
        },
        // Both at once: what veth lacks (a check), and what txonly would write past 16 bytes (held whatever the checks).
        `launchTimeOffsetNs: ${lab.appIfname} (veth) offers no tx-launch-time in its xsk-features: the launch time (XDP_TXMD_FLAGS_LAUNCH_TIME) needs a driver that does, such as stmmac or igc: leave it out, or let the kernel answer (checks: kernel); launchTimeOffsetNs: txonly writes launch_time up to byte 24 of struct xsk_tx_metadata, past tx_metadata_len 16: it would overwrite the frame itself, whatever the checks. Set tx_metadata_len to 24`,
      ],
      [
        {
          ...sender({ txMetadata: { length: 16, swChecksum: true } }, 1),
          checks: 'kernel',
          txMetadataRequests: { timestamp: false, launchTimeOffsetNs: 1000 },
        },
        'launchTimeOffsetNs: txonly writes launch_time up to byte 24 of struct xsk_tx_metadata, past tx_metadata_len 16: it would overwrite the frame itself, whatever the checks. Set tx_metadata_len to 24',
      ],
      [
        { ...sender({ txMetadata: { length: 20, swChecksum: true } }, 1), checks: 'kernel' },
        'UMEM registration refused (EINVAL): the kernel refused tx_metadata_len 20 with XDP_UMEM_TX_SW_CSUM: see the TX metadata lengths probed at start',
      ],
    ];
    for (const [asked, message] of cases) {
      const before = sent();
      const refused = await refusal(engine.create(asked, 'refused'));
      expect(refused.message).toBe(message);
      if (asked.checks === undefined) expect(refused).toBeInstanceOf(ConfigurationError);
      // What txonly itself writes is refused under the kernel's checks too, as Ringside's own limit.
      if (asked.checks === 'kernel' && asked.txMetadataRequests) expect(refused).toBeInstanceOf(RingsideLimitError);
      expect(engine.list()).toEqual([running]);
      await waitFor(() => sent() > before, 5000, 'the running socket to send more');
    }
  });
});

describeKernel('TX metadata on a multi-buffer socket: a frame longer than a chunk goes as a chain', () => {
  let lab: Lab;
  let engine: Engine;
  let capture: PeerCapture | undefined;

  beforeEach(() => {
    lab = Lab.create(1, 4000);
    engine = labEngine(lab);
  });

  afterEach(async () => {
    capture?.stop();
    await engine?.destroyAll();
    lab?.destroy();
  });

  it("the checksum request rides in the chain's first descriptor, every frame arrives, and its checksum covers the first chunk alone: the kernel computes it before the rest of the chain is in the skb", async () => {
    capture = await PeerCapture.start(lab, FRAMES);
    const socket = await engine.create(
      {
        umem: { ...TEST_UMEM, txMetadata: { length: 16, swChecksum: true } },
        socket: testSocket(lab, { rxSize: 0, txSize: 1024, multiBuffer: true }),
        workload: 'txonly',
        traffic: { ratePps: 2000, frameLength: 3000 },
      },
      'chains',
    );
    const frames = await capture.frames();
    expect(socket.observe().stats.txInvalidDescs).toBe(0);
    // Copy mode runs skb_checksum_help when the chain's first descriptor is in the skb and the rest not yet
    // (xsk_build_skb): the checksum covers the UDP bytes of the first chunk alone, a kernel limit the peer shows.
    const firstChunk = TEST_UMEM.frameSize - 16;
    for (const frame of frames) {
      const asSent = frame.bytes.slice();
      new DataView(asSent.buffer).setUint16(UDP_CHECKSUM_FIELD, udpPseudoHeaderSum(asSent, 0));
      const overFirstChunk = ~onesComplementSum(asSent, UDP_HEADER_START, firstChunk - UDP_HEADER_START) & 0xffff;
      expect(frame.checksum).toEqual({ found: overFirstChunk, correct: expect.any(Number) });
    }
    for (const frame of frames) expect(checkTestFrame(frame.bytes, 0, frame.bytes.length).defect).toBeNull();
  });
});
