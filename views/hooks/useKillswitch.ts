import { useMemo, useRef } from 'react';
import type { Engagement } from '../../src/killswitch/state';
import { toIso } from '../../src/time/clock';
import type { ConsoleSource } from '../source';
import { attempt } from './useRuns';

export interface KillswitchView {
  /** In force now, the global engagement first. */
  engagements: Engagement[];
  /** The last read failure; the last known engagements stay on screen meanwhile. */
  error: string | null;
}

/**
 * The killswitch engagements in force, kept live: re-read when another process writes the
 * ledger (`version`, from useDataVersion: an engage or a release elsewhere) and each second
 * `now` moves, since an expiry lapses by time alone, with no write to notice. The read is
 * one small query (unreleased engagements are a handful of rows), so once a second is cheap.
 * A pinned clock (OPS_NOW) never moves: then only writes trigger a re-read.
 */
export function useKillswitch(source: ConsoleSource, version: number, now: number): KillswitchView {
  // Whole seconds: stored times are second-precision text, and "…00.500Z" sorts before "…00Z".
  const second = Math.floor(now / 1000);
  const lastGood = useRef<Engagement[]>([]);
  const read = useMemo(() => attempt(() => source.activeKillswitch(toIso(second * 1000))), [source, version, second]);
  if (read.ok) lastGood.current = read.value;
  return { engagements: read.ok ? read.value : lastGood.current, error: read.ok ? null : read.error };
}
