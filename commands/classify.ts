import { defineCommand } from '../src/cli/command';
import { usageError } from '../src/cli/errors';
import { printJson } from '../src/cli/output';

export default defineCommand({
  command: 'classify',
  needsWorkspace: false,
  describe: 'Classify a failure from an HTTP status, an exit code and/or error text: class, cause, retryable, risk, recommended action',
  builder: (y) =>
    y
      .options({
        'http-status': { type: 'number', describe: 'HTTP status of the failed call (wins over one found in the text)' },
        'exit-code': { type: 'number', describe: 'Exit code of the failed command' },
        file: { type: 'string', describe: 'A log or stderr file to read (- for stdin)' },
        text: { type: 'string', describe: 'The error text itself' },
      })
      .conflicts('file', 'text')
      .example(`$0 classify --text "HTTP 403: Resource not accessible by integration (https://api.github.com/...)"`, '')
      .example('gh run rerun 123 2>&1 | $0 classify --file - --json', ''),
  async run(args, ctx) {
    const status = args['http-status'] as number | undefined;
    if (status !== undefined && (!Number.isInteger(status) || status < 100 || status > 599)) throw usageError('--http-status', `expected an HTTP status from 100 to 599, got ${JSON.stringify(status)}`);
    const exitCode = args['exit-code'] as number | undefined;
    if (exitCode !== undefined && (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255)) throw usageError('--exit-code', `expected 0 to 255, got ${JSON.stringify(exitCode)}`);
    let text = args.text as string | undefined;
    if (args.file !== undefined) {
      const { openInput } = await import('../src/cli/input');
      const input = openInput(String(args.file), ctx.io);
      const chunks: Buffer[] = [];
      for await (const c of input.stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
      text = Buffer.concat(chunks).toString('utf8');
    }
    if (status === undefined && exitCode === undefined && text === undefined) throw usageError('classify', 'nothing to classify: give --http-status, --exit-code, --file or --text');
    const { classify } = await import('../src/retry/classify');
    const c = classify({ httpStatus: status ?? null, exitCode: exitCode ?? null, text, now: ctx.now });
    if (ctx.json) return printJson(ctx.io, c);
    const field = (name: string, value: unknown) => `${name.padEnd(10)} ${value}\n`;
    ctx.io.stdout.write(
      field('class', c.class) +
        field('http', c.http_status ?? '-') +
        field('cause', c.cause) +
        field('retryable', c.retryable ? 'yes' : 'no') +
        (c.retry_after_s !== undefined ? field('retry in', `${c.retry_after_s}s`) : '') +
        field('risk', c.risk) +
        field('action', c.action),
    );
  },
});
