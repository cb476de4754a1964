import { CAPTURE_BYTES, Control, Counter, captureSlot } from './control.ts';
import { checkTestFrame } from './frames.ts';

/**
 * What a socket's user asked to see of the frames it receives: their first
 * bytes copied into the capture buffer (read by control.ts's readCaptures),
 * and every frame checked against what the lab's source sends.
 */
export class ReceivedFrameInspection {
  private capturing = false;
  private verifying = false;
  private readonly captureCount: Int32Array;
  private readonly captureBytes: Uint8Array;
  private readonly captureView: DataView;

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
    return this.capturing || this.verifying;
  }

  inspect(address: number, length: number): void {
    if (this.capturing) this.capture(address, length);
    if (this.verifying) {
      const slot = checkTestFrame(this.umem, address, length).defect === null ? Counter.VERIFIED : Counter.DEFECTIVE;
      this.counters[slot] = (this.counters[slot] as number) + 1;
    }
  }

  private capture(address: number, length: number): void {
    const index = this.captureCount[0] as number;
    const { lengthOffset, bytesOffset } = captureSlot(index);
    this.captureView.setUint32(lengthOffset, length, true);
    this.captureBytes.set(this.umem.subarray(address, address + Math.min(length, CAPTURE_BYTES)), bytesOffset);
    Atomics.store(this.captureCount, 0, index + 1);
  }
}
