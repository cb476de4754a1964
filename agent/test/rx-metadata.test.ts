import { execFileSync } from 'node:child_process';
import { decodeRxMetadata, type RxMetadata } from '@ringside/shared';
import { afterEach, expect, it } from 'vitest';
import { writeUdpFrame } from '../src/dataplane/frames.ts';
import { APP_IP, APP_MAC, Lab, PEER_IP, PEER_MAC } from '../src/lab/lab.ts';
import { wakeupTx } from '../src/native/libc.ts';
import { ringMemoryAt, umemBytesAt } from '../src/native/ring-memory.ts';
import { RingsideProgram, RingsideProgramError } from '../src/xdp/ringside-program.ts';
import { probeRxMetadataSupport } from '../src/xdp/rx-metadata-support.ts';
import { CompletionRing, FillRing, RxRing, TxRing } from '../src/xsk/ring.ts';
import { XskSocket } from '../src/xsk/socket.ts';
import { Umem } from '../src/xsk/umem.ts';
import { describeKernel, waitFor } from './kernel.ts';

const FRAME_SIZE = 2048;
const FRAMES = 512;
const RING = 256;
const FRAME_LENGTH = 128;
/** Copy-mode TX sends at most 32 descriptors per wakeup (the kernel's TX_BATCH_SIZE). */
const TX_BATCH = 32;
/** Fewer than FILL holds: the sender runs to completion before the receiver takes anything off RX. */
const FRAMES_SENT = 200;

/** One bare copy-mode socket of the test's own, on one end of the lab, with no libxdp program. */
class BareSocket {
  /** What was in front of each frame received, in order (null: nothing of Ringside's). */
  readonly metadata: (RxMetadata | null)[] = [];

  private constructor(
    private readonly umem: Umem,
    private readonly socket: XskSocket,
    private readonly fill: FillRing,
    private readonly rx: RxRing | null,
    private readonly tx: TxRing | null,
    private readonly completion: CompletionRing,
    private readonly bytes: Uint8Array,
  ) {}

  static open(lab: Lab, side: 'app' | 'peer'): BareSocket {
    const namespacePath = side === 'app' ? lab.appNamespacePath : lab.peerNamespacePath;
    const umem = Umem.create(
      {
        frameCount: FRAMES,
        frameSize: FRAME_SIZE,
        headroom: 0,
        fillSize: RING,
        completionSize: RING,
        unaligned: false,
      },
      namespacePath,
    );
    try {
      const socket = XskSocket.create(
        umem,
        {
          ifname: side === 'app' ? lab.appIfname : lab.peerIfname,
          queueId: 0,
          rxSize: side === 'app' ? RING : 0,
          txSize: side === 'peer' ? RING : 0,
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
        new FillRing(ringMemoryAt(umem.fillLayout, 'address', cache())),
        rxLayout ? new RxRing(ringMemoryAt(rxLayout, 'descriptor', cache())) : null,
        txLayout ? new TxRing(ringMemoryAt(txLayout, 'descriptor', cache())) : null,
        new CompletionRing(ringMemoryAt(umem.completionLayout, 'address', cache())),
        umemBytesAt(umem.address, umem.length),
      );
      if (side === 'app') bare.refill(Array.from({ length: RING }, (_, frame) => frame * FRAME_SIZE));
      return bare;
    } catch (error) {
      umem.destroy();
      throw error;
    }
  }

  get fd(): number {
    return this.socket.fd;
  }

  private refill(addresses: readonly number[]): void {
    if (this.fill.reserve(addresses.length) !== addresses.length) throw new Error('FILL has no room');
    for (const [i, address] of addresses.entries()) this.fill.setAddress(this.fill.claimIndex + i, address);
    this.fill.submit(addresses.length);
  }

  /** Takes what RX holds, decoding what sits in front of each frame's data, and gives the frames back to FILL. */
  receive(): number {
    const rx = this.rx;
    if (!rx) return 0;
    const count = rx.peek(RING);
    const chunks: number[] = [];
    for (let i = 0; i < count; i++) {
      const data = rx.dataAddress(rx.claimIndex + i);
      // Aligned chunks: the address is the data's, past the headroom; its chunk starts at the multiple below.
      const chunk = data - (data % FRAME_SIZE);
      this.metadata.push(decodeRxMetadata(this.bytes.subarray(chunk, chunk + FRAME_SIZE), data - chunk));
      chunks.push(chunk);
    }
    rx.release(count);
    if (count > 0) this.refill(chunks);
    return this.metadata.length;
  }

  /** Sends `count` UDP frames to the app end, and waits until the kernel completed them all. */
  async send(count: number): Promise<void> {
    const { tx, completion } = this;
    if (!tx) throw new Error('not a sender');
    for (let frame = 0; frame < TX_BATCH; frame++) {
      writeUdpFrame(this.bytes, frame * FRAME_SIZE, {
        destinationMac: APP_MAC,
        sourceMac: PEER_MAC,
        sourceIp: PEER_IP,
        destinationIp: APP_IP,
        sourcePort: 9000 + frame,
        destinationPort: 4242,
        length: FRAME_LENGTH,
      });
    }
    for (let sent = 0; sent < count; ) {
      const batch = Math.min(TX_BATCH, count - sent);
      if (tx.reserve(batch) !== batch) throw new Error('TX has no room');
      for (let i = 0; i < batch; i++) tx.setDescriptor(tx.claimIndex + i, i * FRAME_SIZE, FRAME_LENGTH);
      tx.submit(batch);
      wakeupTx(this.fd);
      let completed = 0;
      await waitFor(
        () => {
          const ready = completion.peek(batch - completed);
          completion.release(ready);
          completed += ready;
          if (completed < batch) wakeupTx(this.fd);
          return completed === batch;
        },
        5000,
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

describeKernel("the rx-metadata program: the kernel's RX metadata in front of each frame", () => {
  let lab: Lab | null = null;
  let program: RingsideProgram | null = null;
  let sockets: BareSocket[] = [];

  /** Every step runs even when one before it throws: sockets, then the program, then the namespaces. */
  afterEach(() => {
    const steps = [...sockets.map((socket) => () => socket.destroy()), () => program?.detach(), () => lab?.destroy()];
    sockets = [];
    const failures: unknown[] = [];
    for (const step of steps) {
      try {
        step();
      } catch (error) {
        failures.push(error);
      }
    }
    program = null;
    lab = null;
    if (failures.length > 0) throw failures[0];
  });

  /** A lab, a receiving socket at index 0 of `kind`'s XSKMAP on the app end, and a sender on the peer. */
  async function receiveWith(kind: 'rx-metadata' | 'by-queue'): Promise<BareSocket> {
    lab = Lab.create(1);
    program = RingsideProgram.attach(kind, lab.appIfname, 'drv', lab.appNamespacePath);
    const receiver = BareSocket.open(lab, 'app');
    sockets.push(receiver);
    const sender = BareSocket.open(lab, 'peer');
    sockets.push(sender);
    program.setSocket(0, receiver.fd);
    await sender.send(FRAMES_SENT);
    await waitFor(() => receiver.receive() >= FRAMES_SENT, 5000, `${FRAMES_SENT} frames at the socket`);
    return receiver;
  }

  it('puts a valid rx hash in front of every received frame, with the hash type veth can tell (L4 or none)', async () => {
    const receiver = await receiveWith('rx-metadata');
    expect(receiver.metadata).toHaveLength(FRAMES_SENT);
    const types = new Set<number>();
    for (const metadata of receiver.metadata) {
      expect(metadata?.hash.ok).toBe(true);
      if (!metadata?.hash.ok) continue;
      expect(metadata.hash.value.hash).not.toBe(0);
      types.add(metadata.hash.value.type);
    }
    // veth hashes the skb (skb_get_hash) and knows only whether the hash covered L4 (skb->l4_hash):
    // XDP_RSS_TYPE_L4_ANY or XDP_RSS_TYPE_NONE. On 6.18 frames a copy-mode AF_XDP socket sends get NONE, one
    // value for all 32 flows; the peer's stack's frames get one L4 hash per flow (the next test).
    expect([...types].every((type) => type === 0 || type === 8)).toBe(true);
  });

  it("gives frames the peer's stack sends one L4 hash per UDP flow, as veth computes it from the skb", async () => {
    lab = Lab.create(1);
    program = RingsideProgram.attach('rx-metadata', lab.appIfname, 'drv', lab.appNamespacePath);
    const receiver = BareSocket.open(lab, 'app');
    sockets.push(receiver);
    program.setSocket(0, receiver.fd);
    const flows = 8;
    // One datagram to each of 8 ports, from the peer's own UDP stack (bash's /dev/udp), not an AF_XDP socket.
    execFileSync('ip', [
      'netns',
      'exec',
      lab.peerNamespace,
      'bash',
      '-c',
      `for port in $(seq 7000 ${7000 + flows - 1}); do echo x > /dev/udp/${APP_IP.join('.')}/$port; done`,
    ]);
    await waitFor(() => receiver.receive() >= flows, 5000, `${flows} datagrams at the socket`);
    const hashes = receiver.metadata.map((metadata) => (metadata?.hash.ok ? metadata.hash.value : null));
    expect(hashes.every((hash) => hash?.typeBits.join() === 'L4')).toBe(true);
    expect(new Set(hashes.map((hash) => hash?.hash)).size).toBe(flows);
  });

  it("gives the timestamp as veth has it (the skb's hardware stamp: 0 on a veth, which has none) and ENODATA for an untagged frame's VLAN", async () => {
    const receiver = await receiveWith('rx-metadata');
    for (const metadata of receiver.metadata) {
      expect(metadata?.timestamp).toEqual({ ok: true, value: 0n });
      expect(metadata?.vlanTag).toEqual({ ok: false, error: 'ENODATA' });
    }
  });

  it('leaves nothing in front of the frames without the program (by-queue)', async () => {
    const receiver = await receiveWith('by-queue');
    expect(receiver.metadata).toHaveLength(FRAMES_SENT);
    expect(receiver.metadata.every((metadata) => metadata === null)).toBe(true);
  });

  it("is refused in skb mode, since the kernel runs a device-bound program only in the driver's hook", () => {
    lab = Lab.create(1);
    const attach = () =>
      RingsideProgram.attach('rx-metadata', lab?.appIfname ?? '', 'skb', lab?.appNamespacePath ?? null);
    expect(attach).toThrow(RingsideProgramError);
    expect(attach).toThrow(/device-bound.*use drv mode/);
  });

  it('is refused on an interface that already runs a program, naming it', () => {
    lab = Lab.create(1);
    program = RingsideProgram.attach('by-queue', lab.appIfname, 'drv', lab.appNamespacePath);
    expect(() =>
      RingsideProgram.attach('rx-metadata', lab?.appIfname ?? '', 'drv', lab?.appNamespacePath ?? null),
    ).toThrow(/already has an XDP program \(ringside_by_queu.*cannot go behind libxdp's dispatcher/);
  });

  it("finds the three kfuncs in this kernel's BTF and in veth's xdp-rx-metadata-features, and none in lo's", () => {
    lab = Lab.create(1);
    const support = probeRxMetadataSupport(lab.appNamespacePath, [lab.appIfname, 'lo']);
    expect(support.program).toEqual({ available: true, reason: null });
    for (const kfunc of support.kfuncs) {
      expect(kfunc.kernel).toBe(true);
      expect(kfunc.interfaces).toEqual([
        { ifname: lab.appIfname, offered: true },
        { ifname: 'lo', offered: false },
      ]);
      expect(kfunc.reason).toBe(
        `lo does not implement ${kfunc.kfunc} (the driver has no such xdp_metadata_ops): it answers EOPNOTSUPP there`,
      );
    }
  });

  it('is refused on an interface whose driver implements none of the kfuncs (lo), saying so', () => {
    lab = Lab.create(1);
    expect(() => RingsideProgram.attach('rx-metadata', 'lo', 'drv', lab?.appNamespacePath ?? null)).toThrow(
      /lo's driver implements none of the RX metadata kfuncs/,
    );
  });
});
