import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ClientMessage,
  type ClientRequest,
  COMMAND_TYPES,
  COMMANDS,
  type ControlCommand,
  isControlCommand,
  roleMaySend,
} from './commands.ts';
import { XDP_ACTIONS, XDP_STATISTICS_FIELDS, XdpActions, XdpStatistics } from './protocol.ts';

describe('the command table', () => {
  it('names each message by the type its schema parses', () => {
    for (const type of COMMAND_TYPES) expect(COMMANDS[type].schema.shape.type.value).toBe(type);
  });

  it('is the client union, member for member', () => {
    expect(ClientMessage.options.map((option) => option.shape.type.value).sort()).toEqual([...COMMAND_TYPES].sort());
  });

  it('lets a view client send only what its entry marks view, and a control client everything', () => {
    for (const type of COMMAND_TYPES) {
      expect(roleMaySend('control', type)).toBe(true);
      expect(roleMaySend('view', type)).toBe(COMMANDS[type].role === 'view');
    }
    expect(COMMAND_TYPES.filter((type) => roleMaySend('view', type)).sort()).toEqual(
      ['hello', 'inspectSocket', 'readFrame', 'refreshKernelView', 'resync', 'setSnapshotRate', 'subscribe'].sort(),
    );
  });

  it('hands the agent exactly the control commands', () => {
    expect(isControlCommand({ type: 'destroySocket', requestId: 'a', socketId: 'xsk0' })).toBe(true);
    expect(isControlCommand({ type: 'readFrame', requestId: 'a', socketId: 'xsk0', frame: 0 })).toBe(false);
    expectTypeOf<ControlCommand['type']>().toEqualTypeOf<
      | 'setTraffic'
      | 'createSocket'
      | 'reconfigureSocket'
      | 'destroySocket'
      | 'pauseStages'
      | 'resumeStages'
      | 'step'
      | 'setSocketTraffic'
      | 'injectInvalidTx'
      | 'injectInvalidFill'
      | 'feedSameFrame'
      | 'sendTxDescriptors'
      | 'setXdpProgram'
      | 'attach'
      | 'detach'
      | 'runScenario'
    >();
    expectTypeOf<ClientRequest['type']>().toEqualTypeOf<Exclude<ClientMessage['type'], 'hello'>>();
  });
});

describe('key lists come from their schemas', () => {
  it('lists every XDP_STATISTICS field and every program action once, in schema order', () => {
    expect(XDP_STATISTICS_FIELDS).toEqual(Object.keys(XdpStatistics.shape));
    expect(XDP_ACTIONS).toEqual(Object.keys(XdpActions.shape));
    expect(XDP_ACTIONS).toContain('wrongQueue');
  });
});
