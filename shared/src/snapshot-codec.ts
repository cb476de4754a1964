import { FRAME_OWNERS } from './ledger.ts';
import {
  type LinkReading,
  type SnapshotMessage,
  type SocketSample,
  Stage,
  XDP_ACTIONS,
  XDP_STATISTICS_FIELDS,
  type XdpActionCounters,
} from './protocol.ts';
import { RING_KINDS, type RingState } from './rings.ts';

/**
 * A compact binary form of SnapshotMessage, with each socket's UMEM owners
 * (one byte per frame, the index into FRAME_OWNERS) run-length encoded and,
 * once a client holds them, sent only where they changed since the owners
 * that client last received.
 *
 * Layout (varint = unsigned LEB128, at most 2^53 - 1; u32 and f64 little-endian;
 * string = varint byte length + UTF-8):
 *
 *   u8 magic 0xFB, u8 codec version, u8 flags (bit 0: some owners are a delta, bit 1: links follow the programs)
 *   varint seq, f64 sampledAt
 *   u8 traffic present; if 1: varint sentFrames, f64 pps
 *   varint socket count, then per socket:
 *     string socketId
 *     u8 rings: bit i = RING_KINDS[i] present, bit 4 + i = its needWakeup
 *     u8 unknowns: bit i = RING_KINDS[i]'s cached indices unknown, bit 4 = no totals,
 *        bit 5 = rxBps unknown, bit 6 = txBps unknown (an attached socket's)
 *     per present ring: varint size, u32 producer, consumer, then unless unknown u32 cachedProducer, cachedConsumer
 *     varint x 6 stats (XDP_STATISTICS_FIELDS), varint x 7 totals unless absent, f64 x 4 rates less the unknown
 *     varint x 10 ledger counts (FRAME_OWNERS order), varint fill lag, varint tx lag
 *     varint violation count, strings; u8 consistent
 *     varint paused stage count, u8 stage index each
 *     owners: u8 0 full / 1 delta, varint frame count, varint run count, runs:
 *       full:  varint length, u8 owner               (the runs cover every frame)
 *       delta: varint skip, varint length, u8 owner  (skip = unchanged frames before the run)
 *   varint program count, then per program: string ifname, varint x 5 action counters (XDP_ACTIONS)
 *   if flag bit 1: varint link count, then per link: string ifname, f64 readAt, u8 up, u8 queues present;
 *     if present: varint queue count, then per queue: varint frames, varint drops
 *
 * Owner and stage codes are indices into FRAME_OWNERS and Stage: reordering
 * either, or changing this layout, needs a new SNAPSHOT_CODEC_VERSION.
 */
/** 4: three more totals per socket (busy polls, TX sendto calls and the descriptors they consumed). */
export const SNAPSHOT_CODEC_VERSION = 4;

/** Bytes 0xF5 to 0xFF never occur in UTF-8, so a binary snapshot cannot pass for JSON text. */
export const SNAPSHOT_MAGIC = 0xfb;

/** What decodeSnapshot throws for a frame it cannot trust; a client should ask for a resync. */
export class SnapshotDecodeError extends Error {
  override name = 'SnapshotDecodeError';
}

/** What a Reader throws when the bytes end before what they say they hold: a recording reads this as a cut tail. */
export class TruncatedError extends SnapshotDecodeError {}

/** Whether a binary message claims to be a snapshot (decodeSnapshot still checks the version). */
export function isBinarySnapshot(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === SNAPSHOT_MAGIC;
}

export function ownersEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// shared compiles against bare ES2023, which declares neither; browsers and Node both have them.
declare const TextEncoder: new () => { encode(text: string): Uint8Array };
declare const TextDecoder: new (label: string, options: { fatal: boolean }) => { decode(bytes: Uint8Array): string };

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

const FLAG_DELTA = 1;
const FLAG_LINKS = 2;
const OWNERS_FULL = 0;
const OWNERS_DELTA = 1;
/** Far above Ringside's largest UMEM (1 GiB of 2 KiB frames is 2^19), low enough that a hostile length cannot make the page allocate gigabytes. */
const MAX_FRAMES = 1 << 24;
const STAGES = Stage.options;

// The decoder builds each object from its list and returns it as a SocketSample,
// so a field added to the schema and missed here fails to compile.
// The statistics and program actions go in their schemas' order: reordering
// either schema changes the layout.
const TOTAL_FIELDS = [
  'rxPackets',
  'rxBytes',
  'txPackets',
  'txBytes',
  'completed',
  'wakeups',
  'idleWaits',
  'busyPolls',
  'txSendtos',
  'txSendtoConsumed',
] as const satisfies readonly (keyof NonNullable<SocketSample['totals']>)[];
const RATE_FIELDS = ['rxPps', 'rxBps', 'txPps', 'txBps'] as const satisfies readonly (keyof SocketSample['rates'])[];
const UNKNOWN_TOTALS = 1 << 4;
/** The rates an attached socket cannot know (its frames' lengths are its application's), each with its unknowns bit. */
const UNKNOWN_RATES = { rxBps: 1 << 5, txBps: 1 << 6 } as const satisfies Partial<
  Record<(typeof RATE_FIELDS)[number], number>
>;
const UNKNOWNS_USED = 0x7f;

// ---------------------------------------------------------------- writer and reader

/** The varints, strings and numbers of this codec; recording.ts writes its files with it too. */
export class Writer {
  private bytes = new Uint8Array(4096);
  private view = new DataView(this.bytes.buffer);
  private length = 0;

  /** Makes room for n bytes and returns where they go. Call it before touching `bytes` or `view`: it may replace them. */
  private reserve(n: number): number {
    if (this.length + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  u8(value: number): void {
    const at = this.reserve(1);
    this.bytes[at] = value;
  }

  u32(value: number, what: string): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new Error(`${what} is not a u32: ${value}`);
    const at = this.reserve(4);
    this.view.setUint32(at, value, true);
  }

  f64(value: number, what: string): void {
    if (!Number.isFinite(value)) throw new Error(`${what} is not a finite number: ${value}`);
    const at = this.reserve(8);
    this.view.setFloat64(at, value, true);
  }

  rate(value: number, what: string): void {
    if (value < 0) throw new Error(`${what} is negative: ${value}`);
    this.f64(value, what);
  }

  /** Unsigned LEB128 by arithmetic, not bit operations, which would cut at 2^32. */
  varint(value: number, what: string): void {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new Error(`${what} is not a whole number below 2^53: ${value}`);
    let rest = value;
    while (rest >= 0x80) {
      this.u8((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.u8(rest);
  }

  string(value: string): void {
    this.byteString(utf8Encoder.encode(value));
  }

  /** varint length, then the bytes as they are. */
  byteString(value: Uint8Array): void {
    this.varint(value.length, 'string length');
    const at = this.reserve(value.length);
    this.bytes.set(value, at);
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

export class Reader {
  private readonly view: DataView;
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.at;
  }

  private take(n: number, what: string): number {
    if (n > this.remaining) {
      throw new TruncatedError(
        `snapshot truncated: ${what} needs ${n} byte(s) at offset ${this.at}, ${this.remaining} left`,
      );
    }
    const at = this.at;
    this.at += n;
    return at;
  }

  u8(what: string): number {
    return this.bytes[this.take(1, what)] as number;
  }

  u32(what: string): number {
    return this.view.getUint32(this.take(4, what), true);
  }

  f64(what: string): number {
    const value = this.view.getFloat64(this.take(8, what), true);
    if (!Number.isFinite(value)) throw new SnapshotDecodeError(`${what} is not a finite number: ${value}`);
    return value;
  }

  rate(what: string): number {
    const value = this.f64(what);
    if (value < 0) throw new SnapshotDecodeError(`${what} is negative: ${value}`);
    return value;
  }

  bool(what: string): boolean {
    const value = this.u8(what);
    if (value > 1) throw new SnapshotDecodeError(`${what} is neither 0 nor 1: ${value}`);
    return value === 1;
  }

  varint(what: string): number {
    let value = 0;
    let scale = 1;
    // Eight groups of seven bits hold 2^53 - 1; a ninth byte can only be garbage.
    for (let i = 0; i < 8; i++) {
      const byte = this.u8(what);
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) throw new SnapshotDecodeError(`${what} exceeds 2^53 - 1`);
        return value;
      }
      scale *= 0x80;
    }
    throw new SnapshotDecodeError(`${what} is a varint longer than 8 bytes`);
  }

  /** A count of items each at least `minBytes` long, refused at once if the rest of the frame cannot hold them. */
  count(what: string, minBytes: number): number {
    const n = this.varint(`${what} count`);
    if (n * minBytes > this.remaining) {
      throw new SnapshotDecodeError(
        `snapshot truncated or corrupt: ${n} ${what}(s) need at least ${n * minBytes} byte(s), ${this.remaining} left`,
      );
    }
    return n;
  }

  string(what: string): string {
    const bytes = this.byteString(what);
    try {
      return utf8Decoder.decode(bytes);
    } catch {
      throw new SnapshotDecodeError(`${what} is not valid UTF-8`);
    }
  }

  /** varint length, then that many bytes, a view of the bytes read (not a copy). */
  byteString(what: string): Uint8Array {
    const length = this.varint(`${what} length`);
    const at = this.take(length, what);
    return this.bytes.subarray(at, at + length);
  }

  end(): void {
    if (this.remaining > 0) throw new SnapshotDecodeError(`${this.remaining} byte(s) left over after the last socket`);
  }
}

// ---------------------------------------------------------------- owners

/** `skip` counts the untouched frames between the previous run's end and this run. */
interface Run {
  skip: number;
  length: number;
  owner: number;
}

/**
 * Runs of frames to rewrite: every frame without a base, else those whose owner
 * changed. A run starts at a changed frame and takes in every following frame
 * with the same owner, changed or not: rewriting an unchanged frame costs
 * nothing, while starting a new run costs a skip, a length and an owner.
 */
function ownerRuns(owners: Uint8Array, base: Uint8Array | null, socketId: string): Run[] {
  const runs: Run[] = [];
  let previousEnd = 0;
  let i = 0;
  while (i < owners.length) {
    const owner = owners[i] as number;
    if (owner >= FRAME_OWNERS.length) throw new Error(`socket ${socketId}: frame ${i} has no such owner code ${owner}`);
    if (base !== null && base[i] === owner) {
      i++;
      continue;
    }
    const start = i;
    while (i < owners.length && owners[i] === owner) i++;
    runs.push({ skip: start - previousEnd, length: i - start, owner });
    previousEnd = i;
  }
  return runs;
}

function writeOwners(w: Writer, owners: Uint8Array, base: Uint8Array | null, socketId: string): void {
  const runs = ownerRuns(owners, base, socketId);
  w.u8(base === null ? OWNERS_FULL : OWNERS_DELTA);
  w.varint(owners.length, 'frame count');
  w.varint(runs.length, 'run count');
  for (const run of runs) {
    if (base !== null) w.varint(run.skip, 'run skip');
    w.varint(run.length, 'run length');
    w.u8(run.owner);
  }
}

function readOwners(r: Reader, base: Uint8Array | undefined, isDeltaFrame: boolean, socketId: string): Uint8Array {
  const where = `socket ${socketId} owners`;
  const mode = r.u8(`${where} mode`);
  if (mode !== OWNERS_FULL && mode !== OWNERS_DELTA) throw new SnapshotDecodeError(`${where}: unknown mode ${mode}`);
  const isDelta = mode === OWNERS_DELTA;
  const frameCount = r.varint(`${where} frame count`);
  if (frameCount > MAX_FRAMES)
    throw new SnapshotDecodeError(`${where}: ${frameCount} frames is more than ${MAX_FRAMES}`);
  if (isDelta) {
    if (!isDeltaFrame) throw new SnapshotDecodeError(`${where} are a delta in a frame not flagged as one`);
    if (base === undefined) {
      throw new SnapshotDecodeError(`${where} are a delta, but this client holds no base for that socket`);
    }
    if (base.length !== frameCount) {
      throw new SnapshotDecodeError(`${where} are a delta over ${frameCount} frames, but the base has ${base.length}`);
    }
  }

  // Read and check every run before allocating, so a lying frame count costs nothing.
  const runs: { start: number; end: number; owner: number }[] = [];
  const runCount = r.count(`${where} run`, isDelta ? 3 : 2);
  let end = 0;
  for (let k = 0; k < runCount; k++) {
    const skip = isDelta ? r.varint(`${where} run skip`) : 0;
    const length = r.varint(`${where} run length`);
    const owner = r.u8(`${where} run owner`);
    if (length === 0) throw new SnapshotDecodeError(`${where}: run ${k} is empty`);
    if (owner >= FRAME_OWNERS.length)
      throw new SnapshotDecodeError(`${where}: run ${k} has no such owner code ${owner}`);
    const start = end + skip;
    end = start + length;
    if (end > frameCount) throw new SnapshotDecodeError(`${where}: run ${k} ends at frame ${end}, past ${frameCount}`);
    runs.push({ start, end, owner });
  }
  if (!isDelta && end !== frameCount) {
    throw new SnapshotDecodeError(`${where}: runs cover ${end} of ${frameCount} frames`);
  }

  const owners = isDelta && base ? base.slice() : new Uint8Array(frameCount);
  for (const run of runs) owners.fill(run.owner, run.start, run.end);
  return owners;
}

// ---------------------------------------------------------------- snapshot

function writeSample(w: Writer, sample: SocketSample): void {
  w.string(sample.socketId);
  let mask = 0;
  RING_KINDS.forEach((kind, i) => {
    const ring = sample.rings[kind];
    if (ring) mask |= (1 << i) | (ring.needWakeup ? 1 << (4 + i) : 0);
  });
  w.u8(mask);
  let unknowns = sample.totals === null ? UNKNOWN_TOTALS : 0;
  RING_KINDS.forEach((kind, i) => {
    const ring = sample.rings[kind];
    if (!ring || (ring.cachedProducer !== null && ring.cachedConsumer !== null)) return;
    if (ring.cachedProducer !== ring.cachedConsumer)
      throw new Error(`socket ${sample.socketId}: ${kind} knows one cached index and not the other`);
    unknowns |= 1 << i;
  });
  for (const [field, bit] of Object.entries(UNKNOWN_RATES)) {
    if (sample.rates[field as keyof typeof UNKNOWN_RATES] === null) unknowns |= bit;
  }
  w.u8(unknowns);
  for (const kind of RING_KINDS) {
    const ring = sample.rings[kind];
    if (!ring) continue;
    w.varint(ring.size, `${kind} ring size`);
    w.u32(ring.producer, `${kind} producer`);
    w.u32(ring.consumer, `${kind} consumer`);
    if (ring.cachedProducer === null || ring.cachedConsumer === null) continue;
    w.u32(ring.cachedProducer, `${kind} cached producer`);
    w.u32(ring.cachedConsumer, `${kind} cached consumer`);
  }
  for (const field of XDP_STATISTICS_FIELDS) w.varint(sample.stats[field], field);
  if (sample.totals) for (const field of TOTAL_FIELDS) w.varint(sample.totals[field], field);
  for (const field of RATE_FIELDS) {
    const value = sample.rates[field];
    if (value !== null) w.rate(value, field);
  }
  for (const owner of FRAME_OWNERS) w.varint(sample.ledger.counts[owner], `${owner} count`);
  w.varint(sample.ledger.consumerLag.fill, 'fill lag');
  w.varint(sample.ledger.consumerLag.tx, 'tx lag');
  w.varint(sample.ledger.violations.length, 'violation count');
  for (const violation of sample.ledger.violations) w.string(violation);
  w.u8(sample.ledger.consistent ? 1 : 0);
  w.varint(sample.pausedStages.length, 'paused stage count');
  for (const stage of sample.pausedStages) {
    const code = STAGES.indexOf(stage);
    if (code < 0) throw new Error(`socket ${sample.socketId}: no such stage ${stage}`);
    w.u8(code);
  }
}

function readRing(r: Reader, what: string, needWakeup: boolean, cachedKnown: boolean): RingState {
  const size = r.varint(`${what} size`);
  if (size === 0) throw new SnapshotDecodeError(`${what} has size 0`);
  return {
    size,
    producer: r.u32(`${what} producer`),
    consumer: r.u32(`${what} consumer`),
    cachedProducer: cachedKnown ? r.u32(`${what} cached producer`) : null,
    cachedConsumer: cachedKnown ? r.u32(`${what} cached consumer`) : null,
    needWakeup,
  };
}

function readFields<K extends string>(fields: readonly K[], read: (field: K) => number): Record<K, number> {
  const values = {} as Record<K, number>;
  for (const field of fields) values[field] = read(field);
  return values;
}

function readSample(r: Reader): SocketSample {
  const socketId = r.string('socket id');
  const where = `socket ${socketId}`;
  const mask = r.u8(`${where} ring mask`);
  if ((mask >> 4) & ~mask) throw new SnapshotDecodeError(`${where}: need_wakeup set for a ring that is absent`);
  const unknowns = r.u8(`${where} unknowns`);
  if (unknowns & ~UNKNOWNS_USED) throw new SnapshotDecodeError(`${where}: unknown unknowns 0x${unknowns.toString(16)}`);
  if (unknowns & 0xf & ~mask)
    throw new SnapshotDecodeError(`${where}: cached indices unknown for a ring that is absent`);
  const ring = (i: number) => {
    const kind = RING_KINDS[i] as string;
    if (!(mask & (1 << i))) return null;
    return readRing(r, `${where} ${kind} ring`, (mask & (1 << (4 + i))) !== 0, !(unknowns & (1 << i)));
  };
  const rings = { fill: ring(0), rx: ring(1), tx: ring(2), completion: ring(3) };
  const stats = readFields(XDP_STATISTICS_FIELDS, (field) => r.varint(`${where} ${field}`));
  const totals = unknowns & UNKNOWN_TOTALS ? null : readFields(TOTAL_FIELDS, (field) => r.varint(`${where} ${field}`));
  const rate = (field: (typeof RATE_FIELDS)[number]) => r.rate(`${where} ${field}`);
  const maybe = (field: keyof typeof UNKNOWN_RATES) => (unknowns & UNKNOWN_RATES[field] ? null : rate(field));
  // In RATE_FIELDS' order: an object literal's values are evaluated in the order written.
  const rates = { rxPps: rate('rxPps'), rxBps: maybe('rxBps'), txPps: rate('txPps'), txBps: maybe('txBps') };
  const counts = readFields(FRAME_OWNERS, (owner) => r.varint(`${where} ${owner} count`));
  const consumerLag = { fill: r.varint(`${where} fill lag`), tx: r.varint(`${where} tx lag`) };
  const violations: string[] = [];
  const violationCount = r.count(`${where} violation`, 1);
  for (let k = 0; k < violationCount; k++) violations.push(r.string(`${where} violation ${k}`));
  const consistent = r.bool(`${where} consistent`);
  const pausedStages: SocketSample['pausedStages'] = [];
  const stageCount = r.count(`${where} paused stage`, 1);
  for (let k = 0; k < stageCount; k++) {
    const code = r.u8(`${where} paused stage`);
    const stage = STAGES[code];
    if (stage === undefined) throw new SnapshotDecodeError(`${where}: no such stage code ${code}`);
    pausedStages.push(stage);
  }
  return {
    socketId,
    rings,
    stats,
    totals,
    rates,
    ledger: { counts, consumerLag, violations, consistent },
    pausedStages,
  };
}

/**
 * Encodes a snapshot and every socket's owners. A socket's owners go whole
 * when `base` (what this client last received) has none of the same length
 * for it, else as a delta against them: the caller then keeps `owners` as
 * this client's next base.
 */
export function encodeSnapshot(
  snapshot: SnapshotMessage,
  owners: ReadonlyMap<string, Uint8Array>,
  base: ReadonlyMap<string, Uint8Array> | null,
): Uint8Array {
  const bases = snapshot.sockets.map((sample) => {
    const current = owners.get(sample.socketId);
    if (current === undefined) throw new Error(`no owners given for socket ${sample.socketId}`);
    const previous = base?.get(sample.socketId);
    return previous !== undefined && previous.length === current.length ? previous : null;
  });
  if (new Set(snapshot.sockets.map((sample) => sample.socketId)).size !== snapshot.sockets.length) {
    throw new Error('a socket id appears twice in the snapshot');
  }

  const w = new Writer();
  w.u8(SNAPSHOT_MAGIC);
  w.u8(SNAPSHOT_CODEC_VERSION);
  w.u8((bases.some((b) => b !== null) ? FLAG_DELTA : 0) | (snapshot.links ? FLAG_LINKS : 0));
  w.varint(snapshot.seq, 'seq');
  w.f64(snapshot.sampledAt, 'sampledAt');
  w.u8(snapshot.traffic ? 1 : 0);
  if (snapshot.traffic) {
    w.varint(snapshot.traffic.sentFrames, 'sent frames');
    w.rate(snapshot.traffic.pps, 'traffic pps');
  }
  w.varint(snapshot.sockets.length, 'socket count');
  snapshot.sockets.forEach((sample, i) => {
    writeSample(w, sample);
    writeOwners(w, owners.get(sample.socketId) as Uint8Array, bases[i] ?? null, sample.socketId);
  });
  w.varint(snapshot.programs.length, 'program count');
  for (const program of snapshot.programs) {
    w.string(program.ifname);
    for (const key of XDP_ACTIONS) w.varint(program[key], `${program.ifname} ${key}`);
  }
  if (snapshot.links) writeLinks(w, snapshot.links);
  return w.finish();
}

function writeLinks(w: Writer, links: readonly LinkReading[]): void {
  w.varint(links.length, 'link count');
  for (const link of links) {
    w.string(link.ifname);
    w.f64(link.readAt, `${link.ifname} readAt`);
    w.u8(link.up ? 1 : 0);
    w.u8(link.queues ? 1 : 0);
    if (!link.queues) continue;
    w.varint(link.queues.length, `${link.ifname} queue count`);
    link.queues.forEach((queue, i) => {
      w.varint(queue.frames, `${link.ifname} queue ${i} frames`);
      w.varint(queue.drops, `${link.ifname} queue ${i} drops`);
    });
  }
}

function readLinks(r: Reader): LinkReading[] {
  const links: LinkReading[] = [];
  const linkCount = r.count('link', 11);
  for (let k = 0; k < linkCount; k++) {
    const ifname = r.string('link ifname');
    const readAt = r.f64(`${ifname} readAt`);
    const up = r.bool(`${ifname} up`);
    let queues: LinkReading['queues'] = null;
    if (r.bool(`${ifname} queues present`)) {
      queues = [];
      const queueCount = r.count(`${ifname} queue`, 2);
      for (let i = 0; i < queueCount; i++) {
        queues.push({ frames: r.varint(`${ifname} queue ${i} frames`), drops: r.varint(`${ifname} queue ${i} drops`) });
      }
    }
    links.push({ ifname, readAt, up, queues });
  }
  return links;
}

/**
 * Decodes a frame from encodeSnapshot. `base` must be the owners this client
 * decoded last (never modified: deltas apply to copies). Throws a
 * SnapshotDecodeError for anything malformed or a delta it cannot apply.
 */
export function decodeSnapshot(
  bytes: Uint8Array,
  base: ReadonlyMap<string, Uint8Array> | null,
): { snapshot: SnapshotMessage; owners: Map<string, Uint8Array> } {
  const r = new Reader(bytes);
  const magic = r.u8('magic byte');
  if (magic !== SNAPSHOT_MAGIC) {
    throw new SnapshotDecodeError(
      `not a binary snapshot: magic byte is 0x${magic.toString(16)}, not 0x${SNAPSHOT_MAGIC.toString(16)}`,
    );
  }
  const version = r.u8('codec version');
  if (version !== SNAPSHOT_CODEC_VERSION) {
    throw new SnapshotDecodeError(
      `snapshot codec version ${version} is not supported (this page reads version ${SNAPSHOT_CODEC_VERSION})`,
    );
  }
  const flags = r.u8('flags');
  if (flags & ~(FLAG_DELTA | FLAG_LINKS))
    throw new SnapshotDecodeError(`unknown snapshot flags 0x${flags.toString(16)}`);
  const isDeltaFrame = (flags & FLAG_DELTA) !== 0;
  if (isDeltaFrame && base === null) {
    throw new SnapshotDecodeError('snapshot owners are a delta, but this client holds no base: ask for a resync');
  }

  const seq = r.varint('seq');
  const sampledAt = r.f64('sampledAt');
  const traffic = r.bool('traffic present')
    ? { sentFrames: r.varint('sent frames'), pps: r.rate('traffic pps') }
    : null;
  const sockets: SocketSample[] = [];
  const owners = new Map<string, Uint8Array>();
  const socketCount = r.count('socket', 1);
  for (let k = 0; k < socketCount; k++) {
    const sample = readSample(r);
    if (owners.has(sample.socketId)) throw new SnapshotDecodeError(`socket ${sample.socketId} appears twice`);
    owners.set(sample.socketId, readOwners(r, base?.get(sample.socketId), isDeltaFrame, sample.socketId));
    sockets.push(sample);
  }
  const programs: XdpActionCounters[] = [];
  const programCount = r.count('program', 1);
  for (let k = 0; k < programCount; k++) {
    const ifname = r.string('program ifname');
    const counters = readFields(XDP_ACTIONS, (key) => r.varint(`${ifname} ${key}`));
    programs.push({ ifname, ...counters });
  }
  const snapshot: SnapshotMessage = { type: 'snapshot', seq, sampledAt, sockets, traffic, programs };
  if (flags & FLAG_LINKS) snapshot.links = readLinks(r);
  r.end();
  return { snapshot, owners };
}
