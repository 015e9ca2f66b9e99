import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { opsProcess, tempDir, workspaceDir } from './helpers';

// A command's validated config is remembered per exact file text (in a per-user folder under
// TMPDIR), so a command whose config has not changed skips zod. What a user must never see:
// a value that is not their file's, or an invalid file let through.
describe('remembered config values', () => {
  it('follow every edit of the file, are used only for the exact text they were made from, and never stand for an invalid file', () => {
    const tmp = tempDir('ops-tmp-');
    const ws = workspaceDir();
    opsProcess(['init', '--workspace', ws]);
    const file = join(ws, '.ops', 'config.json');
    const schemaOf = (text: string) => {
      writeFileSync(file, text);
      const r = opsProcess(['export', 'postgres', '--print-sql', '--workspace', ws], { env: { TMPDIR: tmp } });
      return { code: r.code, stderr: r.stderr, schema: /-- ops: the Postgres schema "([a-z_0-9]+)"/.exec(r.stdout)?.[1] };
    };
    const alpha = '{ "export": { "postgres": { "schema": "alpha" } } }';
    expect(schemaOf(alpha).schema).toBe('alpha');
    const folder = join(tmp, readdirSync(tmp).find((d) => d.startsWith('ops-config-ok-'))!);
    const entries = () => readdirSync(folder).filter((f) => f.startsWith('config.json.'));
    expect(entries()).toHaveLength(1);

    // Every edit is read afresh, and going back finds the first value again.
    expect(schemaOf('{ "export": { "postgres": { "schema": "beta" } } }').schema).toBe('beta');
    expect(schemaOf(alpha).schema).toBe('alpha');
    expect(entries()).toHaveLength(2);

    // The remembered value is what the command uses, for that exact text only: one more space and it is validated again.
    const entry = join(folder, entries().find((f) => JSON.parse(readFileSync(join(folder, f), 'utf8')).text === alpha)!);
    const remembered = JSON.parse(readFileSync(entry, 'utf8'));
    remembered.value.export.postgres.schema = 'gamma';
    writeFileSync(entry, JSON.stringify(remembered));
    expect(schemaOf(alpha).schema).toBe('gamma');
    expect(schemaOf(alpha + ' ').schema).toBe('alpha');

    // An invalid file stops the command every time, and nothing is remembered for it.
    const count = entries().length;
    for (let i = 0; i < 2; i++) {
      const bad = schemaOf('{ "export": { "postgres": { "schema": "Not A Name" } } }');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/config\.json: export\.postgres\.schema/);
    }
    expect(entries()).toHaveLength(count);

    // A file holding a credential (a Slack webhook URL inline) is validated each time, never copied to the temp folder.
    const hook = `https://hooks.slack.com/services/T${randomBytes(4).toString('hex')}/B${randomBytes(4).toString('hex')}/${randomBytes(12).toString('hex')}`;
    const withHook = JSON.stringify({ export: { postgres: { schema: 'delta' } }, notifications: { channels: [{ name: 'oncall', type: 'slack', url: hook }] } });
    expect(schemaOf(withHook).schema).toBe('delta');
    expect(schemaOf(withHook).schema).toBe('delta');
    expect(entries()).toHaveLength(count);
    for (const f of readdirSync(folder)) expect(readFileSync(join(folder, f), 'utf8')).not.toContain(hook);
  });
});
