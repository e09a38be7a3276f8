import type { Log } from '../../core/ports.js';

/** The log of one target's work: every line carries the target, so nothing of one reads as another's. */
export function targetLog(log: Log, target: string): Log {
  const withTarget = (fields?: Record<string, unknown>) => ({ ...fields, target });
  return {
    debug: (message, fields) => log.debug(message, withTarget(fields)),
    info: (message, fields) => log.info(message, withTarget(fields)),
    warn: (message, fields) => log.warn(message, withTarget(fields)),
    error: (message, fields) => log.error(message, withTarget(fields)),
  };
}
