import { release } from 'node:os';
import { type SocketFeatures, TX_METADATA_BYTES } from '@ringside/shared';
import { type OptionTrial, trySocketOption } from '../native/socket-option-probe.ts';
import {
  SO_BUSY_POLL,
  SO_BUSY_POLL_BUDGET,
  SO_PREFER_BUSY_POLL,
  SOL_SOCKET,
  SOL_XDP,
  XDP_MAX_TX_SKB_BUDGET,
} from '../native/uapi.ts';
import { pageSize, tryUmemRegistration, type UmemTrial } from '../native/umem-probe.ts';
import { explainOptionError } from '../xsk/explain.ts';
import { largestAccepted, smallestAccepted } from './accepted-range.ts';
import { probeMultiBuffer } from './multi-buffer-probe.ts';

/**
 * The socket options this kernel takes, asked of it on throw-away AF_XDP
 * sockets at start rather than read off its version: a distribution kernel
 * may lack busy polling (CONFIG_NET_RX_BUSY_POLL) whatever its release, and
 * the TX budget's bounds are the kernel's (xsk.c) to change.
 */

/** Where the searches for largest accepted values stop: u32 options, as the kernel reads them. */
const SEARCH_CEILING = 0x7fff_ffff;
/** Two TX ring sizes: a budget ceiling that follows the ring is the ring's size, not a constant. */
const SMALL_TX_RING = 64;
const LARGE_TX_RING = 4096;

function refusal(code: string, trial: OptionTrial): string {
  return `${code} (${explainOptionError(code, trial.label).meaning})`;
}

const accepted = (trial: OptionTrial) => trySocketOption(trial).ok;

function firstRefusal(trials: readonly OptionTrial[]): string | null {
  for (const trial of trials) {
    const result = trySocketOption(trial);
    if (!result.ok) return refusal(result.code, trial);
  }
  return null;
}

function probeBusyPoll(): SocketFeatures['busyPoll'] {
  const at = (name: number, label: string, value: number): OptionTrial => ({
    level: SOL_SOCKET,
    name,
    label,
    value,
    txRing: 0,
  });
  // The values xdpsock -B sets: prefer busy polling, 20 µs, a budget of one batch.
  const problem = firstRefusal([
    at(SO_PREFER_BUSY_POLL, 'SO_PREFER_BUSY_POLL', 1),
    at(SO_BUSY_POLL, 'SO_BUSY_POLL', 20),
    at(SO_BUSY_POLL_BUDGET, 'SO_BUSY_POLL_BUDGET', 64),
  ]);
  if (problem !== null) return { available: false, refusal: problem, maxBudget: 0 };
  const maxBudget = largestAccepted(64, SEARCH_CEILING, (value) =>
    accepted(at(SO_BUSY_POLL_BUDGET, 'SO_BUSY_POLL_BUDGET', value)),
  );
  return { available: true, refusal: null, maxBudget };
}

function probeTxBudget(): SocketFeatures['txBudget'] {
  const at = (value: number, txRing: number): OptionTrial => ({
    level: SOL_XDP,
    name: XDP_MAX_TX_SKB_BUDGET,
    label: 'XDP_MAX_TX_SKB_BUDGET',
    value,
    txRing,
  });
  // A budget of the whole ring is one every kernel with the option takes; a refusal of it says the option is missing.
  const anchorTrial = at(SMALL_TX_RING, SMALL_TX_RING);
  const anchor = trySocketOption(anchorTrial);
  if (!anchor.ok) return { available: false, refusal: refusal(anchor.code, anchorTrial), min: 0, max: null };
  const min = smallestAccepted(1, SMALL_TX_RING, (value) => accepted(at(value, SMALL_TX_RING)));
  const maxSmall = largestAccepted(SMALL_TX_RING, SEARCH_CEILING, (value) => accepted(at(value, SMALL_TX_RING)));
  const maxLarge = largestAccepted(SMALL_TX_RING, SEARCH_CEILING, (value) => accepted(at(value, LARGE_TX_RING)));
  const followsRing = maxSmall === SMALL_TX_RING && maxLarge === LARGE_TX_RING;
  return { available: true, refusal: null, min, max: followsRing ? null : Math.min(maxSmall, maxLarge) };
}

/** Far above any tx_metadata_len a kernel has taken (6.18: below 256). */
const TX_METADATA_SEARCH_CEILING = 4096;

/**
 * TX metadata at XDP_UMEM_REG: whether the kernel takes tx_metadata_len, the
 * lengths it takes (6.18: from 16 to 248 in steps of 8, found here rather
 * than restated), and whether it takes XDP_UMEM_TX_SW_CSUM with it.
 */
function probeTxMetadata(): NonNullable<SocketFeatures['txMetadata']> {
  const chunkSize = pageSize();
  const trial = (txMetadataLength: number, swChecksum = false): UmemTrial => ({
    chunkSize,
    headroom: 0,
    unaligned: false,
    frames: 2,
    txMetadataLength,
    swChecksum,
  });
  const anchor = tryUmemRegistration(trial(TX_METADATA_BYTES.checksum));
  if (!anchor.ok) {
    const refusal = `${anchor.code} (XDP_UMEM_REG refused tx_metadata_len)`;
    const swChecksum = { available: false, refusal };
    return { available: false, refusal, minLength: 0, step: 0, maxLength: 0, swChecksum };
  }
  const accepts = (length: number) => tryUmemRegistration(trial(length)).ok;
  // Both scans end at the anchor at the latest: it passed.
  let minLength = 1;
  while (!accepts(minLength)) minLength++;
  let step = 1;
  while (minLength + step < TX_METADATA_SEARCH_CEILING && !accepts(minLength + step)) step++;
  const steps = largestAccepted(0, Math.floor((TX_METADATA_SEARCH_CEILING - minLength) / step), (n) =>
    accepts(minLength + n * step),
  );
  const sw = tryUmemRegistration(trial(TX_METADATA_BYTES.checksum, true));
  return {
    available: true,
    refusal: null,
    minLength,
    step,
    maxLength: minLength + steps * step,
    swChecksum: sw.ok
      ? { available: true, refusal: null }
      : { available: false, refusal: `${sw.code} (XDP_UMEM_REG refused XDP_UMEM_TX_SW_CSUM)` },
  };
}

/** A probe that could not run says so, rather than stop the agent: multi-buffer is then offered as unavailable. */
function multiBufferOrWhyNot(): SocketFeatures['multiBuffer'] {
  try {
    return probeMultiBuffer();
  } catch (error) {
    return { available: false, refusal: `the probe could not run: ${(error as Error).message}`, maxFragments: null };
  }
}

let cached: SocketFeatures | null = null;

/** Probes once per process: the kernel's options do not change while it runs. */
export function probeSocketFeatures(): SocketFeatures {
  cached ??= Object.freeze({
    kernel: release(),
    busyPoll: probeBusyPoll(),
    txBudget: probeTxBudget(),
    txMetadata: probeTxMetadata(),
    multiBuffer: multiBufferOrWhyNot(),
  });
  return cached;
}
