// @ts-check
// Where the BPF programs find <asm/types.h>. The kernel's uapi headers include
// it, and Debian and Ubuntu keep it in the multiarch directory of the host
// (/usr/include/x86_64-linux-gnu, /usr/include/aarch64-linux-gnu), which clang
// searches for the host but not for `-target bpf`.

/**
 * The multiarch include directory: the one the compiler itself searches for
 * the host (from `clang -v -E -x c /dev/null`), else dpkg's name for the host
 * (`dpkg-architecture -qDEB_HOST_MULTIARCH`, from dpkg-dev). Null when neither
 * says.
 *
 * @param {{ compilerVerbose: string, dpkgMultiarch: string }} answers either may be empty
 * @returns {string | null}
 */
export function multiarchIncludeDir({ compilerVerbose, dpkgMultiarch }) {
  const searched = compilerVerbose
    .split('\n')
    .map((line) => line.trim())
    .find((line) => /^\/usr\/include\/[a-z0-9_]+-linux-gnu[a-z0-9_]*$/.test(line));
  if (searched) return searched;
  const multiarch = dpkgMultiarch.trim();
  return multiarch ? `/usr/include/${multiarch}` : null;
}
