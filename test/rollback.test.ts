import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_GH, OPS_BIN, ops, workspaceDir } from './helpers';

/** Snapshots and `ops rollback` as a saga (SPEC §6), through the fake gh. */

const WF = '.github/workflows';

function workspace(scenario: object = {}) {
  const ws = workspaceDir();
  mkdirSync(join(ws, WF), { recursive: true });
  for (const name of ['ci.yml', 'deploy.yml', 'nightly.yml']) writeFileSync(join(ws, WF, name), `name: ${name}\non: push\n`);
  writeFileSync(join(ws, 'scenario.json'), JSON.stringify(scenario));
  const log = join(ws, 'gh.log');
  const env = { PATH: process.env.PATH, OPS_GH: FAKE_GH, FAKE_GH_LOG: log, FAKE_GH_SCENARIO: join(ws, 'scenario.json'), OPS_WORKSPACE: ws, OPS_ACTOR: 'alice' };
  const ghCalls = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('workflow ')) : []);
  const read = (name: string) => readFileSync(join(ws, WF, name), 'utf8');
  return { ws, env, ghCalls, read };
}

describe('ops snapshot', () => {
  it('records the config files and the workflow files; show diffs the working tree', async () => {
    const { ws, env } = workspace();
    await ops(['init'], { env });
    const created = JSON.parse((await ops(['snapshot', 'create', '--label', 'release 1', '--json'], { env })).stdout);
    expect(created.files.map((f: { path: string }) => f.path)).toEqual([
      '.github/workflows/ci.yml',
      '.github/workflows/deploy.yml',
      '.github/workflows/nightly.yml',
      '.ops/config.json',
      '.ops/detection-rules.json',
      '.ops/killswitch-rules.json',
      '.ops/mask-rules.json',
      '.ops/retry-policy.json',
      '.ops/schedule.json',
    ]);
    writeFileSync(join(ws, WF, 'ci.yml'), 'broken\n');
    writeFileSync(join(ws, WF, 'new.yml'), 'added\n');
    const show = JSON.parse((await ops(['snapshot', 'show', '1', '--json'], { env })).stdout);
    expect(show.diff.filter((d: { change: string }) => d.change !== 'same').map((d: { path: string; change: string }) => [d.path, d.change])).toEqual([
      ['.github/workflows/ci.yml', 'changed'],
      ['.github/workflows/new.yml', 'added'],
    ]);
    expect((await ops(['snapshot', 'list'], { env })).stdout).toMatch(/^ID +CREATED +BY +FILES +BYTES +LABEL\n +1 +2025-11-14T00:00:00Z +alice +9 +\d+ +release 1\n$/);
    expect(await ops(['snapshot', 'show', '9'], { env })).toMatchObject({ code: 2, stderr: 'ops: snapshot 9: no such snapshot (see ops snapshot list)\n' });
  });
});

describe('ops rollback', () => {
  it('snapshot, edit a workflow, rollback: the file is back byte for byte; who and why are recorded', async () => {
    const { ws, env, ghCalls, read } = workspace();
    const original = read('deploy.yml');
    await ops(['snapshot', 'create'], { env });
    writeFileSync(join(ws, WF, 'deploy.yml'), 'name: deploy\non: push\njobs: { broken: true }\n');
    writeFileSync(join(ws, WF, 'extra.yml'), 'name: extra\n');

    const dry = await ops(['rollback', '--dry-run', '--reason', 'bad release'], { env });
    expect(dry.stdout).toContain('revert  .github/workflows/deploy.yml');
    expect(dry.stdout).toContain('remove  .github/workflows/extra.yml');
    expect(dry.stdout).toContain(`1. stop workflow deploy.yml: ${FAKE_GH} workflow disable deploy.yml`);
    expect(read('deploy.yml')).not.toBe(original);
    expect(ghCalls()).toEqual([]);

    const r = await ops(['rollback', '--reason', 'deploys corrupting prod DB'], { env });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('rollback #1 to snapshot #1: completed: disable_workflow, disable_workflow, restore_files, verify\n');
    expect(read('deploy.yml')).toBe(original);
    expect(existsSync(join(ws, WF, 'extra.yml'))).toBe(false);
    expect(ghCalls()).toEqual(['workflow disable deploy.yml', 'workflow disable extra.yml']);

    const audit = JSON.parse((await ops(['audit', 'log', '--json'], { env })).stdout);
    expect(audit.slice(0, 2).map((e: { event: string; actor: string }) => [e.event, e.actor])).toEqual([
      ['rollback.complete', 'alice'],
      ['rollback.start', 'alice'],
    ]);
    const tickets = JSON.parse((await ops(['audit', 'list', '--json'], { env })).stdout);
    expect(tickets).toEqual([expect.objectContaining({ kind: 'rollback', cause: 'deploys corrupting prod DB', risk: 'medium', rollback: expect.objectContaining({ state: 'completed', snapshot: '1' }) })]);
    expect((await ops(['audit', 'verify'], { env })).code).toBe(0);
    await ops(['report'], { env });
    expect(readFileSync(join(ws, 'docs', 'reports', '2025-11-14', 'ROLLBACK_PROTOCOL.md'), 'utf8')).toContain('| 2025-11-14T00:00:00Z | #1 | alice | deploys corrupting prod DB | completed |');
  });

  it('the disable of the second of three workflows fails: the first is enabled again, no file changes, recorded as compensated, exit 1', async () => {
    const { ws, env, ghCalls, read } = workspace({ 'workflow disable': { 'deploy.yml': [{ exit: 1, stderr: 'HTTP 403: Resource not accessible by integration' }] } });
    await ops(['snapshot', 'create'], { env });
    for (const name of ['ci.yml', 'deploy.yml', 'nightly.yml']) writeFileSync(join(ws, WF, name), `edited ${name}\n`);
    const r = await ops(['rollback', '--reason', 'bad release'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ops: rollback #1: step 2 \(disable_workflow\) failed: .*workflow disable deploy\.yml: exit 1: HTTP 403.*; every step was undone\n$/);
    expect(r.stdout).toContain('rollback #1 to snapshot #1: COMPENSATED');
    expect(ghCalls()).toEqual(['workflow disable ci.yml', 'workflow disable deploy.yml', 'workflow enable ci.yml']);
    for (const name of ['ci.yml', 'deploy.yml', 'nightly.yml']) expect(read(name)).toBe(`edited ${name}\n`);
    const audit = JSON.parse((await ops(['audit', 'log', '--json', '--limit', '1'], { env })).stdout);
    expect(audit[0]).toMatchObject({ event: 'rollback.compensated' });
  });

  it('killed with SIGKILL mid-rollback: ops rollback --resume finishes it; a new rollback refuses until then', async () => {
    const { ws, env, ghCalls, read } = workspace({ 'workflow disable': { 'ci.yml': [{ sleep_ms: 10_000 }, { exit: 0 }] } });
    const original = read('ci.yml');
    await ops(['snapshot', 'create'], { env });
    writeFileSync(join(ws, WF, 'ci.yml'), 'edited\n');
    const child = spawn(process.execPath, [OPS_BIN, 'rollback', '--reason', 'bad'], { env: { ...env, OPS_NOW: '2025-11-14T00:00:00Z' }, detached: true });
    while (!ghCalls().length) await new Promise((r) => setTimeout(r, 20));
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(read('ci.yml')).toBe('edited\n');

    expect(await ops(['rollback', '--reason', 'again'], { env })).toMatchObject({ code: 2, stderr: 'ops: rollback: rollback #1 was cut short: run ops rollback --resume first\n' });
    const resumed = await ops(['rollback', '--resume'], { env });
    expect(resumed).toMatchObject({ code: 0, stdout: 'rollback #1 to snapshot #1: completed: disable_workflow, restore_files, verify\n' });
    expect(read('ci.yml')).toBe(original);
    expect(ghCalls()).toEqual(['workflow disable ci.yml', 'workflow disable ci.yml']);
    expect((await ops(['rollback', '--resume'], { env })).stdout).toBe('no rollback to resume\n');
  }, 30_000);

  it('refuses without a reason, an unknown snapshot, tracked paths outside the workspace (exit 2)', async () => {
    const { ws, env } = workspace();
    await ops(['snapshot', 'create'], { env });
    expect((await ops(['rollback'], { env })).stderr).toMatch(/^ops: --reason: required/);
    expect(await ops(['rollback', '--to', '7', '--reason', 'x'], { env })).toMatchObject({ code: 2, stderr: 'ops: --to: no snapshot 7 (see ops snapshot list)\n' });
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ rollback: { trackedPaths: ['../secrets/*'] } }));
    expect(await ops(['rollback', '--reason', 'x'], { env })).toMatchObject({ code: 2, stderr: 'ops: .ops/config.json: rollback.trackedPaths: "../secrets/*" reaches outside the workspace (absolute or ..)\n' });
  });

  it('removes the configured secrets when asked; a later failure cannot bring them back and says so (failed, exit 1)', async () => {
    const { ws, env, read } = workspace({ 'workflow disable': { '*': [{ exit: 0 }] } });
    await ops(['snapshot', 'create'], { env });
    writeFileSync(join(ws, WF, 'ci.yml'), 'edited\n');
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ rollback: { removeSecrets: true, secrets: ['NPM_TOKEN'] } }));
    const dry = await ops(['rollback', '--dry-run', '--reason', 'leak'], { env });
    expect(dry.stdout).toContain(`remove secret NPM_TOKEN: ${FAKE_GH} secret delete NPM_TOKEN (cannot be undone: its value is gone)`);
    // config.json was not in the snapshot: the rollback removes it too (and verifies it is gone).
    const r = await ops(['rollback', '--reason', 'token leaked in logs'], { env });
    expect(r.code).toBe(0);
    expect(readFileSync(join(ws, 'gh.log'), 'utf8')).toContain('secret delete NPM_TOKEN');
    expect(read('ci.yml')).toBe('name: ci.yml\non: push\n');
    expect(existsSync(join(ws, '.ops', 'config.json'))).toBe(false);

    // Again, with the restore failing after the secret is gone: nothing can bring it back.
    await ops(['snapshot', 'create'], { env });
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ rollback: { removeSecrets: true, secrets: ['NPM_TOKEN'] } }));
    rmSync(join(ws, WF, 'nightly.yml'));
    mkdirSync(join(ws, WF, 'nightly.yml')); // a folder where the file must be restored
    const failed = await ops(['rollback', '--reason', 'again'], { env });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^ops: rollback #2: compensation of step \d \(remove_secret\) failed: secret NPM_TOKEN was deleted and cannot be restored by ops: set it again \(gh secret set\); the tree may be half-restored/);
    expect(JSON.parse((await ops(['audit', 'list', '--json'], { env })).stdout).at(-1)).toMatchObject({ kind: 'rollback', risk: 'high', rollback: { state: 'failed' } });
  });

  it('is allowed while the killswitch is engaged', async () => {
    const { ws, env, read } = workspace();
    const original = read('ci.yml');
    await ops(['snapshot', 'create'], { env });
    writeFileSync(join(ws, WF, 'ci.yml'), 'edited\n');
    await ops(['killswitch', '--reason', 'incident'], { env });
    expect((await ops(['rollback', '--reason', 'incident'], { env })).code).toBe(0);
    expect(read('ci.yml')).toBe(original);
  });
});
