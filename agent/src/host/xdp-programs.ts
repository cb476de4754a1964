import { execFile, execFileSync } from 'node:child_process';

/** An XDP program as the kernel lists it, with the XSKMAP it redirects through, if any. */
export interface XdpProgramFacts {
  id: number;
  name: string;
  xskmap: { id: number; name: string; maxEntries: number } | null;
}

interface BpftoolProgram {
  id: number;
  name?: string;
  map_ids?: number[];
}

interface BpftoolMap {
  id: number;
  type: string;
  name?: string;
  max_entries: number;
}

function bpftool<T>(...args: string[]): T {
  return JSON.parse(
    execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
  ) as T;
}

function bpftoolAsync<T>(...args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile('bpftool', ['-j', ...args], { encoding: 'utf8' }, (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout) as T);
    });
  });
}

function factsOf(program: BpftoolProgram, maps: BpftoolMap[]): XdpProgramFacts {
  const xskmap = maps.find((map) => map.type === 'xskmap');
  return {
    id: program.id,
    name: program.name ?? '',
    xskmap: xskmap ? { id: xskmap.id, name: xskmap.name ?? '', maxEntries: xskmap.max_entries } : null,
  };
}

/**
 * Reads a loaded program and its maps by id. Program and map ids are global,
 * so this works from any network namespace. An XSKMAP's contents cannot be
 * read back: the kernel refuses lookups of its values from user space, and
 * as an array its keys always list every index.
 */
export function describeXdpProgram(id: number): XdpProgramFacts | null {
  try {
    const program = bpftool<BpftoolProgram>('prog', 'show', 'id', String(id));
    const maps = (program.map_ids ?? []).map((mapId) => bpftool<BpftoolMap>('map', 'show', 'id', String(mapId)));
    return factsOf(program, maps);
  } catch {
    // Detached and freed between listing and asking.
    return null;
  }
}

/** describeXdpProgram off the event loop, for reads made while clients are being served. */
export async function describeXdpProgramAsync(id: number): Promise<XdpProgramFacts | null> {
  try {
    const program = await bpftoolAsync<BpftoolProgram>('prog', 'show', 'id', String(id));
    const maps = await Promise.all(
      (program.map_ids ?? []).map((mapId) => bpftoolAsync<BpftoolMap>('map', 'show', 'id', String(mapId))),
    );
    return factsOf(program, maps);
  } catch {
    // Detached and freed between listing and asking.
    return null;
  }
}
