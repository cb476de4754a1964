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

/** The arguments after `bpftool -j` of one question; its answer is the JSON bpftool prints. */
type Question = string[];

function bpftool(question: Question): unknown {
  return JSON.parse(
    execFileSync('bpftool', ['-j', ...question], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
  );
}

function bpftoolAsync(question: Question): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile('bpftool', ['-j', ...question], { encoding: 'utf8' }, (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout));
    });
  });
}

/**
 * Reading a loaded program and its maps by id, as the questions it puts to
 * bpftool: the program, then its maps together. Each yield is answered in
 * order, by a runner that waits for bpftool or one that lets the event loop
 * go on. Program and map ids are global, so this works from any network
 * namespace. An XSKMAP's contents cannot be read back: the kernel refuses
 * lookups of its values from user space, and as an array its keys always list
 * every index.
 */
function* describing(id: number): Generator<Question[], XdpProgramFacts, unknown[]> {
  const [program] = (yield [['prog', 'show', 'id', String(id)]]) as [BpftoolProgram];
  const maps = (yield (program.map_ids ?? []).map((mapId) => ['map', 'show', 'id', String(mapId)])) as BpftoolMap[];
  const xskmap = maps.find((map) => map.type === 'xskmap');
  return {
    id: program.id,
    name: program.name ?? '',
    xskmap: xskmap ? { id: xskmap.id, name: xskmap.name ?? '', maxEntries: xskmap.max_entries } : null,
  };
}

/** A program by id, null when it is gone: detached and freed between listing and asking. */
export function describeXdpProgram(id: number): XdpProgramFacts | null {
  try {
    const steps = describing(id);
    let step = steps.next();
    while (!step.done) step = steps.next(step.value.map(bpftool));
    return step.value;
  } catch {
    return null;
  }
}

/** describeXdpProgram off the event loop, for reads made while clients are being served. */
export async function describeXdpProgramAsync(id: number): Promise<XdpProgramFacts | null> {
  try {
    const steps = describing(id);
    let step = steps.next();
    while (!step.done) step = steps.next(await Promise.all(step.value.map(bpftoolAsync)));
    return step.value;
  } catch {
    return null;
  }
}
