import type { LinkReading } from '@ringside/shared';
import { NativeError } from '../native/errors.ts';
import { readDriverStatistics, readLinkUp } from '../native/ethtool.ts';
import { inNetworkNamespace } from '../native/netns.ts';

/**
 * Per-queue receive counters as drivers name them in `ethtool -S`: veth
 * (`rx_queue_0_xdp_packets`, counted on its XDP path only), virtio_net, ice
 * and ixgbe (`rx_queue_0_packets`), mlx5 (`rx0_packets`), i40e (`rx-0.packets`).
 * A plain counter wins over its `xdp_` twin when a driver has both.
 */
const QUEUE_COUNTER = /^rx(?:_queue_|-)?(\d+)[_.](xdp_)?(packets|drops)$/;

/** Each receive queue's frames and drops from the driver's statistics; null when it names none per queue. */
export function queueCounters(names: readonly string[], values: readonly bigint[]): LinkReading['queues'] {
  const queues: { frames: number; drops: number }[] = [];
  const plain = new Set<string>();
  names.forEach((name, i) => {
    const match = QUEUE_COUNTER.exec(name);
    if (!match) return;
    const queue = Number(match[1]);
    const field = match[3] === 'packets' ? 'frames' : 'drops';
    const key = `${queue} ${field}`;
    if (match[2] && plain.has(key)) return;
    if (!match[2]) plain.add(key);
    for (let q = queues.length; q <= queue; q++) queues.push({ frames: 0, drops: 0 });
    (queues[queue] as { frames: number; drops: number })[field] = Number(values[i] ?? 0n);
  });
  return queues.length > 0 ? queues : null;
}

/** Readings are reused for this long: a rate over seconds needs no more, and each read is four ioctls per interface. */
const READ_EVERY_MS = 1000;

/** The link state and per-queue counters of the interfaces sockets are bound to, read at most once a second. */
export class LinkCounters {
  private readonly names = new Map<string, readonly string[]>();
  private last: { at: number; ifnames: string; readings: LinkReading[] } | null = null;

  constructor(private readonly namespacePath: string | null) {}

  read(ifnames: readonly string[], now = Date.now()): LinkReading[] {
    const key = ifnames.join(' ');
    if (this.last && this.last.ifnames === key && now - this.last.at < READ_EVERY_MS) return this.last.readings;
    const readings = inNetworkNamespace(this.namespacePath, () =>
      ifnames.flatMap((ifname) => this.readOne(ifname, now)),
    );
    this.last = { at: now, ifnames: key, readings };
    return readings;
  }

  private readOne(ifname: string, readAt: number): LinkReading[] {
    try {
      const { names, values } = readDriverStatistics(ifname, this.names.get(ifname) ?? null);
      this.names.set(ifname, names);
      return [{ ifname, readAt, up: readLinkUp(ifname), queues: queueCounters(names, values) }];
    } catch (error) {
      // Deleted under its sockets: the fault watcher reports it; the snapshot goes on without it.
      if (error instanceof NativeError && error.code === 'ENODEV') return [];
      // A driver without ethtool statistics still has a link state.
      if (error instanceof NativeError && error.code === 'EOPNOTSUPP') {
        return [{ ifname, readAt, up: readLinkUp(ifname), queues: null }];
      }
      throw error;
    }
  }
}
