import type { ErrorCode } from '@ringside/shared';

/**
 * A command the agent refused, with the protocol's error code: raised by
 * whatever carries a command out (commands.ts, the lessons' runner, the
 * agent's reads), told to the client by the server.
 */
export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly problems?: { field: string; message: string }[],
  ) {
    super(message);
  }
}
