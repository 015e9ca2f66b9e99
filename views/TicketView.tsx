import { ticketMarkdown } from '../src/tickets/render';
import { cellWidth } from './columns';
import type { PagerLine } from './Pager';
import type { ConsoleTicket } from './source';

/**
 * An audit ticket (Enter on the audit tickets panel; Esc or q back): its Markdown, the same
 * text `ops audit ticket` writes to the `.md` file, rendered as plain text for the terminal:
 * headings as titles, tables as aligned columns (the last column wrapped when they are too
 * wide), `**bold**` and code marks dropped, links as `text (target)`.
 */
export function ticketLines(t: ConsoleTicket, width: number): PagerLine[] {
  const files = t.files === 'written' ? 'written' : t.files === 'partial' ? 'partly written' : t.files === 'missing' ? 'not written yet (ops audit ticket)' : 'unknown';
  return [{ text: `files: ${t.md_path} (${files})`, tone: 'label' }, ...markdownLines(ticketMarkdown(t), width)];
}

/** Markdown's inline marks, as text. */
const inline = (s: string) =>
  s
    .replace(/\[([^\]]*)\]\(([^)]*)\)/g, (_m, text: string, href: string) => (text === href ? text : `${text} (${decodeURIComponentSafe(href)})`))
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`]*)`/g, '$1');

const decodeURIComponentSafe = (s: string) => {
  try {
    return decodeURI(s);
  } catch {
    return s;
  }
};

/** The cells of a `| a | b |` row; `\|` is a pipe inside a cell. */
const cells = (row: string) =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => inline(c.trim().replace(/\\\|/g, '|')));

export function markdownLines(md: string, width: number): PagerLine[] {
  const out: PagerLine[] = [];
  const src = md.split('\n');
  for (let i = 0; i < src.length; i++) {
    const line = src[i]!;
    const heading = /^(#+)\s+(.*)$/.exec(line);
    if (heading) {
      out.push({ text: inline(heading[2]!), tone: heading[1]!.length === 1 ? 'title' : 'label' });
      continue;
    }
    if (line.startsWith('|')) {
      const rows: string[][] = [];
      let header: string[] | null = null;
      for (; i < src.length && src[i]!.startsWith('|'); i++) {
        if (/^\|[\s:|-]+\|$/.test(src[i]!)) continue; // the |---| rule under the header
        const r = cells(src[i]!);
        if (header === null) header = r;
        else rows.push(r);
      }
      i--;
      out.push(...table(header ?? [], rows, width));
      continue;
    }
    out.push({ text: inline(line) });
  }
  while (out.length && out.at(-1)!.text === '') out.pop();
  return out;
}

/**
 * A table as aligned columns. When it is wider than the screen, every column but the last
 * keeps its width and the last gets what is left (the pager wraps it under itself).
 */
function table(header: string[], rows: string[][], width: number): PagerLine[] {
  const n = Math.max(header.length, ...rows.map((r) => r.length));
  const w = Array.from({ length: n }, (_, c) => Math.max(cellWidth(header[c] ?? ''), ...rows.map((r) => cellWidth(r[c] ?? ''))));
  const lead = w.slice(0, -1).reduce((a, b) => a + b + 2, 0);
  const line = (r: string[]) => {
    const text = r.map((c, j) => (j < n - 1 ? c + ' '.repeat(Math.max(0, w[j]! - cellWidth(c))) : c)).join('  ');
    if (cellWidth(text) <= width || lead > width / 2) return text.trimEnd();
    // Too wide: the last cell continues on rows of its own, under itself.
    const head = text.slice(0, lead);
    const rest = text.slice(lead);
    const room = width - lead;
    const parts: string[] = [];
    let row = '';
    for (const word of rest.split(' ')) {
      if (row && cellWidth(row) + 1 + cellWidth(word) > room) {
        parts.push(row);
        row = word;
      } else row = row ? `${row} ${word}` : word;
    }
    parts.push(row);
    return parts.map((p, k) => (k === 0 ? head : ' '.repeat(lead)) + p).join('\n');
  };
  const out: PagerLine[] = [];
  if (header.some((h) => h)) out.push(...line(header).split('\n').map((text) => ({ text, tone: 'label' as const })));
  for (const r of rows) out.push(...line(r).split('\n').map((text) => ({ text })));
  return out;
}
