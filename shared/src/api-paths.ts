/**
 * Every path the agent serves besides the page and its assets, named once:
 * the server routes by these, the page links to them, and the tests ask them.
 */
export const API_PATHS = {
  /** The WebSocket: snapshots, state and events out, commands in. */
  webSocket: '/ws',
  /** Whether a token is good, asked without the WebSocket: 200 with the role or 401 with why. */
  session: '/api/session',
  /** Prometheus's text format. */
  metrics: '/metrics',
  /** The agent's state as a script reads it. */
  state: '/api/state',
  /** The JSON Schema `state` validates against, generated from the protocol's schemas. */
  stateSchema: '/api/state.schema.json',
  /** `?socket=ID&frames=N`: the next N frames the socket receives, as classic pcap. */
  capture: '/api/capture.pcap',
} as const;
