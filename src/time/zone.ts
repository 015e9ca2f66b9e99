import { usageError } from '../cli/errors';

export const DEFAULT_TIMEZONE = 'Asia/Tokyo';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

let canonicalZones: Set<string> | undefined;

/**
 * Whether Intl knows the zone. The canonical names are checked first: a list costs ~2 ms to
 * get, the first DateTimeFormat ~17 ms (ICU's date formatting data), which a command that
 * only validates config.json (ops export postgres) would pay for nothing. Aliases (UTC,
 * Asia/Calcutta) and other spellings fall through to the formatter, which accepts them.
 */
export function isValidTimeZone(timeZone: string): boolean {
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonicalZones.has(timeZone)) return true;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function assertTimeZone(timeZone: string, subject: string): string {
  if (!isValidTimeZone(timeZone)) throw usageError(subject, `unknown time zone ${JSON.stringify(timeZone)} (use an IANA name such as Asia/Tokyo)`);
  return timeZone;
}

export interface ZonedParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

export function zonedParts(ms: number, timeZone: string): ZonedParts {
  const p: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(ms)) p[part.type] = part.value;
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute!, second: p.second! };
}

/** The calendar date (YYYY-MM-DD) of an instant in a zone: the name of its report folder (SPEC §1). */
export function zonedDate(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** YYYYMMDD_HHMMSS in a zone: the stamp in evidence file names. */
export function zonedStamp(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${p.year}${p.month}${p.day}_${p.hour}${p.minute}${p.second}`;
}

/** The UTC instant (epoch ms) at which calendar date YYYY-MM-DD begins in a zone. */
export function zonedMidnightUtc(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  // The zone's offset at a guess, applied twice: exact except inside a DST jump at midnight.
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const p = zonedParts(guess, timeZone);
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    guess = wall - (asUtc - guess);
  }
  return guess;
}

/** The UTC instants [start, end) of calendar date YYYY-MM-DD in a zone, as ISO text. */
export function zonedDayBounds(date: string, timeZone: string): [string, string] {
  const next = new Date(Date.parse(date + 'T00:00:00Z') + 86_400_000).toISOString().slice(0, 10);
  return [isoOf(zonedMidnightUtc(date, timeZone)), isoOf(zonedMidnightUtc(next, timeZone))];
}

const isoOf = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
