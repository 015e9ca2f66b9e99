// The keyword-gated formats added for issue 19: each is masked with its keyword near it, left
// alone without it (the same value), and look-alikes (the keyword with another shape) are left
// alone too. Values are generated now; everything goes through the built bin/ops, one file per
// case, one run for all.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRules } from '../src/sanitize/index';
import { opsProcess, workspaceDir } from './helpers';

const AN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const pick = (n: number, alphabet: string) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
/** Random, with upper and lower case and digits (never a word or a placeholder). */
const strong = (n: number, alphabet = AN) => `${pick(1, 'ABCDEFGHJK')}${pick(1, 'abcdefghjk')}${pick(1, '23456789')}${pick(n - 3, alphabet)}`;
const hex = (n: number) => pick(n, '0123456789abcdef');
const lower = (n: number) => `${pick(1, 'abcdefgh')}${pick(1, '23456789')}${pick(n - 2, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const pkcs12 = () => {
  const body = randomBytes(600);
  return Buffer.concat([Buffer.from([0x30, 0x82, 0x02, 0x5f, 0x02, 0x01, 0x03, 0x30, 0x82, 0x02, 0x58]), body]).toString('base64');
};

interface Case {
  rule: string;
  /** The value, and the text holding it with its keyword (masked). */
  value: string;
  hit: string;
  /** Texts left alone: the value without the keyword, or the keyword with a look-alike. */
  keep: string[];
  /** The keyword with another shape: not this rule's (a generic rule may still mask a secret-named key's value). */
  notRule?: string[];
}

/** [rule, key with the provider's name, value maker, a look-alike value under the same key]. */
const gated: [string, string, () => string, string][] = [
  ['azure-devops-pat', 'AZURE_DEVOPS_EXT_PAT', () => pick(52, 'abcdefghijklmnopqrstuvwxyz234567'), 'see-the-wiki'],
  ['circleci-token', 'CIRCLECI_TOKEN', () => hex(40), '$CIRCLE_TOKEN'],
  ['coveralls-token', 'COVERALLS_REPO_TOKEN', () => strong(35), strong(12)],
  ['saucelabs-access-key', 'SAUCE_ACCESS_KEY', uuid, strong(20)],
  ['browserstack-access-key', 'BROWSERSTACK_ACCESS_KEY', () => strong(20), strong(12)],
  ['percy-token', 'PERCY_TOKEN', () => `web_${hex(64)}`, hex(40)],
  ['cypress-record-key', 'CYPRESS_RECORD_KEY', uuid, hex(32)],
  ['firebase-token', 'FIREBASE_TOKEN', () => `1//0${strong(60, `${AN}_-`)}`, '1//short'],
  ['auth0-client-secret', 'AUTH0_CLIENT_SECRET', () => strong(64, `${AN}_-`), 'YOUR_CLIENT_SECRET'],
  ['pagerduty-key', 'PAGERDUTY_ROUTING_KEY', () => lower(32), 'P1ABCDE'],
  ['opsgenie-api-key', 'OPSGENIE_API_KEY', uuid, strong(10)],
  ['rollbar-token', 'ROLLBAR_ACCESS_TOKEN', () => hex(32), `${hex(31)}g`],
  ['cloudinary-secret', 'CLOUDINARY_API_SECRET', () => strong(27, `${AN}_-`), strong(15)],
  ['pusher-secret', 'PUSHER_APP_SECRET', () => hex(20), hex(16)],
  ['twilio-auth-token', 'TWILIO_AUTH_TOKEN', () => hex(32), `AC${hex(32)}`],
  ['vonage-api-secret', 'VONAGE_API_SECRET', () => strong(16), strong(8)],
  ['jenkins-api-token', 'JENKINS_API_TOKEN', () => `11${hex(32)}`, hex(12)],
  ['azure-storage-key', 'AZURE_STORAGE_KEY', () => `${strong(86, `${AN}+/`)}==`, strong(44)],
  ['honeycomb-key', 'HONEYCOMB_API_KEY', () => strong(22), strong(30)],
  ['mongodb-atlas-key', 'MONGODB_ATLAS_PRIVATE_KEY', uuid, strong(8)],
];

function cases(): Case[] {
  const out: Case[] = gated.map(([rule, key, make, other]) => {
    const value = make();
    // Without the provider's name the key names nothing (BUILD_LABEL); with it, another shape.
    return { rule, value, hit: `${key}=${value}`, keep: [`BUILD_LABEL=${value}`], notRule: [`${key}=${other}`] };
  });
  const v = (rule: string, value: string, hit: string, keep: string[]) => out.push({ rule, value, hit, keep });
  const s = `s.${strong(24)}`;
  v('vault-cli-token', s, `+ vault login -no-print ${s}`, [`+ login -no-print ${s}`, `+ vault login -no-print s.${strong(20)}`]);
  const s2 = `s.${strong(24)}`;
  v('vault-cli-token', s2, `+ vault token lookup ${s2}`, [`+ token lookup ${s2}`]);
  const sess = strong(32, `${AN}_-`);
  v('session-cookie', sess, `> Cookie: theme=dark; session=${sess}; lang=en`, [`> theme=dark; session=${sess}; lang=en`, '> Cookie: theme=dark; session=deleted; lang=en', `> Cookie: theme=${strong(20)}; lang=en`]);
  const jsid = hex(32).toUpperCase();
  v('session-cookie', jsid, `< Set-Cookie: JSESSIONID=${jsid}; Path=/; HttpOnly`, [`< X-Request: JSESSIONID=${jsid}`]);
  const kid = hex(40);
  v('gcp-service-account-key', kid, `{"type": "service_account", "project_id": "acme", "private_key_id": "${kid}", "client_email": "ci@acme.iam.gserviceaccount.com"}`, [
    `{"type": "authorized_user", "private_key_id": "${kid}"}`,
    `{"type": "service_account", "project_id": "acme", "private_key_id": "${hex(39)}"}`,
  ]);
  const kid2 = hex(40);
  v('gcp-service-account-key', kid2, `{\n  "private_key_id": "${kid2}",\n  "type": "service_account"\n}`, []);
  const data = b64(strong(18));
  v('kubernetes-secret-yaml', data, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  db-pass: ${data}\n`, [
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\ndata:\n  db-pass: ${data}\n`,
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n---\nkind: ConfigMap\ndata:\n  db-pass: ${data}\n`,
  ]);
  const data2 = b64(strong(24));
  v('kubernetes-secret-yaml', data2, `+ kubectl get secret api -o yaml\napiVersion: v1\ndata:\n  ca.crt: ${data2}\nkind: Secret\nmetadata:\n  name: api\n`, [`apiVersion: v1\ndata:\n  ca.crt: ${data2}\nkind: ConfigMap\n`]);
  const p12 = pkcs12();
  v('pkcs12-file', p12, `+ echo "${p12}" | base64 --decode > signing.p12`, [`+ echo "${p12}" | base64 --decode > signing.bin`, `+ echo "MII${strong(300, `${AN}+/`)}" | base64 --decode > cert.pfx`]);
  const pw = strong(14);
  v('nuget-config-password', pw, `      <add key="ClearTextPassword" value="${pw}" />`, [`      <add key="Username" value="${pw}" />`]);
  const fs = `sk_${strong(29)}`;
  v('freemius-secret-key', fs, `    'secret_key' => '${fs}',`, [`    'public_key' => '${fs}',`]);
  const sk = `${hex(8)}:${hex(8)}`;
  v('sidekiq-sensitive-url', sk, `Fetching source index from https://${sk}@gems.contribsys.com/`, [`value ${sk} seen`]);
  const sig = encodeURIComponent(b64(strong(32)));
  v('azure-sas-token', sig, `GET https://acme.blob.core.windows.net/a/b.zip?sv=2022-11-02&ss=b&sp=r&se=2025-12-01T00:00:00Z&sig=${sig} 200`, [`GET https://hooks.example.com/x?sig=${sig} 200`]);
  // Prefix formats that came with them (gitleaks jwt-base64, defined-networking-api-token).
  const jwt = b64(`eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.${Buffer.from(JSON.stringify({ sub: strong(12) })).toString('base64url')}.${strong(43, `${AN}_-`)}`);
  v('jwt-base64', jwt, `  token: |\n    ${jwt}`, [`payload ${b64(`eyJub3RhIjoiand0In0.${strong(40)}`)}`]);
  const dn = `dnkey-${lower(26)}-${lower(52)}`;
  v('defined-networking-token', dn, `DN_API=${dn}`, [`DN_API=dnkey-${lower(20)}`]);
  return out;
}

describe('keyword-gated formats (issue 19)', () => {
  it('masks each with its keyword near it, never without it, and leaves look-alikes alone', () => {
    const ws = workspaceDir();
    const list = cases();
    mkdirSync(join(ws, 'logs'));
    const files: { c: Case; hit: string; keep: string[]; notRule: string[] }[] = list.map((c, i) => {
      const hit = `c${i}-hit.log`;
      writeFileSync(join(ws, 'logs', hit), `${c.hit}\n`);
      const keep = c.keep.map((k, j) => {
        const f = `c${i}-keep${j}.log`;
        writeFileSync(join(ws, 'logs', f), `${k}\n`);
        return f;
      });
      const notRule = (c.notRule ?? []).map((k, j) => {
        const f = `c${i}-other${j}.log`;
        writeFileSync(join(ws, 'logs', f), `${k}\n`);
        return f;
      });
      return { c, hit, keep, notRule };
    });
    const r = opsProcess(['evidence', 'sanitize', 'logs', '--json'], { cwd: ws });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const { c, hit, keep, notRule } of files) {
      const out = readFileSync(join(ws, 'logs', hit), 'utf8');
      expect(out, `${c.rule}: ${c.hit}`).not.toContain(c.value);
      expect(out, `${c.rule}: ${c.hit}`).toContain(`[MASKED:${c.rule}]`);
      c.keep.forEach((k, j) => expect(readFileSync(join(ws, 'logs', keep[j]!), 'utf8'), `${c.rule} keeps: ${k}`).toBe(`${k}\n`));
      (c.notRule ?? []).forEach((k, j) => expect(readFileSync(join(ws, 'logs', notRule[j]!), 'utf8'), `${c.rule} is not: ${k}`).not.toContain(`[MASKED:${c.rule}]`));
    }
    for (const s of list) expect(r.stdout).not.toContain(s.value);
  });

  it('each rule says where its format comes from; the keyword-gated kind counts about 90 formats', () => {
    const ids = new Map<string, string>();
    for (const r of builtinRules) {
      expect(r.source.length, r.name).toBeGreaterThan(10);
      if (!ids.has(r.name)) ids.set(r.name, r.kind);
    }
    const keyword = [...ids.values()].filter((k) => k === 'keyword').length;
    expect(keyword).toBeGreaterThanOrEqual(88);
    for (const c of cases()) expect(ids.has(c.rule), c.rule).toBe(true);
  });
});
