import { describe, expect, it } from 'vitest';
import { sessionUrl, socketUrl } from './connection.ts';

describe('where the page reaches the agent', () => {
  it('opens the WebSocket on the host that served the page, with its token', () => {
    const page = { protocol: 'http:', host: '127.0.0.1:7420', search: '?token=ab-_9&view=rings' };
    expect(socketUrl(page)).toBe('ws://127.0.0.1:7420/ws?token=ab-_9');
  });

  it('asks about a refused token on the same host, with the same token', () => {
    expect(sessionUrl('ws://127.0.0.1:7420/ws?token=a%2Bb')).toBe('http://127.0.0.1:7420/api/session?token=a%2Bb');
    expect(sessionUrl('wss://[::1]:7420/ws?token=x')).toBe('https://[::1]:7420/api/session?token=x');
  });
});
