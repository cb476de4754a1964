import type { LabInfo } from '@ringside/shared';
import { ETHERNET_HEADER } from '../dataplane/frames.ts';
import { inNamespace, ip, listNamespaces } from '../host/ip.ts';

/**
 * The lab: two network namespaces joined by a veth pair with `queues` queues
 * on both ends. Ringside's sockets live on the app end; the traffic source on
 * the peer end. Both ends stay inside namespaces we made, so no frame of the
 * lab can reach a real network. On veth, a frame sent on queue i of one end
 * arrives on queue i of the other.
 */

const LAB_PREFIX = 'ringside-';
const APP_IFNAME = 'rs-app';
const PEER_IFNAME = 'rs-peer';
/** Locally administered MACs (bit 1 of the first byte set). */
export const APP_MAC = [0x02, 0x52, 0x53, 0x00, 0x00, 0x01];
export const PEER_MAC = [0x02, 0x52, 0x53, 0x00, 0x00, 0x02];
/** RFC 2544's benchmarking range: never routed anywhere, and only inside our namespaces. */
export const APP_IP = [198, 18, 0, 1];
export const PEER_IP = [198, 18, 0, 2];

/** veth's default, and the lab's unless asked otherwise. */
export const DEFAULT_LAB_MTU = 1500;
/** The largest MTU veth takes (ETH_MAX_MTU less its header, as veth_setup sets max_mtu). */
export const MAX_LAB_MTU = 65535 - ETHERNET_HEADER;
/** The chunk size of the traffic source's UMEM (traffic-source.ts). */
export const SOURCE_FRAME_SIZE = 2048;

/** Above a chunk's worth of MTU the source's sockets are multi-buffer: a frame longer than a chunk goes as a chain. */
export function sourceSendsChains(mtu: number): boolean {
  return mtu + ETHERNET_HEADER > SOURCE_FRAME_SIZE;
}

/** The longest frame the source sends: a chunk (as before multi-buffer, whatever the MTU), or the MTU's whole frame. */
export function longestLabFrame(mtu: number): number {
  return sourceSendsChains(mtu) ? mtu + ETHERNET_HEADER : SOURCE_FRAME_SIZE;
}

let labsMade = 0;

const mac = (bytes: readonly number[]) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');

export class Lab {
  private destroyed = false;

  private constructor(
    readonly appNamespace: string,
    readonly peerNamespace: string,
    readonly queues: number,
    /** Both ends' MTU. Above a page's worth, frames cross the veth in several buffers (multi-buffer). */
    readonly mtu: number,
  ) {}

  readonly appIfname = APP_IFNAME;
  readonly peerIfname = PEER_IFNAME;

  get appNamespacePath(): string {
    return `/run/netns/${this.appNamespace}`;
  }

  get peerNamespacePath(): string {
    return `/run/netns/${this.peerNamespace}`;
  }

  /**
   * Names carry the agent's pid, so a later run can tell a dead run's
   * leftovers from a live one's. The MTU is set before any XDP program
   * attaches: veth refuses to raise it under a program that is not
   * frags-aware, and Ringside picks the variant from the MTU it finds.
   */
  static create(queues: number, mtu = DEFAULT_LAB_MTU): Lab {
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > MAX_LAB_MTU) {
      throw new RangeError(`the lab's MTU must be a whole number from 68 to ${MAX_LAB_MTU} (veth's range)`);
    }
    const run = `${LAB_PREFIX}${process.pid}-${labsMade++}`;
    const lab = new Lab(`${run}-app`, `${run}-peer`, queues, mtu);
    try {
      lab.build();
    } catch (error) {
      lab.destroy();
      throw error;
    }
    return lab;
  }

  private build(): void {
    const { appNamespace: app, peerNamespace: peer, queues } = this;
    const q = String(queues);
    for (const namespace of [app, peer]) {
      ip('netns', 'add', namespace);
      // The stack's IPv6 chatter (router solicitations, MLD) would land on our sockets as frames nobody sent.
      inNamespace(
        namespace,
        'sysctl',
        '-q',
        '-w',
        'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1',
      );
      ip('-n', namespace, 'link', 'set', 'lo', 'up');
    }
    ip(
      '-n',
      app,
      'link',
      'add',
      APP_IFNAME,
      'numtxqueues',
      q,
      'numrxqueues',
      q,
      'type',
      'veth',
      'peer',
      'name',
      PEER_IFNAME,
      'netns',
      peer,
      'numtxqueues',
      q,
      'numrxqueues',
      q,
    );
    ip('-n', app, 'link', 'set', APP_IFNAME, 'address', mac(APP_MAC));
    ip('-n', peer, 'link', 'set', PEER_IFNAME, 'address', mac(PEER_MAC));
    ip('-n', app, 'addr', 'add', `${APP_IP.join('.')}/30`, 'dev', APP_IFNAME);
    ip('-n', peer, 'addr', 'add', `${PEER_IP.join('.')}/30`, 'dev', PEER_IFNAME);
    // Each end knows the other's MAC: no ARP frame ever lands on a socket as traffic nobody sent.
    ip(
      '-n',
      app,
      'neigh',
      'replace',
      PEER_IP.join('.'),
      'lladdr',
      mac(PEER_MAC),
      'dev',
      APP_IFNAME,
      'nud',
      'permanent',
    );
    ip(
      '-n',
      peer,
      'neigh',
      'replace',
      APP_IP.join('.'),
      'lladdr',
      mac(APP_MAC),
      'dev',
      PEER_IFNAME,
      'nud',
      'permanent',
    );
    if (this.mtu !== DEFAULT_LAB_MTU) {
      ip('-n', app, 'link', 'set', APP_IFNAME, 'mtu', String(this.mtu));
      ip('-n', peer, 'link', 'set', PEER_IFNAME, 'mtu', String(this.mtu));
    }
    ip('-n', app, 'link', 'set', APP_IFNAME, 'up');
    ip('-n', peer, 'link', 'set', PEER_IFNAME, 'up');
  }

  info(): LabInfo {
    return {
      appNamespace: this.appNamespace,
      peerNamespace: this.peerNamespace,
      appIfname: this.appIfname,
      peerIfname: this.peerIfname,
      queues: this.queues,
      mtu: this.mtu,
    };
  }

  /**
   * Deleting a namespace deletes its end of the veth, and with it the pair and
   * any XDP program attached to it. Safe to call twice, and from exit handlers.
   */
  destroy(): void {
    if (this.destroyed) return;
    for (const namespace of [this.appNamespace, this.peerNamespace]) {
      if (listNamespaces().includes(namespace)) ip('netns', 'del', namespace);
    }
    // Only now: a second Ctrl-C reaches the whole process group and can end an `ip` this loop runs, and the exit
    // handler's call must then try again rather than find the lab already destroyed.
    this.destroyed = true;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the namespaces of lab runs whose agent is gone (killed, crashed); returns their names. */
export function removeStaleLabs(): string[] {
  const stale = listNamespaces().filter((name) => {
    const match = /^ringside-(\d+)-/.exec(name);
    return match !== null && Number(match[1]) !== process.pid && !isAlive(Number(match[1]));
  });
  return stale.filter((name) => {
    try {
      ip('netns', 'del', name);
      return true;
    } catch (error) {
      // Another agent starting at the same moment may have removed it first: gone is what was wanted.
      if (listNamespaces().includes(name)) throw error;
      return false;
    }
  });
}
