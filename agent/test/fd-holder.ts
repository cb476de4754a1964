import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./hold-fd.ts', import.meta.url));

/**
 * Another process holding a duplicate of one of this process's fds, taken
 * with pidfd_getfd as an attaching Ringside agent takes one: the open file
 * (a socket) lives on after this process closes its own fd, until released.
 */
export class FdHolder {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly pid: number,
    /** The duplicate's number in the holder. */
    readonly fd: number,
  ) {}

  static async hold(fd: number): Promise<FdHolder> {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, String(process.pid), String(fd)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`hold-fd exited with ${code}: ${stderr.trim()}`)));
    });
    const { held } = JSON.parse(line) as { held: number };
    return new FdHolder(child, child.pid as number, held);
  }

  /** Closes the duplicate and waits until the holder has exited. */
  async release(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.stdin.end();
    await exited;
  }
}
