import { useEffect, useState } from 'react';

/**
 * "Now" for ages, re-read from `clock` every `everyMs`. A pinned clock (OPS_NOW) returns the
 * same value each time, so React skips the re-render and the screen is reproducible.
 */
export function useNow(clock: () => number, everyMs = 1000): number {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    const timer = setInterval(() => setNow(clock()), everyMs);
    return () => clearInterval(timer);
  }, [clock, everyMs]);
  return now;
}
