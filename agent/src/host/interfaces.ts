import { execFileSync } from 'node:child_process';
import { NativeError } from '../native/errors.ts';
import { readNetdevDevice, type XdpFeatures } from '../native/netdev-features.ts';
import { inNetworkNamespace } from '../native/netns.ts';
import { inNamespace, ip, ipAsync } from './ip.ts';

export type { XdpFeatures } from '../native/netdev-features.ts';

/** An interface as Ringside needs it to place sockets: its queues, driver, XDP abilities and current program. */
export interface InterfaceFacts {
  name: string;
  ifindex: number;
  /** The link kind for virtual devices (veth), else the driver ethtool names; 'unknown' when neither says. */
  driver: string;
  rxQueues: number;
  txQueues: number;
  mtu: number;
  /** null on kernels before 6.3, which have no netdev netlink family. */
  xdpFeatures: XdpFeatures | null;
  attachedXdp: { mode: 'skb' | 'drv' | 'hw'; programId: number } | null;
}

/** The part of `ip -j -d link show` this reads (iproute2 6.1). */
interface IpLink {
  ifindex: number;
  ifname: string;
  mtu: number;
  link_type?: string;
  num_rx_queues?: number;
  num_tx_queues?: number;
  linkinfo?: { info_kind?: string };
  xdp?: IpXdp & { attached?: IpXdp[] };
}

/** include/uapi/linux/if_link.h: IFLA_XDP_ATTACHED values, as iproute2 prints them. */
interface IpXdp {
  mode?: number;
  prog?: { id?: number };
}

const XDP_ATTACHED_MODES: Record<number, 'drv' | 'skb' | 'hw'> = { 1: 'drv', 2: 'skb', 3: 'hw' };
const XDP_ATTACHED_MULTI = 4;
/** With a program in more than one mode (driver and offloaded), the one listed first here is reported. */
const MODE_PREFERENCE = ['drv', 'skb', 'hw'] as const;

function links(namespace: string | null): IpLink[] {
  const where = namespace === null ? [] : ['-n', namespace];
  return JSON.parse(ip('-j', '-d', ...where, 'link', 'show')) as IpLink[];
}

function attachedXdpOf(xdp: IpLink['xdp']): InterfaceFacts['attachedXdp'] {
  if (!xdp?.mode) return null;
  const programs = xdp.mode === XDP_ATTACHED_MULTI ? (xdp.attached ?? []) : [xdp];
  const found = programs.flatMap((program) => {
    const mode = XDP_ATTACHED_MODES[program.mode ?? 0];
    const programId = program.prog?.id;
    return mode && programId !== undefined ? [{ mode, programId }] : [];
  });
  found.sort((a, b) => MODE_PREFERENCE.indexOf(a.mode) - MODE_PREFERENCE.indexOf(b.mode));
  return found[0] ?? null;
}

/**
 * Physical devices carry no link kind, so ethtool names their driver. It runs
 * through `ip netns exec` for a namespace: the driver query is an ioctl on a
 * socket, which must be opened inside the namespace of the device.
 */
function ethtoolDriver(namespace: string | null, ifname: string): string | null {
  try {
    const output =
      namespace === null
        ? execFileSync('ethtool', ['-i', ifname], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
        : inNamespace(namespace, 'ethtool', '-i', ifname);
    return /^driver:\s*(\S+)/m.exec(output)?.[1] ?? null;
  } catch {
    // No ethtool installed, or a device without driver information.
    return null;
  }
}

function driverOf(namespace: string | null, link: IpLink): string {
  if (link.linkinfo?.info_kind) return link.linkinfo.info_kind;
  if (link.link_type === 'loopback') return 'loopback';
  return ethtoolDriver(namespace, link.ifname) ?? 'unknown';
}

function describe(namespace: string | null, selected: IpLink[]): InterfaceFacts[] {
  if (selected.length === 0) return [];
  // One namespace switch for all of them; an interface that vanished meanwhile (ENODEV) is left out.
  const features = inNetworkNamespace(namespace === null ? null : `/run/netns/${namespace}`, () =>
    selected.map((link): XdpFeatures | null | 'gone' => {
      try {
        return readNetdevDevice(link.ifindex)?.xdp ?? null;
      } catch (error) {
        if (error instanceof NativeError && error.code === 'ENODEV') return 'gone';
        throw error;
      }
    }),
  );
  return selected.flatMap((link, index) => {
    const xdpFeatures = features[index];
    if (xdpFeatures === 'gone' || xdpFeatures === undefined) return [];
    return [
      {
        name: link.ifname,
        ifindex: link.ifindex,
        driver: driverOf(namespace, link),
        rxQueues: link.num_rx_queues ?? 1,
        txQueues: link.num_tx_queues ?? 1,
        mtu: link.mtu,
        xdpFeatures,
        attachedXdp: attachedXdpOf(link.xdp),
      },
    ];
  });
}

/** Each interface of `namespace` (null: the agent's own) with its receive queues and XDP program: one `ip -d` call, off the event loop. */
export async function listXdpLinks(
  namespace: string | null,
): Promise<Pick<InterfaceFacts, 'name' | 'rxQueues' | 'attachedXdp'>[]> {
  const where = namespace === null ? [] : ['-n', namespace];
  const found = JSON.parse(await ipAsync('-j', '-d', ...where, 'link', 'show')) as IpLink[];
  return found.map((link) => ({
    name: link.ifname,
    rxQueues: link.num_rx_queues ?? 1,
    attachedXdp: attachedXdpOf(link.xdp),
  }));
}

/** Every interface of `namespace` (a name under /run/netns), or of the agent's own namespace when null. */
export function listInterfaces(namespace: string | null): InterfaceFacts[] {
  return describe(namespace, links(namespace));
}

/** One interface of `namespace` (null: the agent's own), or null when it has no interface of that name. */
export function describeInterface(namespace: string | null, ifname: string): InterfaceFacts | null {
  const matching = links(namespace).filter((link) => link.ifname === ifname);
  return describe(namespace, matching)[0] ?? null;
}
