import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInterface, listInterfaces } from '../src/host/interfaces.ts';
import { inNamespace, ip, listNamespaces } from '../src/host/ip.ts';
import { NativeError } from '../src/native/errors.ts';
import { readLinkMtu } from '../src/native/ethtool.ts';
import { ifNameToIndex } from '../src/native/libc.ts';
import { readNetdevDevice } from '../src/native/netdev-features.ts';
import * as netlink from '../src/native/netlink-messages.ts';
import { inNetworkNamespace } from '../src/native/netns.ts';
import { describeKernel } from './kernel.ts';

const APP = `ringside-probe-${process.pid}-a`;
const PEER = `ringside-probe-${process.pid}-b`;

function removeNamespaces(): void {
  const present = listNamespaces();
  for (const namespace of [APP, PEER]) if (present.includes(namespace)) ip('netns', 'del', namespace);
}

/** The smallest XDP program: return XDP_PASS (2). No headers, so it builds wherever clang targets bpf. */
function buildPassProgram(dir: string): string {
  writeFileSync(
    join(dir, 'pass.c'),
    '__attribute__((section("xdp"), used)) int pass(void *ctx) { return 2; }\n' +
      'char _license[] __attribute__((section("license"), used)) = "GPL";\n',
  );
  execFileSync('clang', ['-O2', '-target', 'bpf', '-c', join(dir, 'pass.c'), '-o', join(dir, 'pass.o')], {
    stdio: 'pipe',
  });
  return join(dir, 'pass.o');
}

/** The program bpftool sees on a device: an independent witness for what interfaces.ts reads from iproute2. */
function bpftoolXdp(namespace: string, ifname: string): { mode: string; id: number } | undefined {
  const [net] = JSON.parse(inNamespace(namespace, 'bpftool', '-j', 'net', 'show', 'dev', ifname)) as {
    xdp: { devname: string; mode: string; id: number }[];
  }[];
  return net?.xdp.find((entry) => entry.devname === ifname);
}

describeKernel('interfaces of a namespace, from iproute2 and the netdev netlink family', () => {
  let dir = '';
  let passProgram = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ringside-probe-'));
    passProgram = buildPassProgram(dir);
    let built = false;
    try {
      removeNamespaces();
      ip('netns', 'add', APP);
      ip('netns', 'add', PEER);
      // Both ends stay inside namespaces made here; no traffic is sent at all.
      ip(
        '-n',
        APP,
        'link',
        'add',
        'x',
        'numtxqueues',
        '4',
        'numrxqueues',
        '4',
        'type',
        'veth',
        'peer',
        'name',
        'y',
        'netns',
        PEER,
        'numtxqueues',
        '4',
        'numrxqueues',
        '4',
      );
      built = true;
    } finally {
      if (!built) removeNamespaces();
    }
  });

  afterAll(() => {
    try {
      removeNamespaces();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('describes a veth end: driver, four queues each way, MTU, no program', () => {
    const facts = describeInterface(APP, 'x');
    expect(facts).toMatchObject({ name: 'x', driver: 'veth', rxQueues: 4, txQueues: 4, mtu: 1500, attachedXdp: null });
    expect(facts?.ifindex).toBe(inNetworkNamespace(`/run/netns/${APP}`, () => ifNameToIndex('x')));
    // What the XDP programs read to choose their frags variant (SIOCGIFMTU): the same MTU, and ENODEV for an absent interface.
    inNetworkNamespace(`/run/netns/${APP}`, () => {
      expect(readLinkMtu('x')).toBe(1500);
      expect(() => readLinkMtu('no-such-if')).toThrow('SIOCGIFMTU no-such-if failed: ENODEV');
    });
  });

  it("reads veth's XDP features: native XDP and redirect, multi-buffer receive, no zero-copy", () => {
    const features = describeInterface(APP, 'x')?.xdpFeatures;
    console.info(`veth xdpFeatures on this kernel: ${JSON.stringify(features)}`);
    expect(features).toEqual({
      basic: true,
      redirect: true,
      // veth accepts XDP_REDIRECTed frames only once its peer runs an XDP program (or GRO): see the next test.
      ndoXmit: false,
      xskZeroCopy: false,
      hwOffload: false,
      rxSg: true,
      ndoXmitSg: false,
      zeroCopyMaxSegments: 1,
      // No TX metadata request is veth's to carry out: copy mode's software checksum is the kernel's.
      xsk: { txTimestamp: false, txChecksum: false, txLaunchTime: false },
    });
  });

  it('sees the attached program and its mode, and veth gaining ndo_xdp_xmit when its peer runs XDP', () => {
    ip('-n', PEER, 'link', 'set', 'dev', 'y', 'xdpdrv', 'obj', passProgram, 'sec', 'xdp');
    try {
      const peer = describeInterface(PEER, 'y');
      const witness = bpftoolXdp(PEER, 'y');
      expect(witness?.mode).toBe('driver');
      expect(peer?.attachedXdp).toEqual({ mode: 'drv', programId: witness?.id });
      expect(describeInterface(APP, 'x')?.xdpFeatures).toMatchObject({ ndoXmit: true, ndoXmitSg: true });
    } finally {
      ip('-n', PEER, 'link', 'set', 'dev', 'y', 'xdpdrv', 'off');
    }
    expect(describeInterface(PEER, 'y')?.attachedXdp).toBeNull();

    ip('-n', APP, 'link', 'set', 'dev', 'x', 'xdpgeneric', 'obj', passProgram, 'sec', 'xdp');
    try {
      const witness = bpftoolXdp(APP, 'x');
      expect(witness?.mode).toBe('generic');
      expect(describeInterface(APP, 'x')?.attachedXdp).toEqual({ mode: 'skb', programId: witness?.id });
    } finally {
      ip('-n', APP, 'link', 'set', 'dev', 'x', 'xdpgeneric', 'off');
    }
  });

  it('lists every interface of a namespace, loopback included, and knows an absent one', () => {
    const all = listInterfaces(APP);
    expect(all.map((facts) => facts.name)).toEqual(['lo', 'x']);
    expect(all[0]).toMatchObject({ ifindex: 1, driver: 'loopback', rxQueues: 1, txQueues: 1 });
    expect(describeInterface(APP, 'y')).toBeNull();
    expect(describeInterface(APP, 'no-such-if')).toBeNull();
  });

  it("reads the agent's own namespace when given none", () => {
    const own = listInterfaces(null);
    expect(own.find((facts) => facts.name === 'lo')).toMatchObject({ ifindex: 1, driver: 'loopback' });
    expect(own.every((facts) => facts.xdpFeatures !== null)).toBe(true);
  });

  it('turns a netlink refusal into a NativeError, and a missing namespace into an error', () => {
    const refusal = (() => {
      try {
        inNetworkNamespace(`/run/netns/${APP}`, () => readNetdevDevice(9999));
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(refusal).toBeInstanceOf(NativeError);
    expect(refusal).toMatchObject({ code: 'ENODEV' });
    expect(() => listInterfaces(`ringside-probe-${process.pid}-none`)).toThrow();
  });
});

describeKernel('the netlink numbers match the headers and the running kernel', () => {
  it('netlink and genetlink constants match linux/netlink.h and linux/genetlink.h', () => {
    const names = [
      'AF_NETLINK',
      'NETLINK_GENERIC',
      'NLMSG_ERROR',
      'NLMSG_DONE',
      'NLM_F_REQUEST',
      'NLM_F_MULTI',
      'NLM_F_ACK',
      'NLMSG_HDRLEN',
      'NLA_HDRLEN',
      'GENL_HDRLEN',
      'GENL_ID_CTRL',
      'CTRL_CMD_GETFAMILY',
      'CTRL_ATTR_FAMILY_ID',
      'CTRL_ATTR_FAMILY_NAME',
    ] as const;
    const body = `printf("{"); ${names.map((name, i) => `printf("${i ? ', ' : ''}\\"${name}\\": %d", (int)${name});`).join(' ')} printf("}");`;
    const dir = mkdtempSync(join(tmpdir(), 'ringside-probe-'));
    try {
      writeFileSync(
        join(dir, 'netlink.c'),
        `#include <stdio.h>\n#include <sys/socket.h>\n#include <linux/netlink.h>\n#include <linux/genetlink.h>\nint main(void) {\n${body}\nreturn 0; }\n`,
      );
      execFileSync('clang', ['-o', join(dir, 'netlink'), join(dir, 'netlink.c')], { stdio: 'pipe' });
      const fromC = JSON.parse(execFileSync(join(dir, 'netlink'), { encoding: 'utf8' }));
      // biome-ignore lint/performance/noDynamicNamespaceImportAccess: comparing the constants by name is the point.
      expect(Object.fromEntries(names.map((name) => [name, netlink[name]]))).toEqual(fromC);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("netdev constants match the running kernel's own enums, read from its BTF", () => {
    // Debian 12's headers have no linux/netdev.h; the kernel's BTF holds the enums it was built with.
    const btf = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const enumerators = new Map(
      [...btf.matchAll(/^\s+'((?:NETDEV|CTRL)_[A-Z0-9_]+)' val=(\d+)$/gm)].map((match) => [match[1], Number(match[2])]),
    );
    const names = [
      'NETDEV_CMD_DEV_GET',
      'NETDEV_A_DEV_IFINDEX',
      'NETDEV_A_DEV_PAD',
      'NETDEV_A_DEV_XDP_FEATURES',
      'NETDEV_A_DEV_XDP_ZC_MAX_SEGS',
      'NETDEV_XDP_ACT_BASIC',
      'NETDEV_XDP_ACT_REDIRECT',
      'NETDEV_XDP_ACT_NDO_XMIT',
      'NETDEV_XDP_ACT_XSK_ZEROCOPY',
      'NETDEV_XDP_ACT_HW_OFFLOAD',
      'NETDEV_XDP_ACT_RX_SG',
      'NETDEV_XDP_ACT_NDO_XMIT_SG',
      'NETDEV_A_DEV_XSK_FEATURES',
      'NETDEV_XSK_FLAGS_TX_TIMESTAMP',
      'NETDEV_XSK_FLAGS_TX_CHECKSUM',
      'NETDEV_XSK_FLAGS_TX_LAUNCH_TIME_FIFO',
      'NETDEV_CMD_QUEUE_GET',
      'NETDEV_A_QUEUE_ID',
      'NETDEV_A_QUEUE_IFINDEX',
      'NETDEV_A_QUEUE_TYPE',
      'NETDEV_A_QUEUE_XSK',
      'NETDEV_QUEUE_TYPE_RX',
      'NETDEV_QUEUE_TYPE_TX',
      'CTRL_CMD_GETFAMILY',
      'CTRL_ATTR_FAMILY_ID',
      'CTRL_ATTR_FAMILY_NAME',
    ] as const;
    expect(Object.fromEntries(names.map((name) => [name, enumerators.get(name)]))).toEqual(
      // biome-ignore lint/performance/noDynamicNamespaceImportAccess: comparing the constants by name is the point.
      Object.fromEntries(names.map((name) => [name, netlink[name]])),
    );
  });
});
