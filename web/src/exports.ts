/**
 * Where the agent writes a socket's next received frames as a pcap
 * (`/api/capture.pcap`), carrying the page's token: the page and the agent
 * share an origin, so the link downloads with no script. No frame count is
 * named: the agent then captures as many as it can keep.
 */
export function captureUrl(pageSearch: string, socketId: string): string {
  const token = new URLSearchParams(pageSearch).get('token') ?? '';
  return `/api/capture.pcap?${new URLSearchParams({ socket: socketId, token })}`;
}
