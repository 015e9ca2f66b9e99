import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ops, workspaceDir } from './helpers';

function workspaceWith(file: string, content: string) {
  const ws = workspaceDir();
  mkdirSync(join(ws, '.ops'), { recursive: true });
  writeFileSync(join(ws, '.ops', file), content);
  return ws;
}

describe('.ops/ configuration (SPEC §10.1)', () => {
  it('zero configuration works: every file absent means built-in defaults', async () => {
    const r = await ops(['config', 'check', '--workspace', workspaceDir(), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).files.map((f: { state: string }) => f.state)).toEqual(Array(6).fill('default'));
  });

  it.each([
    ['retry-policy.json', '{"maxRetries": "3"}', 'maxRetries', /expected number, received string/],
    ['retry-policy.json', '{"baseSeconds": true}', 'baseSeconds', /expected number/],
    ['retry-policy.json', '{"retryUnknown": "no"}', 'retryUnknown', /expected boolean/],
    ['retry-policy.json', '{"retryClasses": ["transient", "flaky"]}', 'retryClasses.1', /invalid option/i],
    ['retry-policy.json', '{"overrides": [{"workflow": "Deploy", "maxRetries": -1}]}', 'overrides.0.maxRetries', /too small|>=0/],
    ['retry-policy.json', '{"budget": {"maxRetriesPerWorkflowPerHour": 1.5}}', 'budget.maxRetriesPerWorkflowPerHour', /int/],
    ['retry-policy.json', '{"maxRetrys": 3}', '(top level)', /unrecognized key.*maxRetrys/i],
    ['config.json', '{"timezone": "Mars/Olympus"}', 'timezone', /unknown time zone/],
    ['mask-rules.json', '{"rules": [{"name": "x", "pattern": "("}]}', 'rules.0.pattern', /not a valid regular expression/],
    ['detection-rules.json', '{"consecutiveFailures": {"count": 0}}', 'consecutiveFailures.count', /too small|>0/],
    ['killswitch-rules.json', '{"rules": [{"name": "x", "condition": "boom"}]}', 'rules.0.condition', /invalid option/i],
    ['schedule.json', '{"jobs": {"replay": {"everySeconds": 30, "cron": "* * * * *"}}}', 'jobs.replay.cron', /everySeconds or cron, not both/],
    ['schedule.json', '{"jobs": {"detect": {"after": ["snyc"]}}}', 'jobs.detect.after.0', /invalid option/i],
    ['schedule.json', '{"leaseSeconds": 2}', 'leaseSeconds', /too small|>=5/],
  ])('%s %s → exit 2 naming the file and the field', async (file, content, field, problem) => {
    const ws = workspaceWith(file, content);
    const r = await ops(['config', 'check', '--workspace', ws]);
    expect(r.code).toBe(2);
    const line = r.stderr.trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line.startsWith(`ops: .ops/${file}: ${field}: `)).toBe(true);
    expect(line).toMatch(problem);
  });

  it('a file that is not JSON is named with the parse problem', async () => {
    const ws = workspaceWith('retry-policy.json', '{ maxRetries: 3 }');
    const r = await ops(['config', 'check', '--workspace', ws]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ops: \.ops\/retry-policy\.json: invalid JSON: /);
  });

  it('an invalid config.json stops the commands that use it, with exit 2', async () => {
    const ws = workspaceWith('config.json', '{"reportsDir": 7}');
    const r = await ops(['config', 'check', '--workspace', ws]);
    expect(r).toMatchObject({ code: 2 });
    expect(r.stderr).toMatch(/^ops: \.ops\/config\.json: reportsDir: /);
  });

  it('a valid partial file is filled with defaults and reported ok', async () => {
    const ws = workspaceWith('retry-policy.json', '{"maxRetries": 5, "overrides": [{"workflow": "Deploy", "maxRetries": 0}]}');
    const r = await ops(['config', 'check', '--workspace', ws]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok +\.ops\/retry-policy\.json$/m);
    expect(r.stdout).toMatch(/^default +\.ops\/config\.json/m);
  });
});
