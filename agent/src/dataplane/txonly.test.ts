import { readTxMetadata, TXONLY_CHECKSUM_REQUEST, XDP_TXMD_FLAGS } from '@ringside/shared';
import { describe, expect, it, vi } from 'vitest';
import { taiNowNs } from '../native/libc.ts';
import { XDP_PKT_CONTD, XDP_TX_METADATA } from '../native/uapi.ts';
import { AppState, ledgerByte } from '../xsk/ledger.ts';
import { Control, Counter, Stage } from './control.ts';
import { checkTestFrame, ETHERNET_HEADER, IPV4_HEADER } from './frames.ts';
import { FramePipeline } from './pipeline.ts';
import { joinedBytes, PlayedKernel } from './test-kernel.ts';
import { ChainGenerations } from './txonly.ts';
import { udpPseudoHeaderSum } from './txonly-metadata.ts';
import { completionStampsOf } from './txonly-stamps.ts';

function sender(rate: number, remaining = -1, txMetadataLength?: number) {
  const kernel = new PlayedKernel({
    ringSize: 64,
    batchSize: 4,
    lanes: [{ workload: 'txonly' }],
    ...(txMetadataLength === undefined ? {} : { txMetadataLength }),
  });
  const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
  const control = kernel.lanes[0]?.control as Int32Array;
  control[Control.RATE_PPS] = rate;
  control[Control.FRAME_LENGTH] = 100;
  control[Control.SEND_REMAINING] = remaining;
  return { kernel, pipeline, control, counters: kernel.lanes[0]?.counters as Float64Array };
}

/** A sender with 16 bytes of TX metadata asking each frame's completion timestamp, after one round the kernel sent. */
function sentAskingStamps() {
  const { kernel, pipeline, control, counters } = sender(1_000_000, -1, 16);
  control[Control.TX_METADATA_FLAGS] = XDP_TXMD_FLAGS.timestamp;
  kernel.now = 1;
  pipeline.round();
  return {
    kernel,
    pipeline,
    control,
    counters,
    view: new DataView(kernel.setup.umem.buffer),
    sent: kernel.transmit(0),
  };
}

describe('txonly', () => {
  it('free → TX: sends numbered test frames from the pool, each marked as given to the sending lane', () => {
    const { kernel, pipeline, counters } = sender(1_000_000);
    kernel.now = 1;
    expect(pipeline.round()).toBe(4);
    expect(kernel.counts()).toEqual({ free: 28, tx: 4 });
    const sent = kernel.takeTx(0);
    expect(sent.map((frame) => frame.length)).toEqual([100, 100, 100, 100]);
    const { umem, ledger } = kernel.setup;
    expect(sent.map((frame) => checkTestFrame(umem, frame.address, frame.length))).toEqual(
      [0, 1, 2, 3].map((sequence) => ({ sequence, length: 100, defect: null })),
    );
    for (const frame of sent) expect(ledger[kernel.frameOf(frame.address)]).toBe(ledgerByte(AppState.GIVEN_TO_TX, 0));
    expect(counters[Counter.TX_PACKETS]).toBe(4);
    expect(counters[Counter.TX_BYTES]).toBe(400);
  });

  it('writes the template again at a new frame length', () => {
    const { kernel, pipeline, control } = sender(1_000_000);
    kernel.now = 1;
    for (let round = 0; round < 8; round++) {
      pipeline.round();
      kernel.transmit(0);
    }
    control[Control.FRAME_LENGTH] = 120;
    kernel.now = 2;
    pipeline.round();
    const sent = kernel.takeTx(0);
    expect(sent).toHaveLength(4);
    for (const frame of sent) expect(checkTestFrame(kernel.setup.umem, frame.address, frame.length).defect).toBeNull();
    expect(sent.map((frame) => frame.length)).toEqual([120, 120, 120, 120]);
  });

  it('sends at the rate asked: a token per frame, refilled with time', () => {
    const { kernel, pipeline } = sender(2000);
    expect(pipeline.round()).toBe(0);
    kernel.now = 1.5;
    expect(pipeline.round()).toBe(3);
    kernel.now = 2;
    expect(pipeline.round()).toBe(1);
  });

  it('reads the clock only when its bucket holds less than a batch, and loses no time by it', () => {
    const { kernel, pipeline, control } = sender(1_000_000);
    const readings = vi.spyOn(kernel.clock, 'now');
    kernel.now = 1;
    // The first round fills the bucket (four batches at most); the next three spend it without a reading.
    for (let round = 0; round < 4; round++) expect(pipeline.round()).toBe(4);
    expect(readings).toHaveBeenCalledTimes(1);
    // Empty, the bucket reads the clock again: at 2000 frames a second, 1.5 ms since the last reading is three frames.
    control[Control.RATE_PPS] = 2000;
    kernel.now = 2.5;
    expect(pipeline.round()).toBe(3);
    expect(readings).toHaveBeenCalledTimes(2);
  });

  it('after an idle spell sends at most four batches in a burst, whatever the rate', () => {
    const { kernel, pipeline } = sender(1_000_000);
    kernel.now = 1000;
    let sent = 0;
    for (let round = 0; round < 8; round++) sent += pipeline.round();
    expect(sent).toBe(16);
  });

  it('sends exactly the frames asked for, then stops', () => {
    const { kernel, pipeline, control } = sender(1_000_000, 6);
    kernel.now = 1;
    expect(pipeline.round()).toBe(4);
    expect(pipeline.round()).toBe(2);
    expect(pipeline.round()).toBe(0);
    expect(control[Control.SEND_REMAINING]).toBe(0);
  });

  it('cycles the UDP destination port through the ports asked for, frame by frame', () => {
    const { kernel, pipeline, control } = sender(1_000_000);
    control[Control.DESTINATION_PORT_COUNT] = 3;
    control.set([7001, 7002, 7003], Control.DESTINATION_PORTS);
    kernel.now = 1;
    pipeline.round();
    const view = new DataView(kernel.setup.umem.buffer);
    const ports = kernel.takeTx(0).map((frame) => view.getUint16(frame.address + ETHERNET_HEADER + IPV4_HEADER + 2));
    expect(ports).toEqual([7001, 7002, 7003, 7001]);
  });

  it('runs out of frames when COMPLETION is not reaped, and sends again once frames come back', () => {
    const { kernel, pipeline } = sender(1_000_000);
    for (let round = 0; round < 12; round++) {
      kernel.now += 1;
      pipeline.round();
      kernel.transmit(0);
    }
    expect(kernel.lanes[0]?.counters[Counter.COMPLETED]).toBeGreaterThanOrEqual(32);
    expect(kernel.owners().violations).toEqual([]);
  });

  it('rewrites the template in a frame that went through FILL: the kernel may have received into it', () => {
    const kernel = new PlayedKernel({ frameCount: 4, ringSize: 4, lanes: [{ workload: 'txonly', rx: true }] });
    const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
    const control = kernel.lanes[0]?.control as Int32Array;
    control[Control.RATE_PPS] = 1_000_000;
    control[Control.FRAME_LENGTH] = 80;
    control[Control.SEND_REMAINING] = 4;
    kernel.now = 1;
    pipeline.round();
    kernel.transmit(0);
    // Every frame is back: half the UMEM goes to FILL, and the kernel receives foreign bytes into it.
    pipeline.round();
    const received = kernel.receive(0, 2, 64);
    for (const address of received) kernel.setup.umem.fill(0xab, address, address + 2048);
    control[Control.PAUSED_STAGES] = Stage.FILL_REFILL;
    pipeline.round();
    control[Control.SEND_REMAINING] = 4;
    pipeline.round();
    const sent = kernel.takeTx(0);
    expect(sent.map((frame) => frame.address)).toEqual(expect.arrayContaining(received));
    for (const frame of sent) expect(checkTestFrame(kernel.setup.umem, frame.address, 80).defect).toBeNull();
  });

  describe('chains on a multi-buffer socket', () => {
    it("never takes another lane's slice as its own: two lanes on one UMEM sending chains of other lengths", () => {
      const kernel = new PlayedKernel({
        frameCount: 8,
        ringSize: 8,
        batchSize: 4,
        lanes: [{ workload: 'txonly' }, { workload: 'txonly' }],
      });
      const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
      const [first, second] = kernel.lanes.map((lane) => lane.control) as [Int32Array, Int32Array];
      for (const [control, length] of [
        [first, 3000],
        [second, 2600],
      ] as const) {
        control[Control.RATE_PPS] = 1_000_000;
        control[Control.FRAME_LENGTH] = length;
        control[Control.SEND_REMAINING] = 0;
      }
      first[Control.SEND_REMAINING] = 1;
      kernel.now = 1000;
      pipeline.round();
      const before = kernel.transmit(0).map((frame) => frame.address);
      second[Control.SEND_REMAINING] = 1;
      kernel.now += 1;
      pipeline.round();
      const chain = kernel.takeTx(1);
      expect(chain.map((frame) => frame.length)).toEqual([2048, 552]);
      // The second lane took the chunks the first had just sent, holding slices of its frame of 3000 bytes.
      expect(chain.map((frame) => frame.address).sort()).toEqual([...before].sort());
      expect(checkTestFrame(joinedBytes(kernel.setup.umem, chain), 0, 2600).defect).toBeNull();
    });

    it('forgets every chain key once the generations run out, keeping the single frames written', () => {
      const generations = new ChainGenerations();
      const templateLength = new Uint16Array(4);
      const first = generations.next(templateLength);
      templateLength.set([0x8000 | (first << 6) | 1, 100, 0x8000 | (first << 6), 0]);
      const taken = [first];
      while (generations.epoch === 0) taken.push(generations.next(templateLength));
      expect(new Set(taken.slice(0, -1)).size).toBe(taken.length - 1);
      expect(taken.at(-1)).toBe(first);
      expect([...templateLength]).toEqual([0, 100, 0, 0]);
    });
  });

  describe('on a UMEM with TX metadata', () => {
    /** The options word of the TX descriptors now on the ring, before the played kernel consumes them. */
    function txOptions(kernel: PlayedKernel): number[] {
      const ring = kernel.tx[0];
      if (!ring) throw new Error('no TX ring');
      const { memory } = ring;
      const options: number[] = [];
      for (let index = memory.consumer[0] as number; index !== memory.producer[0]; index = (index + 1) >>> 0) {
        options.push(memory.entries[(index & (memory.size - 1)) * 4 + 3] as number);
      }
      return options;
    }

    it('starts each frame tx_metadata_len into its chunk, the checksum request in front, its descriptor marked XDP_TX_METADATA', () => {
      const { kernel, pipeline } = sender(1_000_000, -1, 24);
      kernel.now = 1;
      pipeline.round();
      expect(txOptions(kernel)).toEqual([2, 2, 2, 2]);
      const sent = kernel.takeTx(0);
      const { umem } = kernel.setup;
      const view = new DataView(umem.buffer);
      for (const frame of sent) {
        expect(frame.address % kernel.frameSize).toBe(24);
        expect(checkTestFrame(umem, frame.address, frame.length).defect).toBeNull();
        // struct xsk_tx_metadata at the address minus tx_metadata_len: XDP_TXMD_FLAGS_CHECKSUM, csum_start, csum_offset.
        const metadata = frame.address - 24;
        expect(view.getBigUint64(metadata, true)).toBe(2n);
        expect([view.getUint16(metadata + 8, true), view.getUint16(metadata + 10, true)]).toEqual([34, 6]);
        const udpChecksum = view.getUint16(frame.address + ETHERNET_HEADER + IPV4_HEADER + 6);
        expect(udpChecksum).toBe(udpPseudoHeaderSum(umem, frame.address));
      }
      expect(sent.map((frame) => checkTestFrame(umem, frame.address, frame.length).sequence)).toEqual([0, 1, 2, 3]);
    });

    it('takes the frames back from COMPLETION at the addresses it sent, every frame accounted for', () => {
      const { kernel, pipeline } = sender(1_000_000, -1, 16);
      for (let round = 0; round < 12; round++) {
        kernel.now += 1;
        pipeline.round();
        kernel.transmit(0);
      }
      expect(kernel.lanes[0]?.counters[Counter.COMPLETED]).toBeGreaterThanOrEqual(32);
      expect(kernel.owners().violations).toEqual([]);
    });

    it('marks no descriptor and writes nothing in front of the data without TX metadata', () => {
      const { kernel, pipeline } = sender(1_000_000);
      kernel.now = 1;
      pipeline.round();
      expect(txOptions(kernel)).toEqual([0, 0, 0, 0]);
      const sent = kernel.takeTx(0);
      for (const frame of sent) expect(frame.address % kernel.frameSize).toBe(0);
      const view = new DataView(kernel.setup.umem.buffer);
      expect(sent.map((frame) => view.getUint16(frame.address + ETHERNET_HEADER + IPV4_HEADER + 6))).toEqual([
        0, 0, 0, 0,
      ]);
    });

    it('asks each frame for a completion stamp and a launch time when the socket does, the launch time CLOCK_TAI plus the offset', () => {
      const { kernel, pipeline, control } = sender(1_000_000, -1, 24);
      control[Control.TX_METADATA_FLAGS] = 0b101; // XDP_TXMD_FLAGS_TIMESTAMP | _LAUNCH_TIME
      control[Control.LAUNCH_TIME_OFFSET_NS] = 250_000;
      kernel.now = 1;
      const before = taiNowNs();
      pipeline.round();
      const after = taiNowNs();
      const sent = kernel.takeTx(0);
      expect(sent).toHaveLength(4);
      for (const frame of sent) {
        const metadata = readTxMetadata(kernel.setup.umem, frame.address, 24, TXONLY_CHECKSUM_REQUEST);
        expect(metadata?.flags).toEqual(['timestamp', 'checksum', 'launchTime']);
        expect(metadata?.checksum).toEqual({ start: 34, offset: 6, field: frame.address + 40 });
        const launch = metadata?.launchTime ?? 0n;
        expect(launch >= before + 250_000n && launch <= after + 250_000n).toBe(true);
      }
    });

    it('reads completion.tx_timestamp off each frame back on COMPLETION, and writes the request again before the frame goes out again', () => {
      const { kernel, pipeline, control, counters, view, sent } = sentAskingStamps();
      // The device stamps the first three; the fourth comes back with its request untouched.
      sent.slice(0, 3).forEach((frame, i) => {
        view.setBigUint64(frame.address - 16 + 8, 1_765_000_000_000_000_000n + BigInt(i), true);
      });
      pipeline.round();
      expect(completionStampsOf(control, counters)).toEqual({
        asked: 4,
        stamped: 3,
        last: '1765000000000000002',
      });
      // The stamped chunks went out again with the checksum request where the stamp was.
      const again = new Map<number, unknown>();
      for (let round = 0; round < 8; round++) {
        kernel.now += 1;
        pipeline.round();
        for (const frame of kernel.takeTx(0)) {
          again.set(
            frame.address,
            readTxMetadata(kernel.setup.umem, frame.address, 16, TXONLY_CHECKSUM_REQUEST)?.checksum,
          );
        }
      }
      for (const frame of sent.slice(0, 3)) {
        expect(again.get(frame.address)).toMatchObject({ start: 34, offset: 6 });
      }
    });

    it("counts a stamp under 2^32 ns as one, as the page's inspector judges the same bytes on COMPLETION", () => {
      const { kernel, pipeline, control, counters, view, sent } = sentAskingStamps();
      // A device clock 1 µs and 4.29 s after it started, one past 2^32 ns; the fourth frame comes back untouched.
      const stamps = [1_000n, 0xffff_ffffn, 1n << 32n];
      stamps.forEach((stamp, i) => {
        view.setBigUint64((sent[i] as (typeof sent)[number]).address - 16 + 8, stamp, true);
      });
      const page = sent.map(
        (frame) => readTxMetadata(kernel.setup.umem, frame.address, 16, TXONLY_CHECKSUM_REQUEST)?.stamped,
      );
      expect(page).toEqual([true, true, true, false]);
      pipeline.round();
      expect(completionStampsOf(control, counters)).toEqual({
        asked: 4,
        stamped: page.filter(Boolean).length,
        last: String(1n << 32n),
      });
    });

    it("writes every frame's own request over what another socket on the UMEM left in the chunk: its flags, a stamp over csum_start", () => {
      const kernel = new PlayedKernel({
        ringSize: 64,
        batchSize: 4,
        lanes: [{ workload: 'txonly' }, { workload: 'txonly' }],
        txMetadataLength: 24,
      });
      const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
      const [stamping, plain] = kernel.lanes.map((lane) => lane.control) as [Int32Array, Int32Array];
      for (const control of [stamping, plain]) {
        control[Control.RATE_PPS] = 1_000_000;
        control[Control.FRAME_LENGTH] = 100;
      }
      stamping[Control.SEND_REMAINING] = 4;
      stamping[Control.TX_METADATA_FLAGS] = 0b101; // XDP_TXMD_FLAGS_TIMESTAMP | _LAUNCH_TIME
      kernel.now = 1;
      pipeline.round();
      const view = new DataView(kernel.setup.umem.buffer);
      const stamped = kernel.transmit(0).map((frame) => frame.address);
      for (const address of stamped) view.setBigUint64(address - 24 + 8, 1_765_000_000_000_000_000n, true);
      plain[Control.SEND_REMAINING] = 4;
      kernel.now = 2;
      pipeline.round();
      const sent = kernel.takeTx(1);
      expect(sent.map((frame) => frame.address).sort()).toEqual([...stamped].sort());
      for (const frame of sent) {
        const metadata = readTxMetadata(kernel.setup.umem, frame.address, 24, TXONLY_CHECKSUM_REQUEST);
        expect(metadata?.flags).toEqual(['checksum']);
        expect(metadata?.checksum).toMatchObject({ start: 34, offset: 6 });
      }
    });

    it('asks nothing of COMPLETION where the socket asks no stamp', () => {
      const { kernel, pipeline, control, counters } = sender(1_000_000, -1, 16);
      kernel.now = 1;
      pipeline.round();
      for (const frame of kernel.transmit(0))
        new DataView(kernel.setup.umem.buffer).setBigUint64(frame.address - 8, 7n, true);
      pipeline.round();
      expect(completionStampsOf(control, counters)).toBeNull();
      expect(counters[Counter.TX_STAMPS_ASKED]).toBe(0);
    });

    it('sends a frame longer than the chunk less its metadata as a chain, every descriptor tx_metadata_len in, the request in the first', () => {
      const kernel = new PlayedKernel({
        ringSize: 16,
        batchSize: 4,
        lanes: [{ workload: 'txonly' }],
        txMetadataLength: 16,
      });
      const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
      const control = kernel.lanes[0]?.control as Int32Array;
      control[Control.RATE_PPS] = 1_000_000;
      control[Control.FRAME_LENGTH] = 2040;
      control[Control.SEND_REMAINING] = 2;
      control[Control.TX_METADATA_FLAGS] = 0b1;
      kernel.now = 1000;
      pipeline.round();
      expect(kernel.txOptions(0)).toEqual([XDP_TX_METADATA | XDP_PKT_CONTD, 0, XDP_TX_METADATA | XDP_PKT_CONTD, 0]);
      const sent = kernel.takeTx(0);
      expect(sent.map((frame) => [frame.address % 2048, frame.length])).toEqual([
        [16, 2032],
        [16, 8],
        [16, 2032],
        [16, 8],
      ]);
      const { umem } = kernel.setup;
      const first = sent[0] as (typeof sent)[number];
      expect(readTxMetadata(umem, first.address, 16, TXONLY_CHECKSUM_REQUEST)?.flags).toEqual([
        'timestamp',
        'checksum',
      ]);
      expect(
        readTxMetadata(umem, (sent[1] as (typeof sent)[number]).address, 16, TXONLY_CHECKSUM_REQUEST)?.flags,
      ).toEqual([]);
      const whole = new Uint8Array(2040);
      whole.set(umem.subarray(first.address, first.address + 2032));
      whole.set(
        umem.subarray((sent[1] as (typeof sent)[number]).address, (sent[1] as (typeof sent)[number]).address + 8),
        2032,
      );
      expect(checkTestFrame(whole, 0, 2040).defect).toBeNull();
      expect(new DataView(whole.buffer).getUint16(ETHERNET_HEADER + IPV4_HEADER + 6)).toBe(
        udpPseudoHeaderSum(whole, 0),
      );
    });

    it("copies a chain's slices into a chunk once, as the single-chunk template is written once", () => {
      const kernel = new PlayedKernel({ frameCount: 4, ringSize: 4, batchSize: 4, lanes: [{ workload: 'txonly' }] });
      const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
      const control = kernel.lanes[0]?.control as Int32Array;
      control[Control.RATE_PPS] = 1_000_000;
      control[Control.FRAME_LENGTH] = 3000;
      control[Control.SEND_REMAINING] = -1;
      kernel.now = 1000;
      pipeline.round();
      const sent = kernel.transmit(0);
      expect(sent.map((frame) => frame.length)).toEqual([2048, 952, 2048, 952]);
      // A byte of a second slice changed behind txonly's back stays changed: the slice is not copied again.
      const tail = (sent[1]?.address as number) + 100;
      kernel.setup.umem[tail] = 0x5a;
      for (let round = 0; round < 4; round++) {
        kernel.now += 1;
        pipeline.round();
        kernel.transmit(0);
      }
      expect(kernel.setup.umem[tail]).toBe(0x5a);
    });
  });
});
