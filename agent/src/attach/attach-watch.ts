import { EventEmitter } from 'node:events';
import { type DiscoveredXsk, discoverXsks } from './discovery.ts';

/**
 * Discovery on a timer, reporting what came and went. A new XSK is reported
 * within 1 s: one call every SCAN_MS, each taking tens of milliseconds on a
 * host of a hundred processes and a thousand fds (measured on the test
 * machine, both cores busy).
 */
const SCAN_MS = 500;

interface AttachWatchEvents {
  added: [xsk: DiscoveredXsk];
  removed: [xsk: DiscoveredXsk];
  /** What is known of a listed XSK grew (e.g. its interface, inferred after it was added). */
  updated: [xsk: DiscoveredXsk];
  /** A discovery call failed; the next one is tried on time. */
  error: [error: Error];
}

export interface DiscoveryChanges {
  added: DiscoveredXsk[];
  removed: DiscoveredXsk[];
  /** Listed before and now, with facts that changed (discovery replaces, never mutates, what it learned). */
  updated: DiscoveredXsk[];
}

/** What one discovery changed against the XSKs known before it, by id. */
export function discoveryChanges(
  known: ReadonlyMap<string, DiscoveredXsk>,
  found: readonly DiscoveredXsk[],
): DiscoveryChanges {
  const now = new Map(found.map((xsk) => [xsk.id, xsk]));
  const changes: DiscoveryChanges = { added: [], removed: [], updated: [] };
  for (const [id, xsk] of known) if (!now.has(id)) changes.removed.push(xsk);
  for (const [id, xsk] of now) {
    const before = known.get(id);
    if (!before) changes.added.push(xsk);
    else if (before.kernel !== xsk.kernel || before.umem !== xsk.umem) changes.updated.push(xsk);
  }
  return changes;
}

export class AttachWatch extends EventEmitter<AttachWatchEvents> {
  private readonly known = new Map<string, DiscoveredXsk>();
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;

  constructor(private readonly filter: { pid?: number } = {}) {
    super();
  }

  /** Scans at once, then every SCAN_MS; resolves once the first scan is in. */
  start(): Promise<void> {
    if (this.timer) return this.scanning ?? Promise.resolve();
    this.timer = setInterval(() => void this.scan(), SCAN_MS);
    this.timer.unref();
    return this.scan();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  list(): DiscoveredXsk[] {
    return [...this.known.values()];
  }

  /** One discovery; a tick that comes while one runs waits for it rather than starting another. */
  private scan(): Promise<void> {
    this.scanning ??= this.diff().finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  private async diff(): Promise<void> {
    let found: DiscoveredXsk[];
    try {
      found = await discoverXsks(this.filter);
    } catch (error) {
      if (this.listenerCount('error') > 0) this.emit('error', error as Error);
      return;
    }
    if (!this.timer) return;
    const { added, removed, updated } = discoveryChanges(this.known, found);
    for (const xsk of removed) {
      this.known.delete(xsk.id);
      this.emit('removed', xsk);
    }
    for (const xsk of [...added, ...updated]) this.known.set(xsk.id, xsk);
    for (const xsk of added) this.emit('added', xsk);
    for (const xsk of updated) this.emit('updated', xsk);
  }
}
