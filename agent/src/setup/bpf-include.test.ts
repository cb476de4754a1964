import { describe, expect, it } from 'vitest';
import { multiarchIncludeDir } from './bpf-include.mjs';

/** What `clang -v -E -x c /dev/null` prints around its search list (trimmed). */
function clangVerbose(resourceDir: string, multiarch: string): string {
  return [
    'Target: x',
    '#include "..." search starts here:',
    '#include <...> search starts here:',
    ` ${resourceDir}`,
    ' /usr/local/include',
    ` /usr/include/${multiarch}`,
    ' /usr/include',
    'End of search list.',
  ].join('\n');
}

describe('the include directory of the BPF programs', () => {
  it.each([
    ['Debian 12, x86_64', '/usr/lib/llvm-14/lib/clang/14.0.6/include', 'x86_64-linux-gnu'],
    ['Debian 13, arm64', '/usr/lib/llvm-19/lib/clang/19/include', 'aarch64-linux-gnu'],
    ['Ubuntu 22.04, x86_64', '/usr/lib/llvm-14/lib/clang/14.0.0/include', 'x86_64-linux-gnu'],
    ['Ubuntu 24.04, arm64', '/usr/lib/llvm-18/lib/clang/18/include', 'aarch64-linux-gnu'],
  ])('is the multiarch directory the compiler searches (%s)', (_, resourceDir, multiarch) => {
    expect(multiarchIncludeDir({ compilerVerbose: clangVerbose(resourceDir, multiarch), dpkgMultiarch: '' })).toBe(
      `/usr/include/${multiarch}`,
    );
  });

  it("falls back to dpkg's name for the host when the compiler lists none", () => {
    expect(multiarchIncludeDir({ compilerVerbose: '', dpkgMultiarch: 'aarch64-linux-gnu\n' })).toBe(
      '/usr/include/aarch64-linux-gnu',
    );
    expect(multiarchIncludeDir({ compilerVerbose: '', dpkgMultiarch: '' })).toBeNull();
  });
});
