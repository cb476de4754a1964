import { type NetdevDevice, readNetdevDevice } from '../native/netdev-features.ts';

type RxMetadataOffered = NetdevDevice['rxMetadata'];

const keyOf = (namespacePath: string | null, ifindex: number) => `${namespacePath ?? ''}\0${ifindex}`;

/**
 * The netdev family's answers about interfaces (NETDEV_CMD_DEV_GET), asked
 * in one place so that one dev-get serves both the interface facts and the
 * RX metadata probe. XDP features are asked afresh each time: veth's change
 * with its peer's program. What a driver implements of the RX metadata
 * kfuncs (its xdp_metadata_ops) is kept by namespace and ifindex: it does
 * not change while the interface exists, and an interface made again under
 * the same name (of another driver, maybe) gets a new ifindex.
 *
 * Both ask in the calling thread's network namespace, which must be the one
 * at `namespacePath` (null: the agent's own): ifindexes are per namespace.
 */
export class NetdevDevices {
  private readonly rxMetadataByInterface = new Map<string, RxMetadataOffered>();

  constructor(private readonly readDevice: (ifindex: number) => NetdevDevice | null) {}

  /** One dev-get: null when the kernel has no netdev family; an unknown ifindex is a NativeError (ENODEV). */
  device(namespacePath: string | null, ifindex: number): NetdevDevice | null {
    const device = this.readDevice(ifindex);
    this.rxMetadataByInterface.set(keyOf(namespacePath, ifindex), device?.rxMetadata ?? null);
    return device;
  }

  /** The RX metadata the interface's last dev-get answered; a dev-get only when it had none. */
  rxMetadata(namespacePath: string | null, ifindex: number): RxMetadataOffered {
    const known = this.rxMetadataByInterface.get(keyOf(namespacePath, ifindex));
    if (known !== undefined) return known;
    return this.device(namespacePath, ifindex)?.rxMetadata ?? null;
  }
}

/** The agent's: the interface facts (host/interfaces.ts) and the RX metadata probe (xdp/rx-metadata-support.ts) share it. */
export const netdevDevices = new NetdevDevices(readNetdevDevice);
