import { closeFd, pidfdGetfd, pidfdOpen } from '../src/native/pidfd.ts';

/**
 * `hold-fd.ts PID FD`: duplicates PID's FD (pidfd_getfd), says which fd the
 * duplicate is, and holds it until its stdin closes (fd-holder.ts).
 */
const [pid, fd] = process.argv.slice(2).map(Number);
const pidfd = pidfdOpen(pid as number);
const held = pidfdGetfd(pidfd, fd as number);
closeFd(pidfd);
process.stdout.write(`${JSON.stringify({ held })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  closeFd(held);
  process.exit(0);
});
