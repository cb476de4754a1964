import { NativeError } from './errors.ts';
import { setIntSocketOption, withThrowawayXdpSocket } from './libc.ts';
import { SOL_XDP, XDP_TX_RING } from './uapi.ts';

/**
 * Raw setsockopt trials on a fresh, unbound AF_XDP socket: asks the kernel
 * itself whether it knows an option and which values it takes, before any
 * socket of the user's depends on the answer.
 */

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

/** Sets one int option on a throw-away AF_XDP socket; returns the errno name of a refusal. */
export function trySocketOption(trial: OptionTrial): OptionTrialResult {
  return withThrowawayXdpSocket((fd) => {
    // A refused TX ring is no answer about the option: it throws.
    if (trial.txRing > 0) setIntSocketOption(fd, SOL_XDP, XDP_TX_RING, trial.txRing, 'XDP_TX_RING');
    try {
      setIntSocketOption(fd, trial.level, trial.name, trial.value, trial.label);
      return { ok: true };
    } catch (error) {
      if (error instanceof NativeError) return { ok: false, code: error.code };
      throw error;
    }
  });
}
