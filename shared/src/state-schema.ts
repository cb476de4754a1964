import { z } from 'zod';
import { StateMessage } from './protocol.ts';

/**
 * The JSON Schema of the agent's state as `GET /api/state` serves it,
 * generated from the zod schema both ends validate against, so a script's
 * validator and the protocol cannot drift apart.
 */
export function stateJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(StateMessage.meta({ title: "Ringside's state" }), { io: 'output' });
}
