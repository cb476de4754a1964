import {
  type Problem,
  steersByQueue,
  type XdpActionCounters,
  type XdpMode,
  type XdpProgramKind,
} from '@ringside/shared';
import { RingsideProgram } from '../xdp/ringside-program.ts';
import { indexFor, placementProblems, type SteeredSocket } from './steering-rules.ts';

export interface PortRoute {
  port: number;
  index: number;
}

/**
 * Which XDP program steers one interface's frames to sockets, and where each
 * socket sits in its XSKMAP. Ringside's own programs (by-queue,
 * round-robin, steer-by-port) are attached on the first receiving socket, in
 * that socket's XDP mode, and counted; with `libxdp-default`, libxdp loads its
 * own program as each socket is created and Ringside stays out of the map.
 */
export class InterfaceSteering {
  private program: RingsideProgram | null = null;
  private readonly placed = new Map<string, SteeredSocket & { index: number }>();
  private routes: PortRoute[] = [];
  private mode: XdpMode | null = null;

  constructor(
    readonly ifname: string,
    private readonly namespacePath: string | null,
    private kindChosen: XdpProgramKind = 'by-queue',
    /** Where the bpf objects are: the setup's build unless a test says otherwise. */
    private readonly objects?: string,
  ) {}

  get kind(): XdpProgramKind {
    return this.kindChosen;
  }

  /** Sockets are created with XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD unless libxdp's own program steers. */
  get ownsProgram(): boolean {
    return this.kindChosen !== 'libxdp-default';
  }

  get ports(): PortRoute[] {
    return [...this.routes];
  }

  get programId(): number | null {
    return this.program?.id ?? null;
  }

  get xskmap(): { id: number; maxEntries: number } | null {
    return this.program?.xskmap ?? null;
  }

  entries(): { index: number; socketId: string }[] {
    return [...this.placed.values()]
      .map(({ index, socketId }) => ({ index, socketId }))
      .sort((a, b) => a.index - b.index);
  }

  indexOf(socketId: string): number | null {
    return this.placed.get(socketId)?.index ?? null;
  }

  counters(): XdpActionCounters | null {
    return this.program ? { ifname: this.ifname, ...this.program.counters() } : null;
  }

  /**
   * What stands in the way of placing `socket` (in `mode`) while the
   * sockets named in `leaving` make way: nothing is touched here.
   */
  check(socket: SteeredSocket, mode: XdpMode, leaving: readonly string[]): Problem[] {
    const placement = {
      ifname: this.ifname,
      kind: this.kindChosen,
      mode: this.mode,
      placed: [...this.placed.values()],
    };
    return placementProblems(placement, socket, mode, leaving);
  }

  /** Puts a bound socket in the map (attaching the program first if this is its first socket). */
  place(socket: SteeredSocket, mode: XdpMode): number | null {
    if (!this.ownsProgram) return null;
    const others = [...this.placed.values()].filter((entry) => entry.socketId !== socket.socketId);
    if (!this.program || (this.mode !== mode && others.length === 0)) this.attach(mode, socket.multiBuffer === true);
    // A multi-buffer socket needs the frags-aware variant: the others move into its map.
    else if (socket.multiBuffer && !this.program.frags) this.attach(mode, true);
    const index = indexFor(this.kindChosen, socket, others);
    (this.program as RingsideProgram).setSocket(index, socket.fd);
    this.placed.set(socket.socketId, { ...socket, index });
    this.afterChange();
    return index;
  }

  /** Takes a socket out of the map (before it closes, so no frame is redirected to a closing socket). */
  remove(socketId: string): void {
    const entry = this.placed.get(socketId);
    if (!entry) return;
    this.placed.delete(socketId);
    if (this.program?.attached) {
      // Another socket may have been put at this index meanwhile; only clear what is this socket's.
      if (![...this.placed.values()].some((other) => other.index === entry.index)) this.program.clearIndex(entry.index);
      this.afterChange();
    }
  }

  /**
   * Problems with switching to `kind` (and `ports`), or none. Switching to or
   * from libxdp's program needs the interface free of sockets: libxdp's
   * program and map are libxdp's, created with the sockets.
   */
  checkSwitch(kind: XdpProgramKind, ports: readonly PortRoute[], socketsOnInterface: readonly string[]): Problem[] {
    const problems: Problem[] = [];
    if ((kind === 'libxdp-default') !== !this.ownsProgram && socketsOnInterface.length > 0) {
      problems.push({
        field: 'program',
        message: `${socketsOnInterface.join(', ')} ${socketsOnInterface.length === 1 ? 'is' : 'are'} on ${this.ifname} with ${this.ownsProgram ? "Ringside's" : "libxdp's"} program: destroy ${socketsOnInterface.length === 1 ? 'it' : 'them'} before switching to ${kind === 'libxdp-default' ? "libxdp's" : "Ringside's"}`,
      });
    }
    if (kind === 'steer-by-port' && ports.length === 0) {
      problems.push({ field: 'ports', message: 'steer-by-port needs at least one port → XSKMAP index route' });
    }
    if (kind !== 'steer-by-port' && ports.length > 0) {
      problems.push({ field: 'ports', message: `only steer-by-port routes ports; ${kind} does not` });
    }
    if (new Set(ports.map((route) => route.port)).size !== ports.length) {
      problems.push({ field: 'ports', message: 'each port may be routed once' });
    }
    if (kind !== 'libxdp-default') {
      const seen = new Map<number, string>();
      for (const entry of this.placed.values()) {
        const index = steersByQueue(kind) ? (entry.requestedIndex ?? entry.queueId) : (entry.requestedIndex ?? -1);
        if (index < 0) continue;
        const holder = seen.get(index);
        if (holder) {
          problems.push({
            field: 'program',
            message: `${holder} and ${entry.socketId} would both sit at XSKMAP index ${index} under ${kind}: give one of them another xskmapIndex first`,
          });
        }
        seen.set(index, entry.socketId);
      }
    }
    return problems;
  }

  /**
   * Replaces the program; every socket in the map moves into the new
   * program's map. A new program that cannot load (its object missing, the
   * kernel or the interface without what it needs) is refused while the old
   * one still steers: that one stays, untouched. One the interface refuses
   * after the old one went has the old one attached again, with every socket
   * where it was, and the refusal thrown.
   */
  switchTo(kind: XdpProgramKind, ports: readonly PortRoute[]): void {
    const before = {
      kind: this.kindChosen,
      routes: this.routes,
      placed: [...this.placed.values()],
      program: this.program,
    };
    try {
      this.install(kind, ports, before.placed);
    } catch (error) {
      // Refused before the old program went (the new one did not load, or the kernel kept the old one on): it
      // still steers every socket where it was, and only the bookkeeping goes back.
      if (before.program !== null && this.program === before.program && before.program.attached) {
        this.kindChosen = before.kind;
        this.routes = before.routes;
        this.placed.clear();
        for (const entry of before.placed) this.placed.set(entry.socketId, entry);
      } else this.install(before.kind, before.routes, before.placed);
      throw error;
    }
  }

  private install(
    kind: XdpProgramKind,
    ports: readonly PortRoute[],
    sockets: readonly (SteeredSocket & { index: number })[],
  ): void {
    this.kindChosen = kind;
    this.routes = [...ports];
    this.placed.clear();
    if (kind === 'libxdp-default' || sockets.length === 0) {
      this.detach();
      return;
    }
    const mode = this.mode ?? 'drv';
    // attach() loads the new program before the old one goes. Should the interface then refuse the new one,
    // switchTo puts the old one back itself, with its routes and sockets: attach's own restore would fill the
    // old program's maps from the new bookkeeping.
    const multiBuffer = sockets.some((socket) => socket.multiBuffer === true);
    this.attach(mode, multiBuffer, false);
    for (const socket of sockets) this.place(socket, mode);
  }

  detach(): void {
    this.program?.detach();
    this.program = null;
  }

  /**
   * `multiBuffer`: a socket being placed asks for it; a socket already placed
   * may too. The MTU may ask on its own. The new program is loaded before the
   * old one goes, so one that cannot load (its object missing) leaves the old
   * one steering; one the interface refuses has the old one attached again.
   */
  private attach(mode: XdpMode, multiBuffer = false, putBackPrevious = true): void {
    if (this.kindChosen === 'libxdp-default') {
      this.detach();
      return;
    }
    const frags = multiBuffer || [...this.placed.values()].some((entry) => entry.multiBuffer) || undefined;
    const next = RingsideProgram.load(this.kindChosen, this.ifname, mode, this.namespacePath, frags, this.objects);
    const previous = this.program;
    // An interface runs one program of ours: the old one goes before the new one attaches.
    try {
      this.detach();
    } catch (error) {
      next.close();
      throw error;
    }
    try {
      this.program = next.attach();
      this.mode = mode;
    } catch (error) {
      if (previous && putBackPrevious) {
        const { kind, mode: before, frags: withFrags } = previous;
        this.program = RingsideProgram.load(
          kind,
          this.ifname,
          before,
          this.namespacePath,
          withFrags,
          this.objects,
        ).attach();
        this.fillMaps();
      }
      throw error;
    }
    this.fillMaps();
  }

  /** A program just attached gets the routes and sockets its predecessor had. */
  private fillMaps(): void {
    const program = this.program as RingsideProgram;
    for (const route of this.routes) program.routePort(route.port, route.index);
    for (const entry of this.placed.values()) program.setSocket(entry.index, entry.fd);
    this.afterChange();
  }

  /** round-robin takes turns over indices 0..count-1: a hole in them is a visible no_socket. */
  private afterChange(): void {
    if (this.kindChosen !== 'round-robin' || !this.program?.attached) return;
    const highest = Math.max(-1, ...[...this.placed.values()].map((entry) => entry.index));
    this.program.setSocketCount(highest + 1);
  }
}
