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

/**
 * A loaded program and its XSKMAP, read in one bpftool run: a batch asks for
 * the program and for every map, and the program's map ids pick its XSKMAP
 * out of them, so the maps need no second run. Program and map ids are
 * global, so this works from any network namespace. An XSKMAP's contents
 * cannot be read back: the kernel refuses lookups of its values from user
 * space, and as an array its keys always list every index.
 */
const BATCH = ['-j', 'batch', 'file', '-'];

const questionsAbout = (id: number) => `prog show id ${id}\nmap show\n`;

/** The facts in bpftool's answer to questionsAbout: one { command, output } per question, in order. */
export function factsOf(answer: string): XdpProgramFacts {
  const [program, maps] = (JSON.parse(answer) as { output: unknown }[]).map(({ output }) => output) as [
    BpftoolProgram,
    BpftoolMap[],
  ];
  const xskmap = maps.find((map) => map.type === 'xskmap' && program.map_ids?.includes(map.id));
  return {
    id: program.id,
    name: program.name ?? '',
    xskmap: xskmap ? { id: xskmap.id, name: xskmap.name ?? '', maxEntries: xskmap.max_entries } : null,
  };
}

/** A program by id, null when it is gone: detached and freed between listing and asking (bpftool then fails). */
export function describeXdpProgram(id: number): XdpProgramFacts | null {
  try {
    return factsOf(execFileSync('bpftool', BATCH, { input: questionsAbout(id), encoding: 'utf8', stdio: 'pipe' }));
  } catch {
    return null;
  }
}

/** describeXdpProgram off the event loop, for reads made while clients are being served. */
export function describeXdpProgramAsync(id: number): Promise<XdpProgramFacts | null> {
  return new Promise((resolve) => {
    const child = execFile('bpftool', BATCH, { encoding: 'utf8' }, (error, stdout) => {
      try {
        resolve(error ? null : factsOf(stdout));
      } catch {
        resolve(null);
      }
    });
    // A bpftool that could not start closes its stdin unread: the callback above says so, not this write.
    child.stdin?.on('error', () => {});
    child.stdin?.end(questionsAbout(id));
  });
}
