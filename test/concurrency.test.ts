import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { dumpLedger, GH_RUNS, NOW, OPS_BIN, ops, workspaceDir } from './helpers';

describe('the ledger under concurrent writers and interruption', () => {
  it('exits 5 (workspace busy) when another process holds the write lock past the timeout, and writes nothing', async () => {
    const ws = workspaceDir();
    await ops(['init', '--workspace', ws]);
    const holder = new Database(join(ws, '.ops', 'ledger.db'));
    holder.exec('BEGIN IMMEDIATE');
    try {
      const r = await ops(['runs', 'import', GH_RUNS, '--workspace', ws]);
      expect(r.code).toBe(5);
      expect(r.stderr).toBe('ops: ledger: locked by another ops process (timed out waiting)\n');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(dumpLedger(join(ws, '.ops', 'ledger.db'))).not.toMatch(/"run_id"/);
  });

  it('a reader (the console) is never blocked by a writer: WAL', async () => {
    const ws = workspaceDir();
    await ops(['runs', 'import', GH_RUNS, '--workspace', ws]);
    const writer = new Database(join(ws, '.ops', 'ledger.db'));
    writer.exec('BEGIN IMMEDIATE');
    writer.exec(`UPDATE run_attempts SET workflow = 'uncommitted'`);
    try {
      const r = await ops(['runs', 'list', '--workspace', ws, '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).map((x: { workflow: string }) => x.workflow)).not.toContain('uncommitted');
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
  });

  it('Ctrl-C in the middle of a large import leaves the ledger as it was', async () => {
    const ws = workspaceDir();
    await ops(['runs', 'import', GH_RUNS, '--workspace', ws]);
    const before = dumpLedger(join(ws, '.ops', 'ledger.db'));
    const template = JSON.parse(JSON.stringify(await import(GH_RUNS, { with: { type: 'json' } }).then((m) => m.default[0])));
    const lines: string[] = [];
    for (let i = 0; i < 300_000; i++) lines.push(JSON.stringify({ ...template, databaseId: 8_000_000 + i }));
    const file = join(ws, 'big.ndjson');
    writeFileSync(file, lines.join('\n'));
    const child = spawn(process.execPath, [OPS_BIN, 'runs', 'import', file, '--workspace', ws], { env: { PATH: process.env.PATH, OPS_NOW: NOW } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Interrupt only once it holds the write lock, i.e. inside its transaction.
    const probe = new Database(join(ws, '.ops', 'ledger.db'), { timeout: 0 });
    const writing = () => {
      try {
        probe.exec('BEGIN IMMEDIATE');
        probe.exec('ROLLBACK');
        return false;
      } catch {
        return true;
      }
    };
    const deadline = Date.now() + 20_000;
    while (!writing() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    probe.close();
    expect(child.exitCode, 'the import finished before it could be interrupted').toBeNull();
    child.kill('SIGINT');
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (c, s) => r([c, s])));
    expect(code === 130 || signal === 'SIGINT', `exit ${code} ${signal} ${stderr}`).toBe(true);
    expect(dumpLedger(join(ws, '.ops', 'ledger.db'))).toBe(before);
  });
});
