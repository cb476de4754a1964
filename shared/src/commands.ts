import { z } from 'zod';
import {
  Attach,
  ClientHello,
  CreateSocket,
  DestroySocket,
  Detach,
  FeedSameFrame,
  InjectInvalidFill,
  InjectInvalidTx,
  InspectSocket,
  type Parsed,
  PauseStages,
  parseJson,
  ReadFrame,
  ReconfigureSocket,
  RefreshKernelView,
  ResumeStages,
  Resync,
  type Role,
  RunScenario,
  SendTxDescriptors,
  type ServerMessage,
  SetSnapshotRate,
  SetSocketTraffic,
  SetTraffic,
  SetXdpProgram,
  Step,
  Subscribe,
} from './protocol.ts';

/**
 * Every message a client may send, once: its schema, the least role that may
 * send it and what the agent answers. The client union, the view allow-list,
 * the server's dispatch and the page's command type all come from this table,
 * so a message added here is refused to a view client until its entry says
 * `view`.
 */
interface CommandSpec<Type extends string> {
  schema: z.ZodObject<{ type: z.ZodLiteral<Type> }>;
  /** `view`: only reads, so an audience may send it too; `control`: changes what the agent does. */
  role: Role;
  /** The message type of the answer (after which no other answer to the request comes); `hello` has no request id. */
  answers: Extract<ServerMessage['type'], 'hello' | 'ack' | 'socketDetail' | 'frameBytes'>;
}

function commandTable<Table extends { [Type in keyof Table & string]: CommandSpec<Type> }>(table: Table): Table {
  return table;
}

export const COMMANDS = commandTable({
  /** Answered with the agent's hello, then its state. */
  hello: { schema: ClientHello, role: 'view', answers: 'hello' },
  setSnapshotRate: { schema: SetSnapshotRate, role: 'view', answers: 'ack' },
  /** A fresh state and a whole snapshot, then the ack. */
  resync: { schema: Resync, role: 'view', answers: 'ack' },
  /** Acked, then the socket's detail comes with the snapshots. */
  subscribe: { schema: Subscribe, role: 'view', answers: 'ack' },
  inspectSocket: { schema: InspectSocket, role: 'view', answers: 'socketDetail' },
  readFrame: { schema: ReadFrame, role: 'view', answers: 'frameBytes' },
  /** Acked once read; the new state (with the socket's kernel view) goes to every client. */
  refreshKernelView: { schema: RefreshKernelView, role: 'view', answers: 'ack' },
  setTraffic: { schema: SetTraffic, role: 'control', answers: 'ack' },
  createSocket: { schema: CreateSocket, role: 'control', answers: 'ack' },
  reconfigureSocket: { schema: ReconfigureSocket, role: 'control', answers: 'ack' },
  destroySocket: { schema: DestroySocket, role: 'control', answers: 'ack' },
  pauseStages: { schema: PauseStages, role: 'control', answers: 'ack' },
  resumeStages: { schema: ResumeStages, role: 'control', answers: 'ack' },
  step: { schema: Step, role: 'control', answers: 'ack' },
  setSocketTraffic: { schema: SetSocketTraffic, role: 'control', answers: 'ack' },
  injectInvalidTx: { schema: InjectInvalidTx, role: 'control', answers: 'ack' },
  injectInvalidFill: { schema: InjectInvalidFill, role: 'control', answers: 'ack' },
  feedSameFrame: { schema: FeedSameFrame, role: 'control', answers: 'ack' },
  sendTxDescriptors: { schema: SendTxDescriptors, role: 'control', answers: 'ack' },
  setXdpProgram: { schema: SetXdpProgram, role: 'control', answers: 'ack' },
  attach: { schema: Attach, role: 'control', answers: 'ack' },
  detach: { schema: Detach, role: 'control', answers: 'ack' },
  /** Acked once the lesson has run (or was refused); its outcome goes to every client in the state's lessons. */
  runScenario: { schema: RunScenario, role: 'control', answers: 'ack' },
});

type Commands = typeof COMMANDS;
export type CommandType = keyof Commands;
export const COMMAND_TYPES = Object.keys(COMMANDS) as CommandType[];

type Schemas = Commands[CommandType]['schema'];
export const ClientMessage = z.discriminatedUnion(
  'type',
  COMMAND_TYPES.map((type) => COMMANDS[type].schema) as [Schemas, ...Schemas[]],
);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** The message of one type. */
export type CommandOf<Type extends CommandType> = Extract<ClientMessage, { type: Type }>;

type TypesWhere<Key extends 'role' | 'answers', Value> = {
  [Type in CommandType]: Commands[Type][Key] extends Value ? Type : never;
}[CommandType];

/** What only a control client may send: the commands the agent itself carries out. */
export type ControlCommand = CommandOf<TypesWhere<'role', 'control'>>;
/** What a view client may send: the server answers these itself, from what it observes. */
export type ViewCommand = CommandOf<TypesWhere<'role', 'view'>>;
/** Every message that carries a request id and gets exactly one answer or error for it. */
export type ClientRequest = CommandOf<Exclude<CommandType, TypesWhere<'answers', 'hello'>>>;

/** Deny by default: only an entry that says `view` lets a view client send it. */
export function roleMaySend(role: Role, type: CommandType): boolean {
  return role === 'control' || COMMANDS[type].role === 'view';
}

export function isControlCommand(message: ClientMessage): message is ControlCommand {
  return COMMANDS[message.type].role === 'control';
}

export function parseClientMessage(text: string): Parsed<ClientMessage> {
  return parseJson(ClientMessage, text);
}
