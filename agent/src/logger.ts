import { pino } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** Structured logs go to stderr, so stdout carries only what a user acts on (the URL). */
export function createLogger(level: LogLevel) {
  return pino({ level, base: null }, pino.destination({ dest: 2, sync: true }));
}
export type { Logger } from 'pino';
