// @ts-check
// Which system packages the set-up step installs, per distribution and
// version. Pure, so each distribution is proven without one (the set-up step
// itself runs before any node package exists: plain JavaScript, no imports).

/**
 * @typedef {object} Distribution what /etc/os-release says
 * @property {string} id `debian`, `ubuntu`, or a derivative's own
 * @property {string[]} idLike the families it follows
 * @property {string} versionId `12`, `24.04`... (empty on Debian testing)
 * @property {string} ubuntuCodename a derivative's Ubuntu base, `noble`...
 * @property {string} prettyName for messages
 */

/**
 * @typedef {object} PackagePlan
 * @property {'debian' | 'ubuntu'} family whose package names these are
 * @property {string} release the release the names were chosen for, for messages
 * @property {string[]} packages to install with apt
 * @property {string[]} unpackaged what Ringside needs that this release does not package, and how to get it
 * @property {boolean} chromiumFromApt false where Chromium is a snap (Ubuntu)
 */

/** @param {string} text the contents of /etc/os-release */
export function parseOsRelease(text) {
  /** @type {Record<string, string>} */
  const fields = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) fields[match[1]] = match[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  /** @type {Distribution} */
  return {
    id: fields.ID ?? 'linux',
    idLike: (fields.ID_LIKE ?? '').split(/\s+/).filter(Boolean),
    versionId: fields.VERSION_ID ?? '',
    ubuntuCodename: fields.UBUNTU_CODENAME ?? '',
    prettyName: fields.PRETTY_NAME ?? fields.NAME ?? 'this Linux',
  };
}

const UBUNTU_BY_CODENAME = /** @type {Record<string, string>} */ ({ jammy: '22.04', noble: '24.04' });

/** What every release packages under one name: the lab's tools, the compilers and make. */
const COMMON = ['iproute2', 'ethtool', 'iputils-ping', 'make', 'clang', 'llvm', 'libc6-dev'];
/** libxdp ≥ 1.3 and libbpf ≥ 1.0: the agent loads libxdp.so.1 and libbpf.so.1. */
const XDP_LIBRARIES = ['libxdp1', 'libbpf1', 'xdp-tools', 'libxdp-dev', 'libbpf-dev'];
/** What the export tests read Ringside's output with: its pcap (tcpdump) and its metrics (a real Prometheus). */
const TEST_READERS = ['tcpdump', 'prometheus'];

/**
 * Whose package names a distribution uses: its own, or those of the one it
 * derives from (Mint and Pop!_OS say `ubuntu debian`, Raspberry Pi OS `debian`).
 *
 * @param {Distribution} distribution
 * @returns {'debian' | 'ubuntu' | null}
 */
export function packageFamily(distribution) {
  const ids = [distribution.id, ...distribution.idLike];
  if (ids.includes('ubuntu')) return 'ubuntu';
  if (ids.includes('debian')) return 'debian';
  return null;
}

/**
 * The packages for `distribution`, or null for a system whose package names
 * Ringside does not know (neither Debian nor Ubuntu, nor derived from them).
 * A release newer than those known takes the newest one's names.
 *
 * @param {Distribution} distribution
 * @param {{ forTests: boolean, kernelRelease: string, kernelToolsPackaged: boolean }} host
 *   kernelToolsPackaged: whether apt knows `linux-tools-<kernelRelease>` (an
 *   Ubuntu kernel); a container or a custom kernel has none.
 * @returns {PackagePlan | null}
 */
export function systemPackages(distribution, { forTests, kernelRelease, kernelToolsPackaged }) {
  switch (packageFamily(distribution)) {
    case 'debian':
      return {
        family: 'debian',
        release:
          distribution.id === 'debian' ? `Debian ${distribution.versionId || 'testing'}` : distribution.prettyName,
        packages: [...COMMON, ...XDP_LIBRARIES, 'bpftool', ...(forTests ? ['chromium', ...TEST_READERS] : [])],
        unpackaged: [],
        chromiumFromApt: true,
      };
    case 'ubuntu': {
      const version =
        distribution.id === 'ubuntu' ? distribution.versionId : (UBUNTU_BY_CODENAME[distribution.ubuntuCodename] ?? '');
      // 22.04 packages libbpf 0.5 (libbpf.so.0) and no libxdp at all.
      const librariesPackaged = version === '' || Number(version) >= 24;
      return {
        family: 'ubuntu',
        release: version ? `Ubuntu ${version}` : distribution.prettyName,
        packages: [
          ...COMMON,
          ...(librariesPackaged ? XDP_LIBRARIES : []),
          // Ubuntu's bpftool is a wrapper (linux-tools-common) running the one built for the running kernel.
          'linux-tools-common',
          kernelToolsPackaged ? `linux-tools-${kernelRelease}` : 'linux-tools-generic',
          ...(forTests ? TEST_READERS : []),
        ],
        unpackaged: librariesPackaged
          ? []
          : [
              `libbpf ≥ 1.0 and libxdp ≥ 1.3 (the agent loads libbpf.so.1 and libxdp.so.1), which Ubuntu ${version} does not package: build them from source (github.com/libbpf/libbpf, github.com/xdp-project/xdp-tools) or use Ubuntu 24.04`,
            ],
        // Ubuntu's chromium package only installs the snap, which a container or a machine without snapd cannot run.
        chromiumFromApt: false,
      };
    }
    default:
      return null;
  }
}
