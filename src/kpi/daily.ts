import { toIso } from '../time/clock';
import { zonedDate, zonedMidnightUtc } from '../time/zone';
import type { DayRange } from './types';

/** YYYY-MM-DD plus n calendar days: date arithmetic, no time zone involved. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/**
 * The last `count` calendar days in a time zone, oldest first, today last: each from its
 * local midnight to the next (a DST day is 23 or 25 hours), today ending at `now`, so the
 * trend never counts runs stamped ahead of the clock. A run belongs to the day on which it
 * started in that zone, as its report folder does (SPEC §1).
 */
export function calendarDays(now: number, timeZone: string, count = 7): DayRange[] {
  const today = zonedDate(now, timeZone);
  const days: DayRange[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const date = addDays(today, -i);
    const end = i === 0 ? now : zonedMidnightUtc(addDays(date, 1), timeZone);
    days.push({ date, since: toIso(zonedMidnightUtc(date, timeZone)), until: toIso(end) });
  }
  return days;
}
