// The package boundaries `npm run lint` holds:
// - shared/ is the protocol both ends build on: it imports its schema library
//   and nothing else (its tests also import vitest);
// - koffi, and with it every pointer, stays in agent/src/native/;
// - no folder cycles in agent/src or web/src: if folder A imports folder B,
//   directly or through others, B never imports A. A file at the top of the
//   tree counts as a folder of its own.
// Usage: node --import tsx check-boundaries.ts [repository root]
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SOURCE_ROOTS = ['shared', 'agent', 'web', 'e2e', 'bench'];
const SKIPPED_DIRS = new Set(['node_modules', 'build', 'dist', 'artifacts', 'results']);
const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const CYCLE_FREE_TREES = ['agent/src', 'web/src'];

export interface Violation {
  /** The rule and what broke it, in one line. */
  key: string;
  /** The files and imports behind it. */
  details: string[];
}

interface FileImports {
  file: string;
  specifiers: string[];
}

/** Folder → folder it imports → the imports that make that edge. */
type FolderGraph = Map<string, Map<string, string[]>>;

function sourceFiles(root: string, dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : sourceFiles(root, path);
    return SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

// The compiler's own pre-parser: static imports, re-exports, `import type`,
// `import()` and `require()`, and nothing that only looks like one in a
// comment or a string.
function importsOf(root: string, file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
  return importedFiles.map((imported) => imported.fileName);
}

const isRelative = (specifier: string) => specifier.startsWith('./') || specifier.startsWith('../');
const isPackage = (specifier: string, name: string) => specifier === name || specifier.startsWith(`${name}/`);
const target = (file: string, specifier: string) => posix.normalize(posix.join(posix.dirname(file), specifier));

function sharedViolations(file: string, specifier: string): Violation[] {
  if (!file.startsWith('shared/')) return [];
  if (isRelative(specifier) ? target(file, specifier).startsWith('shared/') : isPackage(specifier, 'zod')) return [];
  if (isPackage(specifier, 'vitest') && /\.test\.tsx?$/.test(file)) return [];
  return [{ key: `shared imports only zod: ${file} imports '${specifier}'`, details: [] }];
}

function koffiViolations(file: string, specifier: string): Violation[] {
  if (!isPackage(specifier, 'koffi') || file.startsWith('agent/src/native/')) return [];
  return [{ key: `only agent/src/native imports koffi: ${file} imports '${specifier}'`, details: [] }];
}

// The folder (or top-level file) of `tree` a path is in, or undefined outside the tree.
function folderOf(tree: string, path: string): string | undefined {
  if (!path.startsWith(`${tree}/`)) return undefined;
  return path.slice(tree.length + 1).split('/')[0];
}

function folderGraph(tree: string, imports: FileImports[]): FolderGraph {
  const graph: FolderGraph = new Map();
  for (const { file, specifiers } of imports) {
    const from = folderOf(tree, file);
    if (from === undefined) continue;
    const edges = graph.get(from) ?? new Map<string, string[]>();
    graph.set(from, edges);
    for (const specifier of specifiers.filter(isRelative)) {
      const to = folderOf(tree, target(file, specifier));
      if (to === undefined || to === from) continue;
      edges.set(to, [...(edges.get(to) ?? []), `${file} imports '${specifier}'`]);
    }
  }
  return graph;
}

// Tarjan's strongly connected components: folders in one component of more
// than one folder reach each other through their imports.
function components(graph: FolderGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string): void => {
    const own = index.size;
    index.set(node, own);
    low.set(node, own);
    stack.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) visit(next);
      if (stack.includes(next)) low.set(node, Math.min(low.get(node) ?? own, low.get(next) ?? own));
    }
    if (low.get(node) !== own) return;
    const component = stack.splice(stack.indexOf(node));
    found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

// The shortest chain of folder imports from one folder to another.
function pathBetween(graph: FolderGraph, from: string, to: string): string[] {
  const previous = new Map<string, string | undefined>([[from, undefined]]);
  const queue = [from];
  for (let node = queue.shift(); node !== undefined && !previous.has(to); node = queue.shift()) {
    for (const next of graph.get(node)?.keys() ?? []) {
      if (previous.has(next)) continue;
      previous.set(next, node);
      queue.push(next);
    }
  }
  const path: string[] = [];
  for (let node: string | undefined = to; node !== undefined; node = previous.get(node)) path.unshift(node);
  return path;
}

// Each import edge inside a cycle is its own violation: cutting any one may
// be the fix, and a new edge into a known tangle is not hidden by the old ones.
function cycleViolations(tree: string, imports: FileImports[]): Violation[] {
  const graph = folderGraph(tree, imports);
  return components(graph)
    .filter((component) => component.length > 1)
    .flatMap((component) =>
      component.flatMap((from) =>
        [...(graph.get(from) ?? [])]
          .filter(([to]) => component.includes(to))
          .map(([to, why]) => ({
            key: `folder cycle in ${tree}: ${from} → ${to}`,
            details: [`cycle: ${[from, ...pathBetween(graph, to, from)].join(' → ')}`, ...why],
          })),
      ),
    );
}

/** What breaks the boundaries under `root`. */
export function checkBoundaries(root: string): Violation[] {
  const imports = SOURCE_ROOTS.flatMap((dir) => sourceFiles(root, dir)).map((file) => ({
    file,
    specifiers: importsOf(root, file),
  }));
  return [
    ...imports.flatMap(({ file, specifiers }) =>
      specifiers.flatMap((specifier) => [...sharedViolations(file, specifier), ...koffiViolations(file, specifier)]),
    ),
    ...CYCLE_FREE_TREES.flatMap((tree) => cycleViolations(tree, imports)),
  ];
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '../..'));
  const violations = checkBoundaries(root);
  for (const { key, details } of violations)
    process.stderr.write(`boundary broken: ${key}\n${details.map((line) => `    ${line}\n`).join('')}`);
  process.exit(violations.length > 0 ? 1 : 0);
}
