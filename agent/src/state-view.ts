import {
  type AttachedSocketInfo,
  type DiscoveredXsk,
  type HelloMessage,
  type InterfaceInfo,
  type KernelMismatch,
  type KernelMismatchChange,
  type LabInfo,
  type LessonsState,
  PROTOCOL_VERSION,
  type Role,
  type RxMetadataSupport,
  type SocketFeatures,
  type SocketInfo,
  type StateMessage,
  type TrafficInfo,
  type UmemInfo,
  type UmemLimits,
  type XdpProgramInfo,
  type XdpProgramKind,
} from '@ringside/shared';
import type { XdpProgramFacts } from './host/xdp-programs.ts';

/** Beyond protocol 1.0's messages: binary snapshots with owner deltas, inspection, Prometheus metrics. */
const CAPABILITIES = [
  'binary-snapshots',
  'inspect-socket',
  'metrics',
  'kernel-checks',
  'shared-umem',
  'xdp-programs',
  'read-frame',
  'attach',
  'lessons',
] as const;

/** How Ringside steers one interface (engine/xdp-steering.ts), as plain data. */
export interface SteeringFacts {
  ifname: string;
  kind: XdpProgramKind;
  ports: XdpProgramInfo['ports'];
  programId: number | null;
  /** False while libxdp's own program steers: its XSKMAP is libxdp's. */
  ownsProgram: boolean;
  entries: { index: number; socketId: string }[];
}

export interface HostFacts {
  kernel: string;
  hostname: string;
  interfaces: InterfaceInfo[];
}

export function helloMessage(role: Role, host: HostFacts, mode: HelloMessage['mode']): HelloMessage {
  return {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    role,
    host,
    mode,
    capabilities: [...CAPABILITIES],
  };
}

/**
 * The program on each interface, as the kernel lists it. The XSKMAP's
 * values cannot be read back, so its entries are where Ringside put its
 * sockets (libxdp's program: each receiving socket at its queue id).
 */
export function xdpProgramsOf(
  interfaces: readonly InterfaceInfo[],
  programs: ReadonlyMap<number, XdpProgramFacts>,
  sockets: readonly Pick<SocketInfo, 'id' | 'config'>[],
  steering: readonly SteeringFacts[],
): XdpProgramInfo[] {
  const byInterface = new Map(steering.map((entry) => [entry.ifname, entry]));
  return interfaces.flatMap((device) => {
    const attached = device.attachedXdp;
    const program = attached ? programs.get(attached.programId) : undefined;
    if (!attached || !program) return [];
    const ours = byInterface.get(device.name);
    const isOurs = ours !== undefined && ours.programId === program.id;
    const entries =
      isOurs && ours.ownsProgram
        ? ours.entries
        : sockets
            .filter((socket) => socket.config.ifname === device.name && socket.config.rxSize > 0)
            .map((socket) => ({ index: socket.config.queueId, socketId: socket.id }));
    const libxdps = ours !== undefined && !ours.ownsProgram;
    return [
      {
        ifname: device.name,
        mode: attached.mode,
        programId: program.id,
        name: program.name,
        kind: isOurs ? ours.kind : libxdps ? 'libxdp-default' : 'other',
        ports: isOurs ? ours.ports : [],
        xskmap: program.xskmap ? { ...program.xskmap, entries } : null,
      },
    ];
  });
}

export interface StateInputs {
  umems: UmemInfo[];
  /** Every socket, without its XSKMAP index: that comes from `steering`. */
  sockets: Omit<SocketInfo, 'xskmapIndex'>[];
  steering: readonly SteeringFacts[];
  traffic: TrafficInfo | null;
  lab: LabInfo | null;
  interfaces: InterfaceInfo[];
  xdpPrograms: XdpProgramInfo[];
  umemLimits: UmemLimits;
  socketFeatures?: SocketFeatures;
  snapshotsPerSecond: number;
  discovered: DiscoveredXsk[];
  attached: AttachedSocketInfo[];
  /** The lessons and the last run (agent/src/scenarios/). */
  lessons?: LessonsState;
  rxMetadata?: RxMetadataSupport;
}

export function stateMessage(inputs: StateInputs): StateMessage {
  const { steering, sockets, ...rest } = inputs;
  const byInterface = new Map(steering.map((entry) => [entry.ifname, entry]));
  return {
    type: 'state',
    ...rest,
    sockets: sockets.map((socket) => ({
      ...socket,
      xskmapIndex:
        byInterface.get(socket.config.ifname)?.entries.find((entry) => entry.socketId === socket.id)?.index ?? null,
    })),
  };
}

/** A kernel-mismatch event's words: each fact, what was asked and what the kernel shows. */
export function describeMismatches(socketId: string, mismatches: readonly KernelMismatch[]): string {
  const each = mismatches.map(
    (mismatch) =>
      `${mismatch.fact}: requested ${mismatch.requested}, the kernel shows ${mismatch.inEffect} (${mismatch.explanation})`,
  );
  return `socket ${socketId}: the kernel's view differs from the request: ${each.join('; ')}`;
}

/** A kernel-mismatch event's words: what the kernel's view contradicts now, or that it agrees again. */
export function describeMismatchChange(socketId: string, change: KernelMismatchChange): string {
  if (change.now.length > 0) return describeMismatches(socketId, change.now);
  const facts = change.cleared.map((mismatch) => mismatch.fact).join(', ');
  return `socket ${socketId}: cleared: the kernel's view agrees with the request again (${facts})`;
}
