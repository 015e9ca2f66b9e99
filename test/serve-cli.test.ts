import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { NOW, OPS_BIN, opsProcess, tempDir, workspaceDir } from './helpers';
import { startServe } from './serve-helpers';

/** The dist/ chunks a process loaded (an ESM load hook logs each file). */
function hookFiles(dir: string): { importArg: string; log: string } {
  const log = join(dir, 'loaded.log');
  writeFileSync(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { if (url.includes('/dist/')) appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }\n`);
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify('file://' + join(dir, 'hooks.mjs'))});\n`);
  writeFileSync(log, '');
  return { importArg: join(dir, 'register.mjs'), log };
}
const loadsHono = (log: string) =>
  readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .some((url) => /x-hono-already-sent|class Hono\b/.test(readFileSync(new URL(url), 'utf8')));

describe('ops serve: the command', () => {
  it('only ops serve loads the server code (Hono): other commands never do', async () => {
    const ws = workspaceDir();
    opsProcess(['init', '--workspace', ws]);
    const { importArg, log } = hookFiles(tempDir());
    for (const args of [['status', '--json'], ['runs', 'list', '--json'], ['killswitch', '--reason', 'x'], ['serve', 'keys', 'list', '--json'], ['serve', '--help']]) {
      writeFileSync(log, '');
      const r = spawnSync(process.execPath, ['--import', importArg, OPS_BIN, ...args, '--workspace', ws], { env: { PATH: process.env.PATH, OPS_NOW: NOW }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(log, 'utf8')).toContain('/dist/ops/');
      expect(loadsHono(log), args.join(' ')).toBe(false);
    }
    // The check sees Hono when it is loaded.
    writeFileSync(log, '');
    const child = spawn(process.execPath, ['--import', importArg, OPS_BIN, 'serve', '--port', '0', '--json', '--workspace', ws], { env: { PATH: process.env.PATH, OPS_NOW: NOW } });
    await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(loadsHono(log)).toBe(true);
  });

  it('bad configuration and flags: exit 2 naming the field; a port in use is named', async () => {
    const ws = workspaceDir();
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ serve: { port: 'eighty' } }));
    const bad = opsProcess(['serve', '--workspace', ws]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^ops: \.ops\/config\.json: serve\.port: /);
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ serve: { webhookSecretEnv: 'not a name' } }));
    expect(opsProcess(['serve', '--workspace', ws]).stderr).toMatch(/serve\.webhookSecretEnv: an environment variable name/);
    writeFileSync(join(ws, '.ops', 'config.json'), '{}');
    const port = opsProcess(['serve', '--port', '70000', '--workspace', ws]);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/^ops: --port: expected a port from 0 to 65535/);

    const s = await startServe(ws);
    const taken = opsProcess(['serve', '--port', new URL(s.url).port, '--workspace', ws]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('address in use');
    // SIGTERM ends it cleanly.
    expect(await s.stop()).toBe(0);
  });

  it("runs ops watch's jobs in its process: a second watcher is refused while it serves; SIGTERM releases the lease", async () => {
    const ws = workspaceDir();
    opsProcess(['init', '--workspace', ws]);
    const watchState = () => JSON.parse(opsProcess(['watch', 'status', '--json', '--workspace', ws]).stdout) as { state: string; jobs: { job: string; runs: number }[] };
    const s = await startServe(ws, {}, ['--watch']);
    for (let i = 0; i < 100 && watchState().jobs.length < 8; i++) await new Promise((r) => setTimeout(r, 100));
    const held = watchState();
    expect(held.state).toBe('running');
    expect(held.jobs.map((j) => j.job).sort()).toEqual(['consumers', 'deliver', 'detect', 'expiry', 'export', 'replay', 'report', 'sync']);
    const second = opsProcess(['watch', '--once', '--workspace', ws]);
    expect(second.code).toBe(5);
    expect(second.stderr).toMatch(/^ops: watch: /);
    expect(await s.stop()).toBe(0);
    expect(watchState().state).toBe('stopped');
    expect(s.stderr()).toMatch(/watch: started/);
  });

  it('keys: create prints the key once, list never shows it, revoke of an unknown name is exit 2; a key of a taken name is refused', () => {
    const ws = workspaceDir();
    const made = opsProcess(['serve', 'keys', 'create', 'ci-deploy', '--role', 'operator', '--workspace', ws]);
    expect(made.code).toBe(0);
    const key = made.stdout.trim();
    expect(key).toMatch(/^ops_[A-Za-z0-9_-]{43}$/);
    expect(made.stderr).toContain('shown this once');
    const list = opsProcess(['serve', 'keys', 'list', '--workspace', ws]);
    expect(list.stdout).toContain('ci-deploy');
    expect(list.stdout).not.toContain(key);
    expect(opsProcess(['serve', 'keys', 'create', 'ci-deploy', '--role', 'viewer', '--workspace', ws]).code).toBe(2);
    expect(opsProcess(['serve', 'keys', 'create', 'x', '--workspace', ws]).stderr).toMatch(/^ops: --role: required/);
    const unknown = opsProcess(['serve', 'keys', 'revoke', 'nobody', '--workspace', ws]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^ops: nobody: no active key/);
    const audit = JSON.parse(opsProcess(['audit', 'log', '--json', '--workspace', ws]).stdout);
    expect(JSON.stringify(audit)).not.toContain(key);
    expect(audit[0]).toMatchObject({ event: 'serve.key.create', target_id: 'ci-deploy', payload: { name: 'ci-deploy', role: 'operator' } });
  });
});
