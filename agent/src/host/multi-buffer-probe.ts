import type { SocketFeatures } from '@ringside/shared';
import { wakeupTx } from '../native/libc.ts';
import { ringMemoryAt } from '../native/ring-memory.ts';
import { XDP_PKT_CONTD } from '../native/uapi.ts';
import { CompletionRing, TxRing } from '../xsk/ring.ts';
import { XskSocket } from '../xsk/socket.ts';
import { Umem, XskConfigError } from '../xsk/umem.ts';
import { ip } from './ip.ts';

/**
 * Multi-buffer, asked of the running kernel at start: a copy-mode socket
 * bound with XDP_USE_SG on a veth pair of a throw-away namespace sends
 * chains of descriptors of growing length (XDP_PKT_CONTD on all but the
 * last), and the first chain the kernel drops, whole, in tx_invalid_descs
 * gives the limit. Sent rather than derived: the limit is MAX_SKB_FRAGS + 1
 * (xsk_build_skb), a build-time constant (CONFIG_MAX_SKB_FRAGS) that no file
 * states; net.core.max_skb_frags starts from it but an administrator may
 * lower it, and the socket's limit stays.
 */

const CHUNK = 4096;
/** Beyond the kernel's ceiling for CONFIG_MAX_SKB_FRAGS (45) + 1. */
export const LONGEST_CHAIN = 64;
const DESCRIPTOR_LENGTH = 64;
/** A sendto consumes at most the TX budget (32 by default): the chain is sent in as many calls as it takes. */
const MAX_SENDTOS = 16;
const IFNAME = 'rs-probe';
/** Room for every descriptor of every chain up to LONGEST_CHAIN (2 + 3 + … + 64). */
const COMPLETIONS = 4096;

let probes = 0;

type MultiBufferSupport = NonNullable<SocketFeatures['multiBuffer']>;

export function probeMultiBuffer(): MultiBufferSupport {
  // Named like the lab's namespaces, so a start after a killed run removes it (removeStaleLabs).
  const namespace = `ringside-${process.pid}-probe-${probes++}`;
  const namespacePath = `/run/netns/${namespace}`;
  ip('netns', 'add', namespace);
  try {
    ip('-n', namespace, 'link', 'add', IFNAME, 'type', 'veth', 'peer', 'name', `${IFNAME}-peer`);
    ip('-n', namespace, 'link', 'set', IFNAME, 'up');
    ip('-n', namespace, 'link', 'set', `${IFNAME}-peer`, 'up');
    return sendChains(namespacePath);
  } finally {
    ip('netns', 'del', namespace);
  }
}

function sendChains(namespacePath: string): MultiBufferSupport {
  const umem = Umem.create(
    {
      frameCount: LONGEST_CHAIN,
      frameSize: CHUNK,
      headroom: 0,
      fillSize: LONGEST_CHAIN,
      // Every chain's descriptors come back here, in the softirq that frees the frame: room for all of them.
      completionSize: COMPLETIONS,
      unaligned: false,
    },
    namespacePath,
  );
  try {
    let socket: XskSocket;
    try {
      socket = XskSocket.create(
        umem,
        {
          ifname: IFNAME,
          queueId: 0,
          rxSize: 0,
          txSize: LONGEST_CHAIN,
          xdpMode: 'skb',
          copy: true,
          zeroCopy: false,
          needWakeup: false,
          batchSize: LONGEST_CHAIN,
          multiBuffer: true,
        },
        { namespacePath, inhibitProgramLoad: true },
      );
    } catch (error) {
      // A kernel before 6.6 refuses the unknown bind flag.
      if (error instanceof XskConfigError) {
        return { available: false, refusal: `${error.code} (bind refused XDP_USE_SG)`, maxFragments: null };
      }
      throw error;
    }
    try {
      return { available: true, refusal: null, maxFragments: longestAccepted(umem, socket) };
    } finally {
      socket.destroy();
    }
  } finally {
    umem.destroy();
  }
}

/** The longest chain sent whole, or null when none up to LONGEST_CHAIN was dropped. */
function longestAccepted(umem: Umem, socket: XskSocket): number | null {
  const tx = new TxRing(
    ringMemoryAt(socket.txLayout as NonNullable<XskSocket['txLayout']>, 'descriptor', new Uint32Array(2)),
  );
  const completion = new CompletionRing(ringMemoryAt(umem.completionLayout, 'address', new Uint32Array(2)));
  for (let length = 2; length <= LONGEST_CHAIN; length++) {
    const invalid = socket.statistics().txInvalidDescs;
    tx.reserve(length);
    for (let i = 0; i < length; i++) {
      tx.setDescriptor((tx.claimIndex + i) >>> 0, i * CHUNK, DESCRIPTOR_LENGTH, i < length - 1 ? XDP_PKT_CONTD : 0);
    }
    tx.submit(length);
    for (let call = 0; call < MAX_SENDTOS && tx.sharedConsumer() !== tx.sharedProducer(); call++) wakeupTx(socket.fd);
    if (tx.sharedConsumer() !== tx.sharedProducer()) {
      throw new Error(`the kernel took only part of a ${length}-descriptor chain in ${MAX_SENDTOS} sendto calls`);
    }
    // The chunks are reused at once: what they hold does not matter here, only whether the kernel takes the chain.
    completion.release(completion.peek(COMPLETIONS));
    if (socket.statistics().txInvalidDescs > invalid) return length - 1;
  }
  return null;
}
