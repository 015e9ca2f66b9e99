const BARS = '▁▂▃▄▅▆▇█';

/**
 * One bar per value, scaled from the series' minimum (▁) to its maximum (█): a week of
 * success rates moves between 85 % and 95 %, which a 0–100 % scale would draw as one flat
 * line. So print the range beside it. A flat series is drawn mid-height (nothing to
 * compare); a missing value (a day without finished runs) is a space.
 */
export function sparkline(values: readonly (number | null)[]): string {
  const present = values.filter((v): v is number => v !== null);
  if (!present.length) return values.map(() => ' ').join('');
  const min = Math.min(...present);
  const max = Math.max(...present);
  return values
    .map((v) => {
      if (v === null) return ' ';
      if (max === min) return BARS[3];
      return BARS[Math.round(((v - min) / (max - min)) * (BARS.length - 1))];
    })
    .join('');
}
