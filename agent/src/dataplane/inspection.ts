import { CAPTURE_BYTES, Control, Counter, captureSlot } from './control.ts';
import { checkTestFrame } from './frames.ts';
import { endsPacket } from './packets.ts';

/**
 * The longest packet followed across its buffers: 18 buffers of 4 KiB
 * (MAX_SKB_FRAGS + 1 on x86) is 72 KiB; bytes beyond are counted, not kept.
 */
const LONGEST_PACKET = 128 * 1024;

/**
 * What a socket's user asked to see of the frames it receives: their first
 * bytes copied into the capture buffer (read by control.ts's readCaptures),
 * and every frame checked against what the lab's source sends. A
 * multi-buffer packet is gathered from its descriptors first and seen as one
 * frame, at its whole length.
 */
export class ReceivedFrameInspection {
  private capturing = false;
  private verifying = false;
  private readonly captureCount: Int32Array;
  private readonly captureBytes: Uint8Array;
  private readonly captureView: DataView;
  /** The packet being gathered, and how many of its bytes came so far (0: none is). */
  private gathered: Uint8Array | null = null;
  private gatheredLength = 0;
  /** How many of its bytes are kept: all for a check, the capture's first bytes for a capture alone. */
  private keeping = 0;

  constructor(
    private readonly umem: Uint8Array,
    private readonly control: Int32Array,
    private readonly counters: Float64Array,
    capture: SharedArrayBuffer,
  ) {
    this.captureCount = new Int32Array(capture, 0, 1);
    this.captureBytes = new Uint8Array(capture);
    this.captureView = new DataView(capture);
  }

  /** Reads the switches, once a batch; true when either is on. */
  refresh(): boolean {
    this.capturing = Atomics.load(this.control, Control.CAPTURE) === 1;
    this.verifying = Atomics.load(this.control, Control.VERIFY) === 1;
    const inspecting = this.capturing || this.verifying;
    // Switched off mid-packet: what was gathered would join the next packet seen.
    if (!inspecting) this.gatheredLength = 0;
    return inspecting;
  }

  /** One received descriptor; `options` says whether its packet goes on in the next (XDP_PKT_CONTD). */
  inspect(address: number, length: number, options = 0): void {
    if (endsPacket(options) && this.gatheredLength === 0) {
      this.inspectPacket(this.umem, address, length);
      return;
    }
    if (this.gatheredLength === 0) this.keeping = this.verifying ? LONGEST_PACKET : CAPTURE_BYTES;
    this.gathered ??= new Uint8Array(LONGEST_PACKET);
    const kept = Math.max(0, Math.min(length, this.keeping - this.gatheredLength));
    this.gathered.set(this.umem.subarray(address, address + kept), this.gatheredLength);
    this.gatheredLength += length;
    if (!endsPacket(options)) return;
    const total = this.gatheredLength;
    this.gatheredLength = 0;
    // A check switched on after the packet's first buffer came has only its first bytes: the next packet is checked.
    this.inspectPacket(this.gathered, 0, total, this.keeping === LONGEST_PACKET);
  }

  private inspectPacket(bytes: Uint8Array, offset: number, length: number, whole = true): void {
    if (this.capturing) this.capture(bytes, offset, length);
    if (this.verifying && whole) {
      const intact = length <= bytes.length - offset && checkTestFrame(bytes, offset, length).defect === null;
      const slot = intact ? Counter.VERIFIED : Counter.DEFECTIVE;
      this.counters[slot] = (this.counters[slot] as number) + 1;
    }
  }

  private capture(bytes: Uint8Array, offset: number, length: number): void {
    const index = this.captureCount[0] as number;
    const { lengthOffset, bytesOffset } = captureSlot(index);
    this.captureView.setUint32(lengthOffset, length, true);
    this.captureBytes.set(bytes.subarray(offset, offset + Math.min(length, CAPTURE_BYTES)), bytesOffset);
    Atomics.store(this.captureCount, 0, index + 1);
  }
}
