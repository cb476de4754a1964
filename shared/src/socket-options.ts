import { z } from 'zod';
import type { SocketConfig } from './protocol.ts';
import { TxMetadataSupport } from './tx-metadata.ts';
import type { Problem } from './validation.ts';

/**
 * Socket options beyond bind: busy polling and the copy-mode TX budget, and
 * one bind flag whose support is as much the kernel's: multi-buffer. Which of
 * them the running kernel takes is probed at agent start on throw-away
 * AF_XDP sockets (agent/src/host/socket-features.ts), never assumed from its
 * version; the version that brought each is only named when one is missing.
 */

/**
 * The kernel releases that brought them: AF_XDP busy polling and
 * SO_PREFER_BUSY_POLL/SO_BUSY_POLL_BUDGET in 5.11, XDP_MAX_TX_SKB_BUDGET in
 * 6.17, and the bind flag XDP_USE_SG (multi-buffer) in 6.6.
 */
export const SOCKET_OPTION_SINCE = { busyPoll: '5.11', txBudget: '6.17', multiBuffer: '6.6' } as const;
export type SocketOptionName = keyof typeof SOCKET_OPTION_SINCE;

/** What the kernel said to the option on a throw-away socket. */
export const OptionSupport = z.object({
  available: z.boolean(),
  /** The refusal, with its errno name and what it means, when not available. */
  refusal: z.string().nullable(),
});
export type OptionSupport = z.infer<typeof OptionSupport>;

export const SocketFeatures = z.object({
  /** The running kernel's release (uname -r). */
  kernel: z.string(),
  busyPoll: OptionSupport.extend({
    /** The largest SO_BUSY_POLL_BUDGET the kernel accepted (0 when unavailable). */
    maxBudget: z.number().int().min(0),
  }),
  txBudget: OptionSupport.extend({
    /** The smallest budget the kernel accepted (0 when unavailable). */
    min: z.number().int().min(0),
    /** The largest, when fixed; null when it is the socket's TX ring size (probed at two ring sizes). */
    max: z.number().int().min(0).nullable(),
  }),
  /** TX metadata at XDP_UMEM_REG (absent from agents before protocol 2.4). */
  txMetadata: TxMetadataSupport.optional(),
  /** Multi-buffer (XDP_USE_SG), probed with a real bind and chains sent on a throw-away veth (absent before 2.4). */
  multiBuffer: OptionSupport.extend({
    /**
     * The most descriptors one copy-mode TX packet may span: a longer chain is
     * dropped whole (MAX_SKB_FRAGS + 1 in xsk_build_skb: 18 on x86 with 4 KiB
     * pages); null when unavailable, or when no chain the probe sent was dropped.
     */
    maxFragments: z.number().int().min(1).nullable(),
  }).optional(),
});
export type SocketFeatures = z.infer<typeof SocketFeatures>;

/** The option's label as the kernel names it, for messages and the form. */
const SOCKET_OPTION_LABEL: Record<SocketOptionName, string> = {
  busyPoll: 'busy polling (SO_PREFER_BUSY_POLL, SO_BUSY_POLL, SO_BUSY_POLL_BUDGET)',
  txBudget: 'TX budget (XDP_MAX_TX_SKB_BUDGET)',
  multiBuffer: 'multi-buffer (XDP_USE_SG)',
};

/** Why an option cannot be used on this kernel, naming it and the release that brought it; null when it can. */
export function optionUnavailable(features: SocketFeatures, option: SocketOptionName): string | null {
  const support = features[option];
  if (!support) return `this agent did not probe ${SOCKET_OPTION_LABEL[option]} (an agent before protocol 2.4)`;
  if (support.available) return null;
  return `${SOCKET_OPTION_LABEL[option]} came in Linux ${SOCKET_OPTION_SINCE[option]}; this kernel (${features.kernel}) refused it: ${support.refusal ?? 'unknown'}`;
}

/** The TX budgets this kernel accepts for a TX ring of `txSize` entries. */
export function txBudgetBounds(features: SocketFeatures, txSize: number): { min: number; max: number } {
  return { min: features.txBudget.min, max: features.txBudget.max ?? txSize };
}

/** The socket options of a configuration checked against what the kernel took at start. */
export function validateSocketOptions(config: SocketConfig, features: SocketFeatures): Problem[] {
  const problems: Problem[] = [];
  const { busyPoll, txBudget } = config;
  if (busyPoll) {
    const missing = optionUnavailable(features, 'busyPoll');
    if (missing) problems.push({ field: 'busyPoll', message: `${missing}: turn busy polling off` });
    else {
      if (busyPoll.busyPollUsecs < 1) {
        problems.push({
          field: 'busyPollUsecs',
          message: 'busy polling needs SO_BUSY_POLL of at least 1 µs (0 turns it off): try 20, as xdpsock does',
        });
      }
      const max = features.busyPoll.maxBudget;
      if (busyPoll.busyPollBudget < 1 || busyPoll.busyPollBudget > max) {
        problems.push({
          field: 'busyPollBudget',
          message: `SO_BUSY_POLL_BUDGET must be from 1 to ${max} (probed on this kernel): try the batch size`,
        });
      }
    }
  }
  if (txBudget !== undefined) {
    const missing = optionUnavailable(features, 'txBudget');
    if (missing) problems.push({ field: 'txBudget', message: `${missing}: leave the TX budget unset` });
    else if (config.txSize === 0) {
      problems.push({
        field: 'txBudget',
        message: 'the TX budget needs a TX ring (the kernel refuses it without one)',
      });
    } else {
      const { min, max } = txBudgetBounds(features, config.txSize);
      if (txBudget < min || txBudget > max) {
        const ceiling = features.txBudget.max === null ? `the TX ring's size (${max})` : String(max);
        problems.push({
          field: 'txBudget',
          message: `TX budget ${txBudget} is outside what this kernel accepts (probed at start): from ${min} to ${ceiling}`,
        });
      }
    }
  }
  if (config.multiBuffer) {
    const missing = optionUnavailable(features, 'multiBuffer');
    if (missing) problems.push({ field: 'multiBuffer', message: `${missing}: turn multi-buffer off` });
  }
  return problems;
}
