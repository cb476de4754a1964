import { describe, expect, it } from 'vitest';
import { parseOsRelease, systemPackages } from './system-packages.mjs';

const OS_RELEASE = {
  debian12:
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n',
  debian13:
    'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nNAME="Debian GNU/Linux"\nVERSION_ID="13"\nVERSION_CODENAME=trixie\nID=debian\n',
  ubuntu2204:
    'PRETTY_NAME="Ubuntu 22.04.5 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=jammy\n',
  ubuntu2404:
    'PRETTY_NAME="Ubuntu 24.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=noble\n',
  mint22:
    'NAME="Linux Mint"\nVERSION_ID="22"\nID=linuxmint\nID_LIKE="ubuntu debian"\nPRETTY_NAME="Linux Mint 22"\nUBUNTU_CODENAME=noble\n',
  fedora: 'NAME="Fedora Linux"\nVERSION_ID=42\nID=fedora\nPRETTY_NAME="Fedora Linux 42 (Workstation Edition)"\n',
};
const host = { forTests: false, kernelRelease: '6.8.0-117-generic', kernelToolsPackaged: true };
const plan = (release: keyof typeof OS_RELEASE, options: Partial<typeof host> = {}) =>
  systemPackages(parseOsRelease(OS_RELEASE[release]), { ...host, ...options });

describe('the system packages the set-up step installs', () => {
  it('reads /etc/os-release, quoted or not', () => {
    expect(parseOsRelease(OS_RELEASE.mint22)).toEqual({
      id: 'linuxmint',
      idLike: ['ubuntu', 'debian'],
      versionId: '22',
      ubuntuCodename: 'noble',
      prettyName: 'Linux Mint 22',
    });
  });

  it.each(['debian12', 'debian13'] as const)('installs make, the compilers, libxdp and bpftool on %s', (release) => {
    const packages = plan(release)?.packages;
    expect(packages).toEqual(expect.arrayContaining(['make', 'clang', 'libc6-dev', 'libxdp1', 'libbpf1', 'bpftool']));
    expect(packages).not.toContain('chromium');
    expect(plan(release, { forTests: true })?.packages).toContain('chromium');
    expect(plan(release)?.unpackaged).toEqual([]);
  });

  it.each(['debian12', 'ubuntu2404'] as const)(
    'installs for tests only what reads the exports back on %s: tcpdump and Prometheus',
    (release) => {
      expect(plan(release, { forTests: true })?.packages).toEqual(expect.arrayContaining(['tcpdump', 'prometheus']));
      expect(plan(release)?.packages).not.toContain('prometheus');
    },
  );

  it("takes Ubuntu 24.04's bpftool from the running kernel's linux-tools, or the generic one without an Ubuntu kernel", () => {
    const ubuntu = plan('ubuntu2404');
    expect(ubuntu?.packages).toEqual(
      expect.arrayContaining([
        'make',
        'clang',
        'libxdp1',
        'libbpf1',
        'linux-tools-common',
        'linux-tools-6.8.0-117-generic',
      ]),
    );
    expect(ubuntu?.packages).not.toContain('bpftool');
    const container = plan('ubuntu2404', { kernelRelease: '6.18.0-1-cloud-amd64', kernelToolsPackaged: false });
    expect(container?.packages).toContain('linux-tools-generic');
    expect(container?.packages.filter((name) => name.startsWith('linux-tools-6'))).toEqual([]);
  });

  it('installs no Chromium package on Ubuntu, whose package is only a snap', () => {
    const ubuntu = plan('ubuntu2404', { forTests: true });
    expect(ubuntu?.chromiumFromApt).toBe(false);
    expect(ubuntu?.packages.some((name) => name.startsWith('chromium'))).toBe(false);
  });

  it('says that Ubuntu 22.04 packages neither libxdp nor libbpf 1, instead of asking apt for them', () => {
    const jammy = plan('ubuntu2204');
    expect(jammy?.packages).not.toContain('libxdp1');
    expect(jammy?.packages).not.toContain('libbpf1');
    expect(jammy?.packages).toEqual(expect.arrayContaining(['make', 'clang', 'linux-tools-common']));
    expect(jammy?.unpackaged.join(' ')).toMatch(/libbpf.so.1 and libxdp.so.1.*Ubuntu 22.04 does not package/);
  });

  it("gives a derivative its base's names, and knows no names for other systems", () => {
    expect(plan('mint22')).toMatchObject({ family: 'ubuntu', release: 'Ubuntu 24.04', unpackaged: [] });
    expect(plan('fedora')).toBeNull();
  });
});
