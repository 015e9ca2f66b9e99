/** Small Markdown helpers: GitHub-flavoured tables that survive any cell text. */

export const mdCell = (v: unknown) => String(v ?? '-').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function mdTable(headers: string[], rows: unknown[][], align: ('l' | 'r')[] = []): string {
  const rule = headers.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [headers, rule].map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n' + rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`).join('\n') + (rows.length ? '\n' : '');
}
