import { pino } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** JSON for machines (a pipe, a journal, a harness); lines a person reads for a terminal. */
export type LogFormat = 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/** What a run logs in when no format is asked for: what stderr is connected to decides. */
export function defaultLogFormat(stderrIsTerminal: boolean): LogFormat {
  return stderrIsTerminal ? 'pretty' : 'json';
}

/**
 * Logs go to stderr, so stdout carries only what a user acts on (the URLs).
 * Both formats write synchronously: the last lines before an exit (a fatal
 * error, the lab being removed) must not be lost in a buffer or a worker.
 */
export function createLogger(level: LogLevel, format: LogFormat = 'json') {
  if (format === 'json') return pino({ level, base: null }, pino.destination({ dest: 2, sync: true }));
  const pretty = PinoPretty({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
  return pino({ level, base: null }, pretty);
}
export type { Logger } from 'pino';
