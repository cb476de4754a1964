import { releaseAtLeast } from '@ringside/shared';

/**
 * Whether bind gives an AF_XDP socket on this kernel its queue's NAPI
 * instance, so SO_INCOMING_NAPI_ID can be read right after bind: since Linux
 * 6.13 ("xsk: Bring back busy polling support") for zero-copy sockets, and
 * since 6.15 for copy mode. On 5.11 to that release busy polling works as
 * well, but the socket learns its NAPI instance from the first frame it
 * receives: an id of 0 after bind says nothing there.
 */
export function napiKnownAtBind(release: string, zeroCopy: boolean): boolean {
  // A release we cannot read is not judged: better a socket that busy-polls nothing than a refusal in error.
  return releaseAtLeast(release, zeroCopy ? '6.13' : '6.15') === true;
}
