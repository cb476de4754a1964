import { execFileSync } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { NetdevDevices } from '../src/host/netdev-devices.ts';
import { Lab } from '../src/lab/lab.ts';
import { ifNameToIndex } from '../src/native/libc.ts';
import { readNetdevDevice } from '../src/native/netdev-features.ts';
import { inNetworkNamespace } from '../src/native/netns.ts';
import { describeKernel } from './kernel.ts';

const ALL_THREE = { timestamp: true, hash: true, vlanTag: true };

describeKernel("The netdev family's answers, shared by the interface facts and the RX metadata probe", () => {
  let lab: Lab | null = null;

  afterEach(() => {
    lab?.destroy();
    lab = null;
  });

  /** A NetdevDevices on the kernel's own answers, with the ifindexes it sent a dev-get for. */
  function counted(): { devices: NetdevDevices; asked: number[] } {
    const asked: number[] = [];
    const devices = new NetdevDevices((ifindex) => {
      asked.push(ifindex);
      return readNetdevDevice(ifindex);
    });
    return { devices, asked };
  }

  it("answers the RX metadata probe from the facts' dev-get, and asks afresh for XDP features", () => {
    lab = Lab.create(1);
    const { devices, asked } = counted();
    const app = lab.appNamespacePath;
    const ifname = lab.appIfname;
    inNetworkNamespace(app, () => {
      const ifindex = ifNameToIndex(ifname);
      expect(devices.device(app, ifindex)?.xdp).toMatchObject({ basic: true, redirect: true });
      expect(devices.rxMetadata(app, ifindex)).toEqual(ALL_THREE);
      expect(asked).toEqual([ifindex]);
      // veth's XDP features change with its peer's program under one ifindex: every facts read asks.
      devices.device(app, ifindex);
      expect(asked).toEqual([ifindex, ifindex]);
    });
    // The same ifindex in another namespace is another interface: asked about on its own.
    const peer = lab.peerNamespacePath;
    const peerIfname = lab.peerIfname;
    inNetworkNamespace(peer, () => {
      const ifindex = ifNameToIndex(peerIfname);
      expect(devices.rxMetadata(peer, ifindex)).toEqual(ALL_THREE);
      expect(devices.rxMetadata(peer, ifindex)).toEqual(ALL_THREE);
      expect(asked).toHaveLength(3);
    });
  });

  it('asks the RX metadata probe afresh for an interface made again under the same name', () => {
    lab = Lab.create(1);
    const { devices, asked } = counted();
    const app = lab.appNamespacePath;
    const ip = (...args: string[]) => execFileSync('ip', ['-n', lab?.appNamespace ?? '', ...args], { stdio: 'pipe' });
    const probe = () => inNetworkNamespace(app, () => devices.rxMetadata(app, ifNameToIndex('rs-again')));
    ip('link', 'add', 'rs-again', 'type', 'veth', 'peer', 'name', 'rs-again-p');
    expect(probe()).toEqual(ALL_THREE);
    ip('link', 'del', 'rs-again');
    ip('tuntap', 'add', 'dev', 'rs-again', 'mode', 'tap');
    expect(probe()).toEqual({ timestamp: false, hash: false, vlanTag: false });
    expect(probe()).toEqual({ timestamp: false, hash: false, vlanTag: false });
    expect(asked).toHaveLength(2);
    expect(asked[0]).not.toBe(asked[1]);
  });
});
