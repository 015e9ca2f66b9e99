/**
 * The built-in mask rules (SPEC §3.3), kept data-like: a name, the keywords that must occur
 * for the rule to be tried (the pre-filter: a rule's regex only runs on the lines where one
 * of its keywords occurs), the pattern, and optional checks on what it matched.
 *
 * A pattern may capture the secret in a group whose name starts with `secret`; only that
 * group is masked (`password=[MASKED:password-assignment]` keeps the key readable). Without
 * such a group the whole match is masked.
 *
 * Patterns are tried on Latin-1 strings (one char per byte), so they see bytes, not code
 * points: keep them ASCII.
 */
export interface RuleDef {
  name: string;
  /** Lower-case keywords, matched case-insensitively, unless `caseSensitive`. Empty: always tried. */
  keywords: string[];
  pattern: string;
  /** Extra regex flags besides g (and d when there is a secret group). */
  flags?: string;
  caseSensitive?: boolean;
  /** The match may span lines (a private-key block): the window runs from the keyword's line on. */
  block?: boolean;
  /** What the masked text must not be: digests, UUIDs, placeholders (context rules). */
  valueChecks?: boolean;
  /** The rule's reported name depends on the key it matched (`password-assignment`, …). */
  nameByKey?: boolean;
  /** Lower wins when two rules mask overlapping text. */
  priority?: number;
}

const B64URL = 'A-Za-z0-9_\\-';
const ALNUM = 'A-Za-z0-9';

/** Provider-prefixed tokens: the prefix is the keyword. */
const providers: RuleDef[] = [
  // GitHub
  { name: 'github-pat', keywords: ['ghp_'], pattern: `\\bghp_[${ALNUM}]{36}\\b` },
  { name: 'github-oauth-token', keywords: ['gho_'], pattern: `\\bgho_[${ALNUM}]{36}\\b` },
  { name: 'github-user-token', keywords: ['ghu_'], pattern: `\\bghu_[${ALNUM}]{36}\\b` },
  { name: 'github-app-token', keywords: ['ghs_'], pattern: `\\bghs_[${ALNUM}]{36}\\b` },
  { name: 'github-refresh-token', keywords: ['ghr_'], pattern: `\\bghr_[${ALNUM}]{36,76}\\b` },
  { name: 'github-fine-grained-pat', keywords: ['github_pat_'], pattern: `\\bgithub_pat_[${ALNUM}_]{36,255}` },
  // GitLab
  { name: 'gitlab-pat', keywords: ['glpat-'], pattern: `\\bglpat-[${B64URL}.]{20,64}` },
  { name: 'gitlab-pipeline-trigger-token', keywords: ['glptt-'], pattern: `\\bglptt-[0-9a-f]{40}\\b` },
  { name: 'gitlab-runner-token', keywords: ['glrt-'], pattern: `\\bglrt-[${B64URL}.]{20,64}` },
  { name: 'gitlab-deploy-token', keywords: ['gldt-'], pattern: `\\bgldt-[${B64URL}]{20,64}` },
  { name: 'gitlab-oauth-secret', keywords: ['gloas-'], pattern: `\\bgloas-[${B64URL}]{20,80}` },
  // Package registries
  { name: 'npm-token', keywords: ['npm_'], pattern: `\\bnpm_[${ALNUM}]{36}\\b` },
  { name: 'pypi-token', keywords: ['pypi-ageichlwas5vcmc'], pattern: `\\bpypi-AgEIcHlwaS5vcmc[${B64URL}]{50,400}` },
  { name: 'docker-hub-pat', keywords: ['dckr_pat_'], pattern: `\\bdckr_pat_[${B64URL}]{27,64}` },
  // AWS
  { name: 'aws-access-key-id', keywords: ['akia', 'asia', 'abia', 'acca', 'a3t'], pattern: '\\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\\b' },
  {
    name: 'aws-secret-access-key',
    keywords: ['secret_access_key', 'secretaccesskey', 'secret-access-key', 'aws_secret_key', 'aws_secret'],
    pattern: `aws_?secret(?:_?access)?_?key\\\\?["']?[ \\t]*(?:=|:|=>)[ \\t]*\\\\?["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])|secret[_-]?access[_-]?key\\\\?["']?[ \\t]*(?:=|:|=>)[ \\t]*\\\\?["']?(?<secretb>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])`,
    flags: 'i',
  },
  // Slack
  { name: 'slack-bot-token', keywords: ['xoxb-'], pattern: '\\bxoxb-[0-9]{8,14}-[0-9]{8,14}-[A-Za-z0-9]{16,40}' },
  { name: 'slack-user-token', keywords: ['xoxp-'], pattern: '\\bxoxp-[0-9]{8,14}-[0-9]{8,14}-[0-9]{8,14}-[a-fA-F0-9]{20,64}' },
  { name: 'slack-token', keywords: ['xoxa-', 'xoxo-', 'xoxr-', 'xoxs-', 'xoxe-', 'xoxe.'], pattern: '\\bxox(?:[aors]-|e(?:\\.xox[bp])?-)[0-9]{1,14}-[A-Za-z0-9-]{16,255}' },
  { name: 'slack-app-token', keywords: ['xapp-'], pattern: '\\bxapp-[0-9]-[A-Z0-9]{8,14}-[0-9]{8,14}-[a-z0-9]{32,80}', flags: 'i' },
  {
    name: 'slack-webhook-url',
    keywords: ['hooks.slack.com'],
    pattern: 'https?://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,120}',
  },
  // Stripe
  { name: 'stripe-secret-key', keywords: ['sk_live_', 'sk_test_'], pattern: `\\bsk_(?:live|test)_[${ALNUM}]{10,247}\\b` },
  { name: 'stripe-restricted-key', keywords: ['rk_live_', 'rk_test_'], pattern: `\\brk_(?:live|test)_[${ALNUM}]{10,247}\\b` },
  { name: 'stripe-webhook-secret', keywords: ['whsec_'], pattern: `\\bwhsec_[${ALNUM}+/=]{24,128}` },
  // Google
  { name: 'google-api-key', keywords: ['aiza'], pattern: `\\bAIza[${B64URL}]{35}(?![${B64URL}])` },
  { name: 'google-oauth-client-secret', keywords: ['gocspx-'], pattern: `\\bGOCSPX-[${B64URL}]{28}(?![${B64URL}])` },
  { name: 'google-oauth-access-token', keywords: ['ya29.'], pattern: `\\bya29\\.[${B64URL}.]{20,2048}` },
  // AI providers
  { name: 'anthropic-api-key', keywords: ['sk-ant-'], pattern: `\\bsk-ant-(?:api|admin|oat|ort)[0-9]{2}-[${B64URL}]{32,200}`, priority: 1 },
  {
    name: 'openai-api-key',
    keywords: ['sk-proj-', 'sk-svcacct-', 'sk-admin-', 't3blbkfj'],
    pattern: `\\bsk-(?:(?:proj|svcacct|admin|None)-[${B64URL}]{20,250}|[${ALNUM}]{20}T3BlbkFJ[${ALNUM}]{20})`,
  },
  { name: 'huggingface-token', keywords: ['hf_'], pattern: `\\bhf_[${ALNUM}]{34,40}\\b` },
  // Messaging and e-mail
  { name: 'twilio-api-key', keywords: ['SK'], caseSensitive: true, pattern: '\\bSK[0-9a-fA-F]{32}\\b' },
  { name: 'sendgrid-api-key', keywords: ['sg.'], pattern: `\\bSG\\.[${B64URL}]{22}\\.[${B64URL}]{43}(?![${B64URL}])` },
  { name: 'telegram-bot-token', keywords: [':aa'], pattern: `\\b[0-9]{8,10}:AA[${B64URL}]{33}(?![${B64URL}])` },
  {
    name: 'discord-webhook-url',
    keywords: ['discord.com/api/webhooks', 'discordapp.com/api/webhooks'],
    pattern: `https?://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/[0-9]{5,30}/[${B64URL}]{40,100}`,
  },
  // Supabase, JWTs
  { name: 'supabase-secret-key', keywords: ['sb_secret_'], pattern: `\\bsb_secret_[${B64URL}]{20,128}` },
  { name: 'supabase-pat', keywords: ['sbp_'], pattern: '\\bsbp_[0-9a-f]{40}\\b' },
  { name: 'jwt', keywords: ['eyj'], pattern: `\\beyJ[${B64URL}]{8,4096}\\.eyJ[${B64URL}]{8,8192}\\.[${B64URL}]{8,2048}` },
  // Cloud and SaaS
  { name: 'azure-storage-account-key', keywords: ['accountkey='], pattern: 'AccountKey=(?<secret>[A-Za-z0-9+/]{40,100}={0,2})', flags: 'i' },
  { name: 'azure-ad-client-secret', keywords: ['q~'], pattern: '(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])' },
  { name: 'digitalocean-token', keywords: ['dop_v1_', 'doo_v1_', 'dor_v1_'], pattern: '\\bdo[opr]_v1_[a-f0-9]{64}\\b' },
  { name: 'databricks-token', keywords: ['dapi'], pattern: '\\bdapi[a-f0-9]{32}(?:-[0-9])?\\b' },
  { name: 'shopify-token', keywords: ['shpat_', 'shpca_', 'shppa_', 'shpss_'], pattern: '\\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\\b' },
  { name: 'hashicorp-vault-token', keywords: ['hvs.', 'hvb.'], pattern: `\\bhv[sb]\\.[${B64URL}]{24,255}` },
  { name: 'grafana-token', keywords: ['glsa_', 'glc_'], pattern: `\\b(?:glsa_[${ALNUM}]{32}_[A-Fa-f0-9]{8}|glc_[${ALNUM}+/]{32,400}={0,2})` },
  { name: 'postman-api-key', keywords: ['pmak-'], pattern: '\\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\\b', flags: 'i' },
  { name: 'linear-api-key', keywords: ['lin_api_'], pattern: `\\blin_api_[${ALNUM}]{40}\\b` },
  { name: 'doppler-token', keywords: ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.', 'dp.scim.', 'dp.audit.'], pattern: `\\bdp\\.(?:pt|st|sa|ct|scim|audit)\\.[${ALNUM}]{40,44}\\b` },
  { name: 'sentry-token', keywords: ['sntrys_', 'sntryu_'], pattern: `\\bsntry[su]_[${ALNUM}+/=_]{40,400}` },
  // Private keys: BEGIN … END, or a BEGIN line with its base64 body when the END is cut off.
  {
    name: 'private-key',
    keywords: ['private key-----'],
    block: true,
    pattern:
      '-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\\s\\S]{0,16384}?-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----|(?:(?:\\\\[rn]|[\\s:,=-]|[A-Za-z0-9+/=])+))',
    priority: 0,
  },
];

/** The names a key may carry for the generic assignment rule, by what it names. */
const KEY = '(?:pass(?:word|wd)|secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|credentials?)';
// The key from its keyword on (DB_PASSWORD_FILE → PASSWORD_FILE): enough to name the rule and
// to see a key naming a file or URL; starting at the keyword keeps the regex fast.
const KEYNAME = `${KEY}[A-Za-z0-9_.-]{0,64}`;
const VALUE = (s: string) => `(?:\\\\?"(?<${s}q>[^"\\r\\n\\\\]{6,512})\\\\?"|'(?<${s}s>[^'\\r\\n]{6,512})'|(?<${s}u>[^\\s"'\`,;&)}\\]\\\\]{6,512}))`;

/** Context rules: a secret recognised by what stands around it. */
const context: RuleDef[] = [
  {
    name: 'basic-auth-url',
    keywords: ['://'],
    pattern: `://(?<=[A-Za-z][A-Za-z0-9+.-]{0,20}://)[^\\s:@/?#'"\`<>]{0,256}:(?<secret>[^\\s@/?#'"\`<>]{1,256})@[A-Za-z0-9[]`,
    valueChecks: true,
    priority: 3,
  },
  {
    name: 'authorization-header',
    keywords: ['authorization'],
    pattern: `authorization\\\\?["']?[ \\t]*[:=][ \\t]*\\\\?["']?(?:(?:bearer|basic|token|bot|digest|negotiate|ntlm|apikey|sso-key|aws4-hmac-sha256)[ \\t]+)?(?<secret>[^\\s"'\\\\][^\\r\\n"'\\\\]{7,4096})`,
    flags: 'i',
    valueChecks: true,
    priority: 3,
  },
  {
    name: 'bearer-token',
    keywords: ['bearer'],
    pattern: '\\bbearer[ \\t]+(?<secret>[A-Za-z0-9._~+/-]{16,4096}=*)',
    flags: 'i',
    valueChecks: true,
    priority: 3,
  },
  {
    name: 'npmrc-auth',
    keywords: ['_auth', '_password'],
    pattern: `(?<![A-Za-z0-9])_(?:authToken|auth|password)[ \\t]*=[ \\t]*${VALUE('secret')}`,
    valueChecks: true,
    priority: 2,
  },
  {
    name: 'docker-config-auth',
    keywords: ['"auth"'],
    pattern: '"auth"[ \\t]*:[ \\t]*"(?<secret>[A-Za-z0-9+/]{8,4096}={0,2})"',
    valueChecks: true,
    priority: 2,
  },
  {
    // env (KEY=v, export KEY="v"), YAML (key: v), JSON ("key": "v"), URL query (?token=v),
    // CLI flags (--password v, --token=v). Reported as password-/token-/api-key-/secret-assignment.
    name: 'secret-assignment',
    keywords: ['password', 'passwd', 'secret', 'token', 'api_key', 'api-key', 'api.key', 'apikey', 'access_key', 'access-key', 'access.key', 'accesskey', 'private_key', 'private-key', 'private.key', 'credential'],
    // Not a URL's user name (`https://x-access-token:SECRET@host/path`): basic-auth-url masks the
    // password alone there, where this rule's value would run on over the host and path.
    pattern: `(?<key>${KEYNAME})(?<![A-Za-z]://[^\\s:@/?#'"\`<>]{0,256})(?:\\\\?["']?[ \\t]*(?:=|:|=>|:=)[ \\t]*${VALUE('secret')}|(?<=--[A-Za-z0-9_.-]{1,130})[ \\t]+${VALUE('secretf')})`,
    flags: 'i',
    valueChecks: true,
    nameByKey: true,
    priority: 4,
  },
];

export const builtinRules: RuleDef[] = [...providers, ...context];

/** The reported name of a `secret-assignment` match, from its key. */
export function nameForKey(key: string): string {
  const k = key.toLowerCase();
  if (/pass(?:word|wd)/.test(k)) return 'password-assignment';
  if (/api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key/.test(k)) return 'api-key-assignment';
  if (k.includes('token')) return 'token-assignment';
  if (k.includes('credential')) return 'credential-assignment';
  return 'secret-assignment';
}

/** Keys that name where a secret is, not the secret (DB_PASSWORD_FILE=/run/secrets/db). */
export const NOT_SECRET_KEY = /(?:^|[_.-])(?:file|path|dir|directory|env|name|id|type|length|len|count|prompt|policy|hint|field|expires?|expiry|expiration|ttl|url|uri|endpoint|ref|arn|version|kind|header|mode|enabled|required)$/i;

/** Values never masked by context rules: digests, UUIDs, placeholders, already-masked text. */
export const NOT_SECRET_VALUE =
  /^(?:[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128}|[0-9A-F]{40}|[0-9A-F]{64}|[0-9A-F]{128}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|sha(?:1|256|384|512)[:-].*|\$\{.*|\$\(.*|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_]+%|<[^>]*>?|\{\{.*|\*+|[xX]{6,}|\.{3,}.*|null|none|nil|undefined|true|false|required|optional|string|redacted|masked|hidden|placeholder)$/;
