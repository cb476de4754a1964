import koffi from 'koffi';
import { errnoName, NativeError } from './errors.ts';
import { rawSyscalls } from './libc.ts';
import { AF_XDP, SOCK_RAW, SOL_XDP, XDP_TX_RING } from './uapi.ts';

/**
 * Raw setsockopt trials on a fresh, unbound AF_XDP socket: asks the kernel
 * itself whether it knows an option and which values it takes, before any
 * socket of the user's depends on the answer.
 */

const { socket: socketRaw, close: closeRaw, setsockopt } = rawSyscalls;
const SOCK_CLOEXEC = 0o2000000;

export interface OptionTrial {
  level: number;
  name: number;
  /** The option's name in the uapi headers, for messages. */
  label: string;
  value: number;
  /** Give the socket a TX ring of this many entries first (0: none). */
  txRing: number;
}

export type OptionTrialResult = { ok: true } | { ok: false; code: string };

function setInt(fd: number, level: number, name: number, value: number): boolean {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value >>> 0, 0);
  return setsockopt(fd, level, name, buffer, 4) === 0;
}

/** Sets one int option on a throw-away AF_XDP socket; returns the errno name of a refusal. */
export function trySocketOption(trial: OptionTrial): OptionTrialResult {
  const fd = socketRaw(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new NativeError('socket(AF_XDP)', koffi.errno());
  try {
    if (trial.txRing > 0 && !setInt(fd, SOL_XDP, XDP_TX_RING, trial.txRing)) {
      throw new NativeError(`setsockopt(XDP_TX_RING, ${trial.txRing})`, koffi.errno());
    }
    if (setInt(fd, trial.level, trial.name, trial.value)) return { ok: true };
    return { ok: false, code: errnoName(koffi.errno()) };
  } finally {
    closeRaw(fd);
  }
}
