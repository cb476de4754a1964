import { writeUdpFrame } from '../src/dataplane/frames.ts';
import { APP_IP, APP_MAC, PEER_IP, PEER_MAC } from '../src/lab/lab.ts';
import { wakeupTx } from '../src/native/libc.ts';
import { ringMemoryAt, umemBytesAt } from '../src/native/ring-memory.ts';
import { CompletionRing, FillRing, RxRing, TxRing } from '../src/xsk/ring.ts';
import { XskSocket } from '../src/xsk/socket.ts';
import { Umem } from '../src/xsk/umem.ts';
import { waitFor } from './kernel.ts';

export const BARE_FRAME_SIZE = 2048;
const FRAMES = 512;
const RING = 256;
const FRAME_LENGTH = 128;
/** Copy-mode TX sends at most 32 descriptors per wakeup (the kernel's TX_BATCH_SIZE). */
const TX_BATCH = 32;
const UDP_DESTINATION_PORT_OFFSET = 14 + 20 + 2;

/**
 * A bare AF_XDP socket driven from the test itself, in copy mode and without
 * any libxdp program: on the app end it receives only what an XDP program
 * redirects to it; on the peer end it sends frames to a chosen UDP port on a
 * chosen queue. Kept apart from the engine, so the tests that use it judge
 * the XDP programs and nothing else.
 */
export class BareSocket {
  private received = 0;
  /** The UDP destination ports of the frames received. */
  readonly receivedPorts = new Set<number>();

  private constructor(
    private readonly umem: Umem,
    readonly socket: XskSocket,
    private readonly rings: { fill: FillRing; rx: RxRing | null; tx: TxRing | null; completion: CompletionRing },
    private readonly bytes: Uint8Array,
  ) {}

  static open(namespacePath: string, ifname: string, queueId: number, role: 'receiver' | 'sender'): BareSocket {
    const umem = Umem.create(
      {
        frameCount: FRAMES,
        frameSize: BARE_FRAME_SIZE,
        headroom: 0,
        fillSize: RING,
        completionSize: RING,
        unaligned: false,
      },
      namespacePath,
    );
    let socket: XskSocket | null = null;
    try {
      socket = XskSocket.create(
        umem,
        {
          ifname,
          queueId,
          rxSize: role === 'receiver' ? RING : 0,
          txSize: role === 'sender' ? RING : 0,
          xdpMode: 'drv',
          copy: true,
          zeroCopy: false,
          needWakeup: false,
          batchSize: TX_BATCH,
        },
        { namespacePath, inhibitProgramLoad: true },
      );
      const cache = () => new Uint32Array(2);
      const { rxLayout, txLayout } = socket;
      const bare = new BareSocket(
        umem,
        socket,
        {
          fill: new FillRing(ringMemoryAt(umem.fillLayout, 'address', cache())),
          completion: new CompletionRing(ringMemoryAt(umem.completionLayout, 'address', cache())),
          rx: rxLayout ? new RxRing(ringMemoryAt(rxLayout, 'descriptor', cache())) : null,
          tx: txLayout ? new TxRing(ringMemoryAt(txLayout, 'descriptor', cache())) : null,
        },
        umemBytesAt(umem.address, umem.length),
      );
      if (role === 'receiver') bare.giveToFill(Array.from({ length: RING }, (_, frame) => frame * BARE_FRAME_SIZE));
      return bare;
    } catch (error) {
      socket?.destroy();
      umem.destroy();
      throw error;
    }
  }

  get fd(): number {
    return this.socket.fd;
  }

  private giveToFill(chunks: readonly number[]): void {
    const { fill } = this.rings;
    if (fill.reserve(chunks.length) !== chunks.length) throw new Error('FILL has no room');
    for (const [i, chunk] of chunks.entries()) fill.setAddress(fill.claimIndex + i, chunk);
    fill.submit(chunks.length);
  }

  /**
   * Frames received so far. Takes what RX holds, notes each frame's UDP
   * destination port, shows `visit` each frame's chunk and where its data
   * starts in it, and gives the chunks back to FILL.
   */
  receivedFrames(visit?: (chunk: Uint8Array, dataOffset: number) => void): number {
    const { rx } = this.rings;
    if (!rx) return 0;
    const count = rx.peek(RING);
    if (count === 0) return this.received;
    const chunks: number[] = [];
    for (let i = 0; i < count; i++) {
      const data = rx.dataAddress(rx.claimIndex + i);
      // Aligned chunks: the descriptor gives the data's address, past the headroom; its chunk starts at the multiple below.
      const chunk = data - (data % BARE_FRAME_SIZE);
      const port = data + UDP_DESTINATION_PORT_OFFSET;
      this.receivedPorts.add(((this.bytes[port] ?? 0) << 8) | (this.bytes[port + 1] ?? 0));
      visit?.(this.bytes.subarray(chunk, chunk + BARE_FRAME_SIZE), data - chunk);
      chunks.push(chunk);
    }
    rx.release(count);
    this.giveToFill(chunks);
    this.received += count;
    return this.received;
  }

  /**
   * Sends `count` frames from the peer to the app's UDP `port`, from `flows`
   * source ports in turn, and waits until the kernel completed them all.
   */
  async send(count: number, port: number, flows = 1): Promise<void> {
    const { tx, completion } = this.rings;
    if (!tx) throw new Error('not a sender');
    for (let frame = 0; frame < TX_BATCH; frame++) {
      writeUdpFrame(this.bytes, frame * BARE_FRAME_SIZE, {
        destinationMac: APP_MAC,
        sourceMac: PEER_MAC,
        sourceIp: PEER_IP,
        destinationIp: APP_IP,
        sourcePort: 9000 + (frame % flows),
        destinationPort: port,
        length: FRAME_LENGTH,
      });
    }
    for (let sent = 0; sent < count; ) {
      const batch = Math.min(TX_BATCH, count - sent);
      if (tx.reserve(batch) !== batch) throw new Error('TX has no room');
      for (let i = 0; i < batch; i++) tx.setDescriptor(tx.claimIndex + i, i * BARE_FRAME_SIZE, FRAME_LENGTH);
      tx.submit(batch);
      wakeupTx(this.fd);
      let completed = 0;
      await waitFor(
        () => {
          const ready = completion.peek(batch - completed);
          completion.release(ready);
          completed += ready;
          // Copy mode sends on a wakeup only: kick again until every frame is back.
          if (completed < batch) wakeupTx(this.fd);
          return completed === batch;
        },
        20_000,
        `${batch} frames to complete`,
      );
      sent += batch;
    }
  }

  destroy(): void {
    this.socket.destroy();
    this.umem.destroy();
  }
}
