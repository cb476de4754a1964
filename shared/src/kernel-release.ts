/**
 * Whether a kernel release (uname -r: "6.12.48+deb13-amd64") is `since`
 * ("6.15") or later, by major and minor; null when either does not read as
 * one, for each caller to judge what an unknown release means to it.
 */
export function releaseAtLeast(release: string, since: string): boolean | null {
  const have = /^(\d+)\.(\d+)/.exec(release);
  const want = /^(\d+)\.(\d+)/.exec(since);
  if (!have || !want) return null;
  const [major, minor] = [Number(have[1]), Number(have[2])];
  const [sinceMajor, sinceMinor] = [Number(want[1]), Number(want[2])];
  return major > sinceMajor || (major === sinceMajor && minor >= sinceMinor);
}
