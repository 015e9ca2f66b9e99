import { Box, Text } from 'ink';
import { alarm, dim } from './theme';

/** A reason, then a typed confirmation word: what K and X ask before they act. */
export interface PromptState {
  action: 'engage' | 'release';
  step: 'reason' | 'confirm';
  reason: string;
  text: string;
}

export const confirmWord = (p: Pick<PromptState, 'action'>) => (p.action === 'engage' ? 'ENGAGE' : 'RELEASE');

export function promptLine(p: PromptState): string {
  const what = p.action === 'engage' ? 'ENGAGE the killswitch for all workflows' : 'RELEASE the killswitch for all workflows';
  return p.step === 'reason'
    ? `${what}: reason> ${p.text}_  (Enter: next, Esc: cancel)`
    : `type ${confirmWord(p)} to confirm (reason: ${p.reason})> ${p.text}_  (Esc: cancel)`;
}

/** Applies one key to the prompt: the next state, or a decision. */
export function promptKey(p: PromptState, input: string, key: { return?: boolean; escape?: boolean; backspace?: boolean; delete?: boolean }):
  | { next: PromptState }
  | { cancel: string }
  | { act: string } {
  if (key.escape) return { cancel: 'cancelled: nothing changed' };
  if (key.backspace || key.delete) return { next: { ...p, text: p.text.slice(0, -1) } };
  if (key.return) {
    if (p.step === 'reason') {
      const reason = p.text.trim();
      if (!reason) return { next: p }; // a reason is required: Enter on a blank line does nothing
      return { next: { ...p, step: 'confirm', reason, text: '' } };
    }
    return p.text === confirmWord(p) ? { act: p.reason } : { cancel: `confirmation did not match ${confirmWord(p)}: nothing changed` };
  }
  // Printable text only (a paste arrives as one string); control sequences are ignored.
  const printable = input.replace(/[\u0000-\u001f\u007f]/g, '');
  return { next: { ...p, text: p.text + printable } };
}

export function PromptLine({ prompt, width, color }: { prompt: PromptState; width: number; color: boolean }) {
  return (
    <Box width={width}>
      <Text {...(prompt.action === 'engage' ? alarm(color) : {})} wrap="truncate-start">
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
