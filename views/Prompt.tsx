import { Box, Text } from 'ink';
import { parseDuration } from '../src/cli/parse';
import { GLOBAL, scopeLabel } from '../src/killswitch/state';
import { toIso } from '../src/time/clock';
import { wrapWords } from './KillswitchBanner';
import { alarm, dim, warn } from './theme';

/**
 * What K and X ask before they act, as `ops killswitch --scope W --expires D --reason R`
 * (`--release`) takes it: the scope (all workflows, or one the ledger knows; for X, one of
 * those engaged), for K the expiry, the reason, then a typed confirmation word. Each step's
 * answer is kept when going back (Backspace on an empty line) or after a wrong word: what
 * was typed is never thrown away, only Esc discards it.
 */
export type PromptStep = 'scope' | 'expiry' | 'reason' | 'confirm';

export interface Expiry {
  label: string;
  /** null: never lapses. */
  ms: number | null;
}

export interface PromptState {
  action: 'engage' | 'release';
  step: PromptStep;
  /** The scopes offered (GLOBAL for all workflows): K every workflow the ledger knows, X those engaged. */
  choices: string[];
  /** Scopes engaged now: marked in K's list (engaging one again changes nothing). */
  engaged: string[];
  scope: string;
  expiry: Expiry;
  reason: string;
  /** What is typed on the current step: a filter, a duration, the reason, the word. */
  text: string;
  /** The highlighted option of a list step, among those the filter leaves. */
  pick: number;
  /** Why the last Enter did not go on (a wrong word, no match): shown until the next key. */
  note: string | null;
}

/** What the prompt decided: the scope, expiry and reason to act with. */
export interface PromptAct {
  action: 'engage' | 'release';
  scope: string;
  expiresInMs: number | null;
  reason: string;
}

export const NEVER: Expiry = { label: 'none', ms: null };
/** The expiries offered; any `--expires` duration (90m, 2h, 1d) can be typed instead. */
export const EXPIRIES: readonly Expiry[] = [NEVER, ...['30m', '1h', '4h'].map((label) => ({ label, ms: parseDuration(label) }))];

export const confirmWord = (p: Pick<PromptState, 'action'>) => (p.action === 'engage' ? 'ENGAGE' : 'RELEASE');

/**
 * K or X pressed: the prompt's first step, or why there is nothing to ask. X with one
 * engagement releases that one (no list to choose from); with none it says so at once
 * instead of asking a reason for nothing.
 */
export function startPrompt(action: 'engage' | 'release', workflows: readonly string[], engaged: readonly string[]): { next: PromptState } | { cancel: string } {
  const base = { action, engaged: [...engaged], scope: GLOBAL, expiry: NEVER, reason: '', text: '', pick: 0, note: null };
  if (action === 'engage') {
    // Engaged scoped workflows stay offered even if no run of theirs is in the ledger.
    const named = [...new Set([...workflows, ...engaged.filter((s) => s !== GLOBAL)])];
    return { next: { ...base, step: 'scope', choices: [GLOBAL, ...named] } };
  }
  if (engaged.length === 0) return { cancel: 'the killswitch is not engaged: nothing to release' };
  if (engaged.length === 1) return { next: { ...base, step: 'reason', choices: [...engaged], scope: engaged[0]! } };
  return { next: { ...base, step: 'scope', choices: [...engaged] } };
}

const norm = (s: string) => s.trim().toLowerCase();

/**
 * The scopes the typed text leaves, case ignored: a name typed in full first, then those
 * containing the text. "all" or "*" finds all workflows.
 */
export function scopeOptions(p: Pick<PromptState, 'choices' | 'text'>): string[] {
  const t = norm(p.text);
  if (!t) return p.choices;
  const name = (s: string) => (s === GLOBAL ? 'all workflows *' : s.toLowerCase());
  const hits = p.choices.filter((s) => name(s).includes(t));
  const exact = hits.filter((s) => s.toLowerCase() === t);
  return [...exact, ...hits.filter((s) => !exact.includes(s))];
}

/** The expiries the typed text leaves: a valid duration itself, else the offered ones it starts. */
export function expiryOptions(text: string): Expiry[] {
  const t = norm(text);
  if (!t) return [...EXPIRIES];
  const ms = parseDuration(t);
  if (ms !== null && ms > 0) return [{ label: t, ms }];
  return EXPIRIES.filter((e) => e.label.startsWith(t) || (e === NEVER && 'never'.startsWith(t)));
}

export type PromptKey = { return?: boolean; escape?: boolean; backspace?: boolean; delete?: boolean; upArrow?: boolean; downArrow?: boolean };

/** Applies one key to the prompt: the next state, or a decision. Pure: the App holds the state. */
export function promptKey(p: PromptState, input: string, key: PromptKey): { next: PromptState } | { cancel: string } | { act: PromptAct } {
  if (key.escape) return { cancel: 'cancelled: nothing changed' };
  const listed = p.step === 'scope' ? scopeOptions(p).length : p.step === 'expiry' ? expiryOptions(p.text).length : 0;
  if (key.upArrow || key.downArrow) {
    if (!listed) return { next: p };
    return { next: { ...p, pick: (p.pick + (key.downArrow ? 1 : listed - 1)) % listed, note: null } };
  }
  if (key.backspace || key.delete) {
    if (p.text) return { next: { ...p, text: p.text.slice(0, -1), pick: 0, note: null } };
    return { next: back(p) };
  }
  if (key.return) return enter(p);
  // Printable text only (a paste arrives as one string); control sequences are ignored.
  const printable = input.replace(/[\u0000-\u001f\u007f]/g, '');
  if (!printable) return { next: p };
  return { next: { ...p, text: p.text + printable, pick: 0, note: null } };
}

/** Backspace on an empty line: the step before, with its answer to edit (the reason kept). */
function back(p: PromptState): PromptState {
  const steps = stepsOf(p);
  const i = steps.indexOf(p.step);
  if (i <= 0) return { ...p, note: null };
  const prev = steps[i - 1]!;
  const reason = p.step === 'reason' ? p.text : p.reason;
  // Back on a list, the highlight is on the answer given.
  const pick = prev === 'scope' ? Math.max(0, p.choices.indexOf(p.scope)) : prev === 'expiry' ? Math.max(0, EXPIRIES.findIndex((e) => e.label === p.expiry.label)) : 0;
  return { ...p, step: prev, reason, text: prev === 'reason' ? reason : '', pick, note: null };
}

/** The steps this prompt goes through: X with one engagement has no scope to choose, X no expiry. */
export function stepsOf(p: Pick<PromptState, 'action' | 'choices'>): PromptStep[] {
  if (p.action === 'engage') return ['scope', 'expiry', 'reason', 'confirm'];
  return p.choices.length > 1 ? ['scope', 'reason', 'confirm'] : ['reason', 'confirm'];
}

function enter(p: PromptState): { next: PromptState } | { act: PromptAct } {
  switch (p.step) {
    case 'scope': {
      const options = scopeOptions(p);
      const scope = options[Math.min(p.pick, options.length - 1)];
      if (scope === undefined) {
        const what = p.action === 'engage' ? 'no workflow the ledger knows' : 'nothing engaged';
        return { next: { ...p, note: `${what} matches ${JSON.stringify(p.text.trim())}: Backspace to change it` } };
      }
      return { next: { ...p, scope, step: p.action === 'engage' ? 'expiry' : 'reason', text: p.action === 'engage' ? '' : p.reason, pick: 0, note: null } };
    }
    case 'expiry': {
      const options = expiryOptions(p.text);
      const expiry = options[Math.min(p.pick, options.length - 1)];
      if (expiry === undefined) return { next: { ...p, note: `not a duration: ${JSON.stringify(p.text.trim())} (30m, 4h, 1d, as --expires)` } };
      return { next: { ...p, expiry, step: 'reason', text: p.reason, pick: 0, note: null } };
    }
    case 'reason': {
      const reason = p.text.trim();
      if (!reason) return { next: { ...p, note: 'a reason is required: it goes to the audit log with your name' } };
      return { next: { ...p, step: 'confirm', reason, text: '', note: null } };
    }
    case 'confirm':
      if (p.text === confirmWord(p)) return { act: { action: p.action, scope: p.scope, expiresInMs: p.action === 'engage' ? p.expiry.ms : null, reason: p.reason } };
      // Asked again, everything kept: a typo must not cost the reason typed in an emergency.
      return { next: { ...p, text: '', note: `${JSON.stringify(p.text)} is not ${confirmWord(p)}: type ${confirmWord(p)} (capitals) to go ahead, Esc to cancel` } };
  }
}

/** The input line, the screen's last row: what to type now, with what is typed so far. */
export function promptLine(p: PromptState): string {
  switch (p.step) {
    case 'scope':
      return `${p.action === 'engage' ? 'stop which workflows' : 'release which'}> ${p.text}_  (type to filter, Up/Down, Enter: pick, Esc: cancel)`;
    case 'expiry':
      return `expires> ${p.text}_  (none, 30m, 1h, 4h or a duration: 90m, 2d; Enter: pick)`;
    case 'reason':
      return `reason> ${p.text}_`;
    case 'confirm':
      return `type ${confirmWord(p)} to confirm> ${p.text}_  (Backspace: edit, Esc: cancel)`;
  }
}

const scopeName = (s: string) => (s === GLOBAL ? 'all workflows' : s);

/**
 * The prompt's box, in place of the panel: what will be done (scope, expiry), the reason
 * wrapped to the width (its end while typed, its start once given; cut rows are counted),
 * the list to pick from, and why the last Enter did not go on. `rows` rows; the input line
 * is drawn apart, on the screen's last row, so it is never pushed off by a long reason.
 */
export function promptBoxLines(p: PromptState, rows: number, width: number, now: number): { text: string; paint?: 'title' | 'label' | 'note' | 'pick' }[] {
  const head: { text: string; paint?: 'title' | 'label' | 'note' | 'pick' }[] = [];
  const verb = p.action === 'engage' ? 'ENGAGE the killswitch' : 'RELEASE the killswitch';
  head.push({ text: `${verb}  (as ops killswitch${p.action === 'release' ? ' --release: audit log, log line' : ': audit log, log line, ticket'})`, paint: 'title' });
  const steps = stepsOf(p);
  // A step answered shows its answer; X with one engagement never asks the scope: it is given.
  const answer = (s: PromptStep, text: string) => (steps.indexOf(s) < steps.indexOf(p.step) || !steps.includes(s) ? text : s === p.step ? '(choosing)' : '-');
  head.push({ text: `scope:   ${answer('scope', scopeLabel(p.scope))}` });
  if (p.action === 'engage') {
    const until = p.expiry.ms === null ? 'none (until released)' : `in ${p.expiry.label} (at ${toIso(Math.floor((now + p.expiry.ms) / 1000) * 1000)} if engaged now)`;
    head.push({ text: `expires: ${answer('expiry', until)}` });
  }
  const tail = p.note ? [{ text: p.note, paint: 'note' as const }] : [];
  const room = Math.max(0, rows - head.length - tail.length);

  let body: typeof head = [];
  if (p.step === 'scope' || p.step === 'expiry') {
    const options = p.step === 'scope' ? scopeOptions(p).map((s) => `${scopeName(s)}${p.action === 'engage' && p.engaged.includes(s) ? '  (engaged)' : ''}`) : expiryOptions(p.text).map((e) => e.label);
    const pick = Math.min(p.pick, options.length - 1);
    // A window of the list that keeps the highlight in view.
    const shown = Math.max(1, room);
    const top = Math.max(0, Math.min(pick - Math.floor(shown / 2), options.length - shown));
    body = options.slice(top, top + shown).map((o, i) => (top + i === pick ? { text: `> ${o}`, paint: 'pick' as const } : { text: `  ${o}` }));
    if (!options.length) body = [{ text: '  (nothing matches)', paint: 'label' as const }];
  } else {
    const reason = p.step === 'reason' ? p.text + '_' : p.reason;
    const wrapped = wrapWords(`reason:  ${reason}`, Math.max(10, width));
    const shown = Math.max(1, room);
    if (wrapped.length <= shown) body = wrapped.map((text) => ({ text }));
    else if (p.step === 'reason') body = [{ text: `(${wrapped.length - shown + 1} rows above)`, paint: 'label' as const }, ...wrapped.slice(-(shown - 1)).map((text) => ({ text }))].slice(-shown);
    else body = [...wrapped.slice(0, shown - 1).map((text) => ({ text })), { text: `(${wrapped.length - shown + 1} more rows; Backspace to see and edit)`, paint: 'label' as const }].slice(0, shown);
  }
  // On a short screen the list or reason and the note come first; then scope, expiry, title.
  const keepHead = Math.max(0, rows - body.length - tail.length);
  return [...head.slice(head.length - Math.min(head.length, keepHead)), ...body, ...tail].slice(0, rows);
}

export function PromptBox({ prompt, rows, width, now, color }: { prompt: PromptState; rows: number; width: number; now: number; color: boolean }) {
  const lines = promptBoxLines(prompt, rows, width, now);
  // The note (why Enter did not go on) sits on the row just above the input line, where the eyes are.
  const note = lines.at(-1)?.paint === 'note' ? lines.pop() : undefined;
  return (
    <Box flexDirection="column" width={width} height={rows} overflow="hidden">
      {lines.map((l, i) => (
        <Text
          key={i}
          wrap="truncate-end"
          {...(l.paint === 'title' ? (prompt.action === 'engage' ? alarm(color) : { bold: color || undefined }) : l.paint === 'note' ? warn(color) : l.paint === 'label' ? dim(color) : l.paint === 'pick' ? { inverse: color || undefined } : {})}
        >
          {l.text}
        </Text>
      ))}
      {note ? (
        <>
          <Box flexGrow={1} />
          <Text wrap="truncate-end" {...warn(color)}>
            {note.text}
          </Text>
        </>
      ) : null}
    </Box>
  );
}

export function PromptLine({ prompt, width, color }: { prompt: PromptState; width: number; color: boolean }) {
  return (
    <Box width={width}>
      {/* The reason's end (where the cursor is) stays visible; the other steps' lines start
          with what to do, so their end is what may be cut. */}
      <Text {...(prompt.action === 'engage' ? alarm(color) : {})} wrap={prompt.step === 'reason' ? 'truncate-start' : 'truncate-end'}>
        {promptLine(prompt)}
      </Text>
    </Box>
  );
}

export function HelpList({ rows, width, color }: { rows: { label: string; help: string }[]; width: number; color: boolean }) {
  const pad = Math.max(...rows.map((r) => r.label.length)) + 2;
  return (
    <Box flexDirection="column" width={width}>
      {rows.map((r) => (
        <Text key={r.label} wrap="truncate-end">
          {r.label.padEnd(pad)}
          <Text {...dim(color)}>{r.help}</Text>
        </Text>
      ))}
    </Box>
  );
}
