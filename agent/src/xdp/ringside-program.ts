import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { XdpActions, XdpProgramKind } from '@ringside/shared';
import { judgeRxMetadataSupport, RX_METADATA_FIELDS } from '@ringside/shared';
import { describeXdpProgram } from '../host/xdp-programs.ts';
import {
  type BpfMapHandle,
  deleteMapElement,
  findMap,
  lookupMapElement,
  perCpuValueStride,
  possibleCpuCount,
  updateMapElement,
} from '../native/bpf-map.ts';
import {
  attachDeviceBoundProgram,
  closeDeviceBoundProgram,
  detachDeviceBoundProgram,
  loadDeviceBoundProgram,
} from '../native/device-bound-program.ts';
import { NativeError } from '../native/errors.ts';
import { readLinkMtu } from '../native/ethtool.ts';
import { ifNameToIndex, rawSyscalls } from '../native/libc.ts';
import { inNetworkNamespace } from '../native/netns.ts';
import {
  attachedXdpProgram,
  attachXdpProgram,
  closeXdpProgram,
  detachXdpProgram,
  type NativeXdpProgram,
  openXdpProgram,
  type XdpAttachMode,
  xdpProgramId,
  xdpProgramObject,
} from '../native/xdp-program.ts';
import { largestSingleBufferMtu, needsFrags } from './frags.ts';
import { interfaceRxMetadata, kernelRxMetadata } from './rx-metadata-support.ts';

/** Ringside's own XDP programs (the protocol's kinds but libxdp's), built from bpf/*.c into bpf/build/ by the setup step. */
export type RingsideProgramKind = Exclude<XdpProgramKind, 'libxdp-default'>;

const OBJECT_FILES: Record<RingsideProgramKind, string> = {
  'by-queue': 'by_queue.o',
  'round-robin': 'round_robin.o',
  'steer-by-port': 'steer_by_port.o',
  'drop-half': 'drop_half.o',
  'rx-metadata': 'rx_metadata.o',
};

/**
 * Programs that call the RX metadata kfuncs: loaded for the one interface
 * they run on, since only a device-bound program gets the driver's
 * implementation of a kfunc (the kernel rewrites the call at load).
 */
const DEVICE_BOUND: ReadonlySet<RingsideProgramKind> = new Set(['rx-metadata']);

const BPF_BUILD = fileURLToPath(new URL('../../../bpf/build/', import.meta.url));

/**
 * enum ringside_action of bpf/ringside.h, in its order: the counters map's
 * keys. counters() is typed as the whole schema, so an action added there and
 * missed here does not compile.
 */
const ACTION_KEYS = [
  'redirected',
  'passed',
  'dropped',
  'noSocket',
  'wrongQueue',
] as const satisfies readonly (keyof XdpActions)[];

/** A refusal that says what to do; `code` is the errno name when the kernel or libxdp refused. */
export class RingsideProgramError extends Error {
  override readonly name = 'RingsideProgramError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

interface ProgramMaps {
  xskmap: BpfMapHandle;
  counters: BpfMapHandle;
  /** round-robin only: how many XSKMAP indexes take turns. */
  config: BpfMapHandle | null;
  /** steer-by-port only: UDP destination port → XSKMAP index. */
  ports: BpfMapHandle | null;
}

/** Map keys and values are in host byte order, whatever the wire order of what they describe. */
const u32 = (value: number) => Buffer.from(new Uint32Array([value]).buffer);
const u16 = (value: number) => Buffer.from(new Uint16Array([value]).buffer);

/** libxdp's dispatcher, as the kernel names it: the one program libxdp can add ours behind. */
const DISPATCHER_NAME = 'xdp_dispatcher';

const detachFirst = (ifname: string) => `detach it first, e.g. 'ip link set dev ${ifname} xdp off'`;

/**
 * Refuses an interface that already runs a program other than libxdp's
 * dispatcher before asking libxdp, which would refuse too, but only after
 * leaking an fd that keeps that program loaded (xdp-project/xdp-tools#343).
 */
function refuseOccupied(ifname: string, ifindex: number): void {
  const attached = attachedXdpProgram(ifindex);
  if (attached === null) return;
  const { programId, mode } = attached;
  const name = describeXdpProgram(programId)?.name ?? 'unknown';
  if (name === DISPATCHER_NAME) return;
  throw new RingsideProgramError(
    `${ifname} already has an XDP program (${name}, id ${programId}, ${mode} mode) that libxdp cannot share: ${detachFirst(ifname)}`,
    'EBUSY',
  );
}

/**
 * The interface's MTU now, in the calling thread's namespace: one ioctl at
 * each load rather than an `ip link` process, and never a reading from
 * before a change (the lab raises veth's to 9000 for multi-buffer), which
 * would pick the variant that is not frags-aware.
 */
function mtuOf(ifname: string): number {
  try {
    return readLinkMtu(ifname);
  } catch (error) {
    if (error instanceof NativeError && error.code === 'ENODEV') {
      throw new RingsideProgramError(`interface ${ifname} does not exist`, 'ENODEV');
    }
    throw error;
  }
}

function attachHint(ifname: string, mode: XdpAttachMode, frags: boolean): (code: string) => string | undefined {
  return (code) => {
    if (code === 'ERANGE' && !frags) {
      return `the MTU of ${ifname} or of its veth peer is above ${largestSingleBufferMtu(rawSyscalls.getpagesize())}, more than one page holds, and this program is not frags-aware: lower the MTU, or load the multi-buffer (xdp.frags) variant`;
    }
    if (code === 'EEXIST' || code === 'EBUSY') {
      return `${ifname} already has an XDP program that libxdp could not add ours beside: ${detachFirst(ifname)}`;
    }
    if (code === 'EOPNOTSUPP' && mode === 'drv') return `${ifname}'s driver has no native XDP: attach in skb mode`;
    if (code === 'EPERM') return 'loading BPF programs needs root (CAP_BPF and CAP_NET_ADMIN)';
    return undefined;
  };
}

function socketHint(code: string): string {
  if (code === 'EOPNOTSUPP') return 'the fd must be an AF_XDP socket bound to an interface, with an RX ring';
  if (code === 'EBADF' || code === 'ENOTSOCK') return 'the fd is not an open socket';
  return 'the kernel refused the socket';
}

function explain(error: unknown, doing: string, hint?: (code: string) => string | undefined): unknown {
  if (!(error instanceof NativeError)) return error;
  const why = error.hint ?? hint?.(error.code);
  return new RingsideProgramError(`${doing} refused (${error.code})${why ? `: ${why}` : ''}`, error.code);
}

function detachHint(ifname: string): (code: string) => string | undefined {
  return (code) =>
    code === 'EEXIST'
      ? `the kernel refuses any XDP change on ${ifname}, a detach included, while a device stacked on it (a macvlan, VLAN or bond over it, listed by 'ip link' as <that device>@${ifname}) runs an XDP program: remove that one first, 'ip link set dev <that device> xdp off'; until then the program stays attached`
      : undefined;
}

/** A program loaded and attached, whichever way: its id, its libbpf object (for its maps), and how to undo it. */
interface LoadedProgram {
  readonly id: number;
  readonly object: unknown;
  /** Only while it is still the interface's program, in the calling thread's namespace. */
  detach(ifindex: number, mode: XdpAttachMode): void;
  close(): void;
}

/** A program ready to go onto its interface, which is not touched yet; `attach` closes it when refused. */
interface ReadyProgram {
  /** In the calling thread's namespace. */
  attach(): LoadedProgram;
  close(): void;
}

/**
 * libxdp loads it as it attaches, behind its dispatcher where the kernel
 * allows freplace, alone otherwise; until then the object is only opened.
 */
function openThroughLibxdp(
  kind: RingsideProgramKind,
  path: string,
  ifname: string,
  ifindex: number,
  mode: XdpAttachMode,
  frags: boolean,
): ReadyProgram {
  const native: NativeXdpProgram = openXdpProgram(path);
  return {
    attach: () => {
      try {
        refuseOccupied(ifname, ifindex);
        attachXdpProgram(native, ifindex, mode, attachHint(ifname, mode, frags));
      } catch (error) {
        closeXdpProgram(native);
        throw explain(error, `attaching ${kind} to ${ifname} in ${mode} mode`);
      }
      return {
        id: xdpProgramId(native),
        object: xdpProgramObject(native),
        detach: (at, attachedMode) => detachXdpProgram(native, at, attachedMode),
        close: () => closeXdpProgram(native),
      };
    },
    close: () => closeXdpProgram(native),
  };
}

/** Why the kernel refused to load a program that calls the RX metadata kfuncs. */
function deviceBoundLoadHint(code: string): string | undefined {
  if (code === 'ESRCH') return 'this kernel lacks an RX metadata kfunc the program calls (libbpf found it in no BTF)';
  if (code === 'EINVAL')
    return "the kernel's verifier refused it: a kernel before Linux 6.3 takes no device-bound XDP program (BPF_F_XDP_DEV_BOUND_ONLY), and a build may refuse a helper it calls (the verifier's log, at the agent's trace level, names it)";
  if (code === 'EPERM') return 'loading BPF programs needs root (CAP_BPF and CAP_NET_ADMIN)';
  return undefined;
}

/**
 * Refuses, before loading, a kernel without one of the kfuncs the program
 * calls (libbpf would refuse with ESRCH, naming none) or whose verifier
 * refuses bpf_xdp_adjust_meta (EINVAL, naming nothing), and an interface whose
 * driver implements none of them: every frame would carry EOPNOTSUPP.
 */
function refuseWithoutRxMetadata(kind: RingsideProgramKind, ifname: string, namespacePath: string | null): void {
  const offered = interfaceRxMetadata(namespacePath, ifname);
  // The interface first: what the user chose is named before what the kernel lacks.
  if (offered && RX_METADATA_FIELDS.every((field) => !offered[field])) {
    throw new RingsideProgramError(
      `${ifname}'s driver implements none of the RX metadata kfuncs (its netdev xdp-rx-metadata-features is empty): ${kind} would put only EOPNOTSUPP in front of every frame`,
      'EOPNOTSUPP',
    );
  }
  const support = judgeRxMetadataSupport(kernelRxMetadata(), [{ ifname, offered }]);
  if (!support.program.available) throw new RingsideProgramError(support.program.reason ?? kind, 'EOPNOTSUPP');
}

/** The kernel runs a device-bound program only in its driver's hook: refused first, on any kernel. */
function refuseOutsideDriverHook(kind: RingsideProgramKind, mode: XdpAttachMode): void {
  if (mode === 'drv') return;
  throw new RingsideProgramError(
    `${kind} is device-bound (it calls the RX metadata kfuncs, which the driver implements): the kernel runs it only in the driver's hook: use drv mode`,
    'EOPNOTSUPP',
  );
}

/**
 * Loaded for `ifindex` alone and attached directly: the kernel runs a
 * device-bound program only in its driver's hook, never in generic (skb)
 * mode nor behind libxdp's dispatcher, so the interface must have no program.
 */
function loadBound(
  kind: RingsideProgramKind,
  path: string,
  ifname: string,
  ifindex: number,
  mode: XdpAttachMode,
  frags: boolean,
): ReadyProgram {
  let program: ReturnType<typeof loadDeviceBoundProgram>;
  try {
    program = loadDeviceBoundProgram(path, ifindex, deviceBoundLoadHint);
  } catch (error) {
    throw explain(error, `loading ${kind} bound to ${ifname}`);
  }
  return {
    attach: () => {
      try {
        refuseAnyProgram(ifname, ifindex);
        attachDeviceBoundProgram(program, ifindex, attachHint(ifname, mode, frags));
      } catch (error) {
        closeDeviceBoundProgram(program);
        throw explain(error, `attaching ${kind} to ${ifname} in ${mode} mode`);
      }
      return {
        id: program.id,
        object: program.object,
        detach: (at) => detachDeviceBoundProgram(program, at),
        close: () => closeDeviceBoundProgram(program),
      };
    },
    close: () => closeDeviceBoundProgram(program),
  };
}

/** A device-bound program goes on an interface alone: refused while it has any program. */
function refuseAnyProgram(ifname: string, ifindex: number): void {
  const attached = attachedXdpProgram(ifindex);
  if (attached === null) return;
  const name = describeXdpProgram(attached.programId)?.name ?? 'unknown';
  throw new RingsideProgramError(
    `${ifname} already has an XDP program (${name}, id ${attached.programId}, ${attached.mode} mode), and a device-bound program cannot go behind libxdp's dispatcher: ${detachFirst(ifname)}`,
    'EBUSY',
  );
}

/** A Ringside program loaded and not yet attached: what swapping programs loads before the old one goes. */
export interface LoadedRingsideProgram {
  /** Onto the interface; refused while it has another program (libxdp's dispatcher aside), and then closed. */
  attach(): RingsideProgram;
  /** Unloads it, never attached. */
  close(): void;
}

/**
 * One of Ringside's XDP programs attached to one interface, with the maps the
 * agent drives: the XSKMAP (which socket sits at which index), the per-action
 * counters, and the program's own settings (round-robin's socket count,
 * steer-by-port's port routes).
 */
export class RingsideProgram {
  private native: LoadedProgram | null;
  /** The program's id: global, as `ip link` and `bpftool prog show id N` list it. */
  readonly id: number;

  private constructor(
    readonly kind: RingsideProgramKind,
    readonly ifname: string,
    readonly mode: XdpAttachMode,
    readonly namespacePath: string | null,
    /** The frags-aware variant (SEC("xdp.frags")): frames of several buffers reach it. */
    readonly frags: boolean,
    private readonly ifindex: number,
    native: LoadedProgram,
    private readonly maps: ProgramMaps,
  ) {
    this.native = native;
    this.id = native.id;
  }

  /**
   * Loads bpf/build/<kind>.o and attaches it to `ifname` in the namespace at
   * `namespacePath` (null: the agent's own). libxdp puts it behind its
   * dispatcher where the kernel allows freplace, and attaches it alone
   * otherwise, which fails while the interface has another program. A
   * device-bound program (rx-metadata) is loaded for the interface and
   * attached alone, in drv mode only.
   *
   * `frags` picks the multi-buffer variant (<kind>.frags.o); left out, it is
   * picked when the interface's MTU is above what one buffer holds.
   */
  static attach(
    kind: RingsideProgramKind,
    ifname: string,
    mode: XdpAttachMode,
    namespacePath: string | null,
    frags?: boolean,
  ): RingsideProgram {
    return RingsideProgram.load(kind, ifname, mode, namespacePath, frags).attach();
  }

  /**
   * Everything of `attach` that can fail before the interface is touched:
   * the interface found, the object file read (`objects`: the directory of
   * the bpf build), and a device-bound program loaded.
   */
  static load(
    kind: RingsideProgramKind,
    ifname: string,
    mode: XdpAttachMode,
    namespacePath: string | null,
    frags?: boolean,
    objects = BPF_BUILD,
  ): LoadedRingsideProgram {
    if (DEVICE_BOUND.has(kind)) {
      refuseOutsideDriverHook(kind, mode);
      refuseWithoutRxMetadata(kind, ifname, namespacePath);
    }
    const { ready, ifindex, withFrags } = inNetworkNamespace(namespacePath, () => {
      const ifindex = ifNameToIndex(ifname);
      if (ifindex === 0) {
        throw new RingsideProgramError(
          `interface ${ifname} does not exist in ${namespacePath ?? "the agent's namespace"}`,
          'ENODEV',
        );
      }
      const withFrags = frags ?? needsFrags(mtuOf(ifname), rawSyscalls.getpagesize(), false);
      const object = OBJECT_FILES[kind];
      const path = join(objects, withFrags ? object.replace(/\.o$/, '.frags.o') : object);
      if (!existsSync(path)) {
        throw new RingsideProgramError(
          `the ${kind} XDP program is not built (${path} is missing): run npm start or the setup step to build the bpf objects`,
          'ENOENT',
        );
      }
      const ready = DEVICE_BOUND.has(kind)
        ? loadBound(kind, path, ifname, ifindex, mode, withFrags)
        : openThroughLibxdp(kind, path, ifname, ifindex, mode, withFrags);
      return { ready, ifindex, withFrags };
    });
    return {
      attach: () =>
        inNetworkNamespace(namespacePath, () => {
          const native = ready.attach();
          try {
            const maps = RingsideProgram.findMaps(kind, native.object);
            return new RingsideProgram(kind, ifname, mode, namespacePath, withFrags, ifindex, native, maps);
          } catch (error) {
            native.detach(ifindex, mode);
            native.close();
            throw error;
          }
        }),
      close: () => ready.close(),
    };
  }

  private static findMaps(kind: RingsideProgramKind, object: unknown): ProgramMaps {
    return {
      xskmap: findMap(object, 'xsks_map'),
      counters: findMap(object, 'action_counts'),
      config:
        kind === 'round-robin' ? findMap(object, 'config') : kind === 'by-queue' ? findMap(object, 'udp_only') : null,
      ports: kind === 'steer-by-port' ? findMap(object, 'port_to_socket') : null,
    };
  }

  /** The XSKMAP the program redirects through. Its contents cannot be read back: the kernel refuses lookups. */
  get xskmap(): { id: number; maxEntries: number } {
    return { id: this.maps.xskmap.id, maxEntries: this.maps.xskmap.maxEntries };
  }

  get attached(): boolean {
    return this.native !== null;
  }

  /** Puts the AF_XDP socket `socketFd` at `index`, replacing any socket there. */
  setSocket(index: number, socketFd: number): void {
    this.checkIndex(index);
    this.update(
      this.maps.xskmap,
      u32(index),
      u32(socketFd),
      `putting socket fd ${socketFd} at index ${index}`,
      socketHint,
    );
  }

  /** Empties `index`; the kernel also empties it by itself when its socket closes. */
  clearIndex(index: number): void {
    this.checkIndex(index);
    this.assertAttached();
    deleteMapElement(this.maps.xskmap, u32(index));
  }

  /** round-robin: frames take turns over indexes 0..count-1; 0 leaves every frame to the stack. */
  setSocketCount(count: number): void {
    const config = this.mapOf('config', 'round-robin', 'a socket count');
    const max = this.maps.xskmap.maxEntries;
    if (!Number.isInteger(count) || count < 0 || count > max) {
      throw new RangeError(`socket count must be a whole number from 0 to ${max} (the XSKMAP's size)`);
    }
    this.update(config, u32(0), u32(count), `setting the socket count to ${count}`);
  }

  /**
   * by-queue: steer only UDP frames and pass everything else (ARP, ICMP) to
   * the stack. The lab's source takes its frames this way, so ping between
   * the lab's ends still works.
   */
  steerOnlyUdp(only: boolean): void {
    const config = this.mapOf('config', 'by-queue', 'a UDP-only switch');
    this.update(config, u32(0), u32(only ? 1 : 0), 'setting the UDP-only switch');
  }

  /** steer-by-port: UDP frames to `port` go to the socket at `index` (dropped while it is empty). */
  routePort(port: number, index: number): void {
    const ports = this.mapOf('ports', 'steer-by-port', 'port routes');
    checkPort(port);
    this.checkIndex(index);
    this.update(ports, u16(port), u32(index), `routing port ${port}`, (code) =>
      code === 'E2BIG' ? `at most ${ports.maxEntries} ports can be routed: unroute one first` : undefined,
    );
  }

  /** steer-by-port: `port`'s frames go back to the stack. Unrouting a port not routed does nothing. */
  unroutePort(port: number): void {
    const ports = this.mapOf('ports', 'steer-by-port', 'port routes');
    checkPort(port);
    this.assertAttached();
    deleteMapElement(ports, u16(port));
  }

  /**
   * The per-action counters, summed over CPUs (each CPU counts its own
   * frames). redirected + wrongQueue + passed + dropped = frames seen;
   * noSocket counts the passed or dropped frames whose XSKMAP index was empty.
   */
  counters(): XdpActions {
    this.assertAttached();
    const cpus = possibleCpuCount();
    const stride = perCpuValueStride(this.maps.counters.valueSize);
    const values = Buffer.alloc(cpus * stride);
    const counters = {} as Record<(typeof ACTION_KEYS)[number], number>;
    ACTION_KEYS.forEach((key, action) => {
      counters[key] = 0;
      if (!lookupMapElement(this.maps.counters, u32(action), values)) return;
      let sum = 0n;
      for (let cpu = 0; cpu < cpus; cpu++) sum += values.readBigUInt64LE(cpu * stride);
      counters[key] = Number(sum);
    });
    return counters;
  }

  /**
   * Detaches from the interface and closes the program; the kernel frees it
   * and its maps with the last fd. Safe to call twice, and after the
   * interface's namespace is gone (its veth took the program along).
   */
  detach(): void {
    const native = this.native;
    if (!native) return;
    try {
      if (this.namespacePath === null || existsSync(this.namespacePath)) {
        inNetworkNamespace(this.namespacePath, () => {
          // The interface may be gone since attach, and a new one may have its ifindex: only detach ours.
          if (ifNameToIndex(this.ifname) === this.ifindex) native.detach(this.ifindex, this.mode);
        });
      }
    } catch (error) {
      // Refused, it stays attached and steering: kept, so its maps can still be driven and it detached later.
      throw explain(error, `detaching ${this.kind} from ${this.ifname}`, detachHint(this.ifname));
    }
    this.native = null;
    native.close();
  }

  private update(
    map: BpfMapHandle,
    key: Buffer,
    value: Buffer,
    doing: string,
    hint?: (code: string) => string | undefined,
  ): void {
    this.assertAttached();
    try {
      updateMapElement(map, key, value);
    } catch (error) {
      if (error instanceof NativeError) {
        const why = hint?.(error.code);
        throw new RingsideProgramError(`${doing} refused (${error.code})${why ? `: ${why}` : ''}`, error.code);
      }
      throw error;
    }
  }

  private mapOf(which: 'config' | 'ports', kind: RingsideProgramKind, what: string): BpfMapHandle {
    const map = this.maps[which];
    if (!map || this.kind !== kind)
      throw new RingsideProgramError(`only the ${kind} program has ${what}; this one is ${this.kind}`, 'EINVAL');
    return map;
  }

  private checkIndex(index: number): void {
    const max = this.maps.xskmap.maxEntries;
    if (!Number.isInteger(index) || index < 0 || index >= max) {
      throw new RangeError(`XSKMAP index must be a whole number from 0 to ${max - 1} (the map has ${max} entries)`);
    }
  }

  private assertAttached(): void {
    if (!this.native)
      throw new RingsideProgramError(`the ${this.kind} program on ${this.ifname} is detached`, 'EINVAL');
  }
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError('UDP port must be a whole number from 1 to 65535');
  }
}
