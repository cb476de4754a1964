import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { portProblem } from './port-check.ts';

describe('the port check before the start', () => {
  it('says a busy port is busy and names the ways out', async () => {
    const holder = createServer();
    holder.listen({ host: '127.0.0.1', port: 0 });
    await once(holder, 'listening');
    const { port } = holder.address() as { port: number };
    try {
      const problem = await portProblem('127.0.0.1', port);
      expect(problem).toContain(`port ${port} on 127.0.0.1 is in use`);
      expect(problem).toContain('--port N');
      expect(problem).toContain('--port 0');
    } finally {
      holder.close();
    }
  });

  it('finds nothing wrong with a free port, and leaves it free', async () => {
    const holder = createServer();
    holder.listen({ host: '127.0.0.1', port: 0 });
    await once(holder, 'listening');
    const { port } = holder.address() as { port: number };
    holder.close();
    await once(holder, 'close');
    expect(await portProblem('127.0.0.1', port)).toBeNull();
    expect(await portProblem('127.0.0.1', port)).toBeNull();
  });

  it('does not look at port 0, which the kernel chooses at listen', async () => {
    expect(await portProblem('127.0.0.1', 0)).toBeNull();
  });
});
