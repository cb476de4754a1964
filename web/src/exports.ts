import { API_PATHS } from '@ringside/shared';

/**
 * Where the agent writes a socket's next received frames as a pcap,
 * carrying the page's token: the page and the agent share an origin, so the
 * link downloads with no script. No frame count is named: the agent then
 * captures as many as it can keep.
 */
export function captureUrl(pageSearch: string, socketId: string): string {
  const token = new URLSearchParams(pageSearch).get('token') ?? '';
  return `${API_PATHS.capture}?${new URLSearchParams({ socket: socketId, token })}`;
}
