import { createServer } from 'node:net';

/**
 * Whether the agent could listen on host:port now: null when it could, or the
 * line that says why not and what to do. Asked before anything is built; the
 * port may still be taken in between, and the server's own listen then fails
 * as before.
 */
export function portProblem(host: string, port: number): Promise<string | null> {
  if (port === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(describe(error, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(null)));
  });
}

function describe(error: NodeJS.ErrnoException, host: string, port: number): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return (
        `port ${port} on ${host} is in use (another Ringside, or another server): pass --port N for another port, ` +
        `or --port 0 for any free one. 'npm start -- urls' prints the URLs of a Ringside running now.`
      );
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine: pass --host with one of its addresses, or leave it out for 127.0.0.1.`;
    case 'EACCES':
      return `listening on port ${port} of ${host} was refused (EACCES): pass --port N with another port, or --port 0.`;
    default:
      return `listening on port ${port} of ${host} failed (${error.message}): pass --port N with another port, or --port 0.`;
  }
}
