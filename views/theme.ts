import type { StateTone } from '../src/runs/format';

/**
 * Props for Ink's <Text>. With colour off every colour is left undefined (not "white"),
 * so Ink emits no escape codes at all: NO_COLOR output is plain text.
 */
export interface Paint {
  color?: string;
  backgroundColor?: string;
  dimColor?: boolean;
  bold?: boolean;
}

const toneColor: Record<Exclude<StateTone, 'muted'>, string> = { good: 'green', bad: 'red', active: 'yellow' };

export function tonePaint(tone: StateTone, color: boolean): Paint {
  if (!color) return {};
  return tone === 'muted' ? { dimColor: true } : { color: toneColor[tone] };
}

export const dim = (color: boolean): Paint => (color ? { dimColor: true } : {});
export const accent = (color: boolean): Paint => (color ? { color: 'cyan', bold: true } : {});
export const warn = (color: boolean): Paint => (color ? { color: 'red' } : {});
/** The killswitch banner: bold bright white on red, the one thing on screen that shouts. */
export const alarm = (color: boolean): Paint => (color ? { color: 'whiteBright', backgroundColor: 'red', bold: true } : {});
