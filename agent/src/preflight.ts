import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { ifNameToIndex, probeSocketFamily } from './native/libc.ts';
import { AF_XDP, SOCK_RAW } from './native/uapi.ts';

/**
 * Checks made before anything is created, each ending in one line that names
 * the cause and the fix. Returns that line, or null when all is well.
 */
export interface PreflightRequest {
  iface: string | null;
  queue: number;
}

const BPFFS = '/sys/fs/bpf';

export function preflight(request: PreflightRequest): string | null {
  if (process.getuid?.() !== 0) {
    return "Ringside must run as root: it creates network namespaces, XDP programs and AF_XDP sockets. Run it with 'sudo npm start'.";
  }
  const family = probeSocketFamily(AF_XDP, SOCK_RAW);
  if (!family.ok) {
    return family.error.code === 'EAFNOSUPPORT'
      ? 'This kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS is off): boot a kernel built with CONFIG_XDP_SOCKETS=y.'
      : `Opening an AF_XDP socket failed (${family.error.code}): run as root with CAP_NET_ADMIN and CAP_NET_RAW.`;
  }
  const bpffs = ensureBpffs();
  if (bpffs) return bpffs;
  if (request.iface !== null) {
    if (ifNameToIndex(request.iface) === 0) {
      return `Interface ${request.iface} does not exist: list interfaces with 'ip -br link', or leave out --iface to use the built-in lab.`;
    }
    const queues = readdirSync(`/sys/class/net/${request.iface}/queues`).filter((name) =>
      name.startsWith('rx-'),
    ).length;
    if (request.queue >= queues) {
      return `Queue ${request.queue} does not exist on ${request.iface}, which has ${queues} receive queue(s): pick --queue from 0 to ${queues - 1}.`;
    }
  }
  return null;
}

/** libxdp pins its dispatcher state in bpffs; mount it where it is missing. */
function ensureBpffs(): string | null {
  const mounted = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === BPFFS && line.split(' ')[2] === 'bpf');
  if (mounted) return null;
  try {
    if (!existsSync(BPFFS)) return `${BPFFS} does not exist: this kernel lacks BPF filesystem support.`;
    execFileSync('mount', ['-t', 'bpf', 'bpf', BPFFS], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `The BPF filesystem is not mounted and mounting it failed (${String(error)}): run 'mount -t bpf bpf ${BPFFS}'.`;
  }
}
