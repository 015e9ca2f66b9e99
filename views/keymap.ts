/**
 * Every key the console answers, in one table: the input handler dispatches from it and
 * the help screen (`?`) is generated from it, so the two cannot disagree.
 */

import { FILTER_HELP } from './filter';

export type Action = 'nextPanel' | 'prevPanel' | 'details' | 'back' | 'filter' | 'replay' | 'down' | 'up' | 'pageDown' | 'pageUp' | 'first' | 'last' | 'engage' | 'release' | 'help' | 'quit';

export interface KeyBinding {
  action: Action;
  /** As shown in the help. */
  label: string;
  help: string;
  matches(input: string, key: KeyInfo): boolean;
}

/** The part of Ink's key object the bindings look at. */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  ctrl?: boolean;
  tab?: boolean;
  shift?: boolean;
  return?: boolean;
  escape?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

export const keymap: readonly KeyBinding[] = [
  { action: 'nextPanel', label: 'Tab', help: 'next panel: runs, retry queue, KPIs, alerts, audit tickets', matches: (_i, k) => !!k.tab && !k.shift },
  { action: 'prevPanel', label: 'Shift-Tab', help: 'previous panel', matches: (_i, k) => !!k.tab && !!k.shift },
  { action: 'down', label: 'j / Down', help: 'next row', matches: (i, k) => i === 'j' || !!k.downArrow },
  { action: 'up', label: 'k / Up', help: 'previous row', matches: (i, k) => i === 'k' || !!k.upArrow },
  { action: 'pageDown', label: 'PgDn', help: 'next page', matches: (_i, k) => !!k.pageDown },
  { action: 'pageUp', label: 'PgUp', help: 'previous page', matches: (_i, k) => !!k.pageUp },
  { action: 'first', label: 'g / Home', help: 'first row', matches: (i, k) => i === 'g' || !!k.home },
  { action: 'last', label: 'G / End', help: 'last row', matches: (i, k) => i === 'G' || !!k.end },
  { action: 'details', label: 'Enter', help: "open the selected row: a run in full (attempts, failure and action, ops's retries, evidence sha256), an alert (figures, action), a retry entry (attempts, errors, evidence paths) or an audit ticket (its Markdown; j/k PgUp/PgDn scroll)", matches: (_i, k) => !!k.return },
  { action: 'back', label: 'Esc', help: 'back from the details (q too, there); else clears the runs filter', matches: (_i, k) => !!k.escape },
  { action: 'filter', label: '/', help: `filter runs as typed: ${FILTER_HELP}; Enter keeps, Esc cancels`, matches: (i) => i === '/' },
  { action: 'replay', label: 'r', help: 'replay the selected retry now (retry queue panel; the killswitch and budget still apply)', matches: (i) => i === 'r' },
  { action: 'engage', label: 'K', help: 'engage the killswitch: all workflows or one (type to filter), an expiry (none, 30m, 1h, 4h, 2h...), the reason, then type ENGAGE', matches: (i) => i === 'K' },
  { action: 'release', label: 'X', help: 'release the killswitch: which engagement (asked only when several), the reason, then type RELEASE', matches: (i) => i === 'X' },
  { action: 'help', label: '?', help: 'this help (any key closes it)', matches: (i) => i === '?' },
  { action: 'quit', label: 'q / Ctrl-C', help: 'quit (q in a details view goes back)', matches: (i, k) => i === 'q' || (!!k.ctrl && i === 'c') },
];

export const actionFor = (input: string, key: KeyInfo): Action | null => keymap.find((b) => b.matches(input, key))?.action ?? null;

/**
 * Keys that reached us in one read come as one string from Ink ("jjj", "\t\t", "deploy\r"):
 * typed faster than a frame, pasted, or queued while a query ran. Taken one at a time, so
 * none is lost and a prompt's Enter is not swallowed by the text before it.
 */
export function keystrokes(input: string, key: KeyInfo): [string, KeyInfo][] {
  if (input.length <= 1 || key.escape || key.ctrl) return [[input, key]];
  return [...input].map((ch) => [ch, ch === '\t' ? { tab: true } : ch === '\r' ? { return: true } : ch === '\x7f' || ch === '\b' ? { backspace: true } : {}]);
}
