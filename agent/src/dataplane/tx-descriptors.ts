import { describeProblems, MIN_FRAME_LENGTH, type Problem, type TxDescriptor } from '@ringside/shared';
import { AppState, appStateOf, ledgerByte } from '../xsk/ledger.ts';
import { baseAddress } from '../xsk/ring.ts';
import { Control, Counter, TX_DESCRIPTOR_WORDS } from './control.ts';
import { type UdpFrameTemplate, writeSequence, writeUdpFrame } from './frames.ts';
import type { ExtraCopies, Handovers, Lane } from './handovers.ts';

/**
 * A table of TX descriptors posted exactly as a user gives them, valid or
 * not, so the kernel's verdict on each can be watched (the kernel selftests'
 * ALIGNED_INV_DESC cases): zero lengths, lengths past the chunk, addresses
 * straddling chunks or past the UMEM's end, options bits.
 *
 * The main thread checks and writes the table into the lane's txTable block
 * (struct xdp_desc words), then sets TX_TABLE_LENGTH; the worker posts the
 * whole table in one go in the TX stage, ahead of the workload, and clears it.
 *
 * The ledger: a descriptor names the frame its chunk address falls in, as
 * COMPLETION's reaper will read the address back. Each such frame must be the
 * application's (free) before the table goes, and goes to TX once per
 * descriptor naming it; it is free again when every copy has come back. On
 * this kernel (6.18) every descriptor comes back on COMPLETION, refused ones
 * too (they count in tx_invalid_descs as well), so no refused descriptor keeps
 * a frame with the kernel. Addresses outside the UMEM name no frame; their
 * completions are counted as foreign, as injectInvalidTx's are.
 */

/** The two 32-bit words of a u64 address as the protocol carries it (a number, or a decimal or 0x string). */
export function addressWords(addr: TxDescriptor['addr']): [low: number, high: number] {
  const value = BigInt(addr);
  return [Number(value & 0xffff_ffffn), Number(value >> 32n)];
}

/** What the main thread knows of the socket a table is for. */
export interface TxTableTarget {
  socketId: string;
  /** Entries of its TX ring, as mapped; 0 without one. */
  txRingSize: number;
  rxRingSize: number;
  /** The other sockets on its UMEM. */
  sharingWith: readonly string[];
  /** Descriptors of an earlier table still waiting to go on TX. */
  pending: number;
}

/** A table refused before anything was written: the socket is as it was. */
export class TxTableRefused extends Error {
  override readonly name = 'TxTableRefused';
  constructor(readonly problems: Problem[]) {
    super(describeProblems(problems));
  }
}

/** Why a table cannot go now, each naming the fix; none when it can. */
export function txTableProblems(count: number, target: TxTableTarget): Problem[] {
  const { socketId, txRingSize, rxRingSize, sharingWith, pending } = target;
  const problems: Problem[] = [];
  if (txRingSize === 0) {
    problems.push({ field: 'txSize', message: `socket ${socketId} has no TX ring: create one with txSize > 0` });
  } else if (count > txRingSize) {
    problems.push({
      field: 'descriptors',
      message: `the table has ${count} descriptors and ${socketId}'s TX ring holds ${txRingSize}: send it in parts, or reconfigure with txSize ≥ ${count}`,
    });
  }
  const rx = rxRingProblem(socketId, rxRingSize);
  if (rx) problems.push(rx);
  if (sharingWith.length > 0) {
    problems.push({
      field: 'socketId',
      message: `socket ${socketId} shares its UMEM with ${sharingWith.join(', ')}, whose rings may hold the frames the table names: post tables from a socket with a UMEM of its own`,
    });
  }
  if (pending > 0) {
    problems.push({
      field: 'descriptors',
      message: `the previous table of ${pending} descriptors is still waiting to go on ${socketId}'s TX: resume its txSubmit stage, or wait for it`,
    });
  }
  return problems;
}

/** A table goes only from a socket without an RX ring: with one, FILL holds frames the table may name. */
export function rxRingProblem(socketId: string, rxRingSize: number): Problem | null {
  if (rxRingSize === 0) return null;
  return {
    field: 'rxSize',
    message: `socket ${socketId} has an RX ring, so FILL holds frames the table may name: post tables from a socket without one (rxSize 0)`,
  };
}

/** Writes `descriptors` into the lane's txTable block, then its length: the worker reads the words only after it. */
export function writeTxTable(
  txTable: SharedArrayBuffer,
  control: Int32Array,
  descriptors: readonly TxDescriptor[],
): void {
  const words = new Uint32Array(txTable);
  descriptors.forEach((descriptor, i) => {
    const [low, high] = addressWords(descriptor.addr);
    words.set([low, high, descriptor.len, descriptor.options ?? 0], i * TX_DESCRIPTOR_WORDS);
  });
  Atomics.store(control, Control.TX_TABLE_LENGTH, descriptors.length);
}

/**
 * What a descriptor's frame holds once posted, when its bytes lie inside its
 * one frame: a lab frame whose sequence number is the descriptor's index
 * (checkTestFrame reads it back), or, shorter than Ethernet's minimum, that
 * index in every byte.
 */
export function writeTablePayload(
  umem: Uint8Array,
  address: number,
  length: number,
  index: number,
  template: UdpFrameTemplate | null,
): void {
  if (template && length >= MIN_FRAME_LENGTH) {
    writeUdpFrame(umem, address, { ...template, length });
    writeSequence(new DataView(umem.buffer, umem.byteOffset, umem.byteLength), address, index);
  } else {
    umem.fill(index & 0xff, address, address + length);
  }
}

/** The worker's side: posts a lane's pending table once its frames are the application's and TX has room. */
export class TxDescriptorTables {
  constructor(private readonly copies: ExtraCopies) {}

  pending(lane: Lane): boolean {
    return Atomics.load(lane.control, Control.TX_TABLE_LENGTH) > 0;
  }

  /** Returns the descriptors posted: the whole table, or 0 while it waits. */
  post(handovers: Handovers, lane: Lane, table: Uint32Array, template: UdpFrameTemplate | null): number {
    const { tx, control, counters } = lane;
    const count = Atomics.load(control, Control.TX_TABLE_LENGTH);
    if (!tx || tx.freeEntries(count) < count) return 0;
    const { frameSize, frameCount, ledger, umem, free, templateLength } = handovers;
    const frames: number[] = [];
    for (let i = 0; i < count; i++) {
      const word = i * TX_DESCRIPTOR_WORDS;
      const frame = handovers.frameOf(baseAddress(table[word] as number, table[word + 1] as number));
      if (frame >= frameCount) continue;
      // A frame the kernel or a ring holds comes back by itself: the table waits for it.
      if (appStateOf(ledger[frame] as number) !== AppState.FREE) return 0;
      frames.push(frame);
    }
    const taken = new Set(frames);
    let kept = 0;
    for (const address of free) if (!taken.has(handovers.frameOf(address))) free[kept++] = address;
    free.length = kept;
    const given = ledgerByte(AppState.GIVEN_TO_TX, lane.slot);
    let bytes = 0;
    tx.reserve(count);
    const first = tx.claimIndex;
    handovers.begin();
    for (let i = 0; i < count; i++) {
      const word = i * TX_DESCRIPTOR_WORDS;
      const low = table[word] as number;
      const high = table[word + 1] as number;
      const length = table[word + 2] as number;
      const frame = handovers.frameOf(baseAddress(low, high));
      if (frame < frameCount) {
        if (appStateOf(ledger[frame] as number) === AppState.GIVEN_TO_TX) this.copies.add(frame);
        ledger[frame] = given;
        templateLength[frame] = 0;
        // Only bytes inside the descriptor's own frame are written: the next frame may be anyone's.
        const address = low + high * 2 ** 32;
        if (high <= 0xffff && length > 0 && address + length <= (frame + 1) * frameSize) {
          writeTablePayload(umem, address, length, i, template);
        }
      }
      tx.setDescriptorWords((first + i) >>> 0, low, high, length, table[word + 3] as number);
      bytes += length;
    }
    tx.submit(count);
    handovers.end();
    Atomics.store(control, Control.TX_TABLE_LENGTH, 0);
    Atomics.add(control, Control.TX_TABLES_POSTED, 1);
    counters[Counter.TX_PACKETS] = (counters[Counter.TX_PACKETS] as number) + count;
    counters[Counter.TX_DESCRIPTORS] = (counters[Counter.TX_DESCRIPTORS] as number) + count;
    counters[Counter.TX_BYTES] = (counters[Counter.TX_BYTES] as number) + bytes;
    return count;
  }
}
