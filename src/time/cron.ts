import { Cron } from 'croner';

/**
 * Cron expressions (5 fields, or 6 with seconds first) through croner: time-zone aware, and
 * DST-safe (a time that does not exist on a spring-forward day runs at the first instant after
 * it; a time that happens twice on a fall-back day runs once).
 */

/** What is wrong with a cron expression, or null. */
export function cronProblem(expr: string): string | null {
  try {
    new Cron(expr, { paused: true });
    return null;
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '');
  }
}

/** The first instant strictly after `afterMs` the expression names, in `timeZone`; null if none. */
export function nextCron(expr: string, timeZone: string, afterMs: number): number | null {
  const next = new Cron(expr, { paused: true, timezone: timeZone }).nextRun(new Date(afterMs));
  return next ? next.getTime() : null;
}
