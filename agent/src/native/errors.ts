import { constants } from 'node:os';

/** The errno numbers by name (EINTR, EAGAIN...), as this platform defines them: the one table the native modules compare with. */
export const ERRNO = constants.errno;

const errnoNames = new Map<number, string>(Object.entries(ERRNO).map(([name, value]) => [value, name]));

export function errnoName(errno: number): string {
  return errnoNames.get(Math.abs(errno)) ?? `errno ${Math.abs(errno)}`;
}

/**
 * A refusal from the kernel, libc or libxdp. `errno` is positive; `hint` says
 * what the user can change, when the caller knows it.
 */
export class NativeError extends Error {
  override readonly name = 'NativeError';
  readonly code: string;

  constructor(
    readonly operation: string,
    readonly errno: number,
    readonly hint?: string,
  ) {
    const code = errnoName(errno);
    super(`${operation} failed: ${code}${hint ? ` (${hint})` : ''}`);
    this.code = code;
  }
}

/** libxdp returns -errno; libc returns -1 and sets errno. Both end here. */
export function checkNegativeErrno(
  operation: string,
  result: number,
  hint?: (code: string) => string | undefined,
): number {
  if (result >= 0) return result;
  const code = errnoName(-result);
  throw new NativeError(operation, -result, hint?.(code));
}
