/**
 * Whether bind gives an AF_XDP socket on this kernel its queue's NAPI
 * instance, so SO_INCOMING_NAPI_ID can be read right after bind: since Linux
 * 6.13 ("xsk: Bring back busy polling support") for zero-copy sockets, and
 * since 6.15 for copy mode. On 5.11 to that release busy polling works as
 * well, but the socket learns its NAPI instance from the first frame it
 * receives: an id of 0 after bind says nothing there.
 */
export function napiKnownAtBind(release: string, zeroCopy: boolean): boolean {
  const version = /^(\d+)\.(\d+)/.exec(release);
  // A release we cannot read is not judged: better a socket that busy-polls nothing than a refusal in error.
  if (!version) return false;
  const [major, minor] = [Number(version[1]), Number(version[2])];
  const since = zeroCopy ? 13 : 15;
  return major > 6 || (major === 6 && minor >= since);
}
