/**
 * The built-in mask rules (SPEC §3.3), as data: an id, the keywords that must occur for the
 * rule to be tried (the pre-filter: a rule's regex only runs on the lines where one of its
 * keywords occurs), the pattern, what recognises the secret (`kind`), and where the format
 * comes from (`source`: the provider's documentation, and the gitleaks default-config rule or
 * secretlint preset-recommend rule that describes the same format — facts, not code).
 *
 * Three kinds:
 * - `prefix`: the token's own prefix and shape say what it is (`ghp_` + 36 alphanumerics);
 * - `keyword`: the shape alone is too common (32 hex, a UUID); it counts only when the
 *   provider's name is the key it is assigned to (`DATADOG_APP_KEY=…`, `heroku_api_key: <uuid>`);
 * - `context`: any value, recognised by what stands around it (`password=`, a URL's userinfo,
 *   `Authorization:`, `docker login -p`, `.netrc`), and judged by value checks and an entropy
 *   floor (see `judgeValue`).
 *
 * A pattern may capture the secret in a group whose name starts with `secret`; only that
 * group is masked (`password=[MASKED:password-assignment]` keeps the key readable). Without
 * such a group the whole match is masked.
 *
 * Patterns are tried on Latin-1 strings (one char per byte), so they see bytes, not code
 * points: keep them ASCII.
 */
export type RuleKind = 'prefix' | 'keyword' | 'context';

export interface RuleDef {
  /** The rule id: what a mask says (`[MASKED:<id>]`), what mask-rules.json `disable` names. */
  name: string;
  /** Lower-case keywords, matched case-insensitively, unless `caseSensitive`. Empty: always tried. */
  keywords: string[];
  pattern: string;
  /** Extra regex flags besides g (and d when there is a secret group). */
  flags?: string;
  caseSensitive?: boolean;
  /** The match may span lines (a private-key block): the window runs from the keyword's line on. */
  block?: boolean;
  /** Block rules: how far past the keyword the window reaches (default BLOCK_WINDOW, 20 KiB). */
  reach?: number;
  /** Context rules: the value must look like a secret (`judgeValue`); weak values are reported, not masked. */
  valueChecks?: boolean;
  /** Context rules: the key must name a secret (`keyIsSecret`), from the `key` group. */
  keyChecks?: boolean;
  /** A UUID is a secret here (the key names one: `SNYK_TOKEN=<uuid>`). */
  uuidOk?: boolean;
  /** The rule's reported name depends on the key it matched (`password-assignment`, …). */
  nameByKey?: boolean;
  /** Lower wins when two rules mask overlapping text. */
  priority?: number;
  /** A match starts where a keyword does: the regex is tried at each keyword, not along the line (speed). */
  anchored?: boolean;
  /**
   * Anchored rules: a byte test that must hold at a keyword for the pattern to match there, so
   * most keyword hits are rejected without running the regex (see `assignmentGate` in scanner.ts).
   * 'assignment': the pattern is `(?<key>KEY[A-Za-z0-9_.-]{0,n})` then either `\\?["']?[ \t]*`
   * and `=` or `:`, or (after a `--` flag name) blanks or `=`, then VALUE. 'userinfo': the
   * pattern is `://`, a lookbehind, then `[^\\s:@/?#'"\`<>]{0,n}:`. 'line-start': the pattern
   * starts with `(?<=^[ \t]*)` (flag m). `{ at, byte }`: the byte `at` bytes after the keyword's
   * start is always `byte` in a match.
   */
  gate?: 'assignment' | 'userinfo' | 'line-start' | { at: number; byte: string };
  kind: RuleKind;
  /** Provenance: provider documentation and the peer rules (gitleaks/secretlint ids) that describe the format. */
  source: string;
  /** What the format is, for `--explain` (`36 alphanumerics after ghp_`). */
  shape?: string;
}

const B64URL = 'A-Za-z0-9_\\-';
const ALNUM = 'A-Za-z0-9';
/** Not preceded by a token character: the start of a token. */
const L = '(?<![A-Za-z0-9])';
const LW = '(?<![A-Za-z0-9_])';
/** Not followed by more of `cs`: the end of a token. */
const E = (cs: string) => `(?![${cs}])`;
const GL = (id: string) => `gitleaks:${id}`;
const SL = (id: string) => `secretlint:@secretlint/secretlint-rule-${id}`;

const P = (name: string, keywords: string[], pattern: string, source: string, o: Partial<RuleDef> = {}): RuleDef => ({
  name,
  keywords,
  pattern,
  source,
  kind: 'prefix',
  ...o,
});

/** Provider-prefixed tokens: the prefix is the keyword. */
const providers: RuleDef[] = [
  // GitHub (docs.github.com "About authentication / token formats")
  P('github-pat', ['ghp_'], `${L}ghp_[${ALNUM}]{36}${E(ALNUM)}`, `GitHub token formats; ${GL('github-pat')}; ${SL('github')}`),
  P('github-oauth-token', ['gho_'], `${L}gho_[${ALNUM}]{36}${E(ALNUM)}`, `GitHub token formats; ${GL('github-oauth')}; ${SL('github')}`),
  P('github-user-token', ['ghu_'], `${L}ghu_[${ALNUM}]{36}${E(ALNUM)}`, `GitHub token formats; ${GL('github-app-token')}; ${SL('github')}`),
  P('github-app-token', ['ghs_'], `${L}ghs_(?:[${ALNUM}]{36}${E(ALNUM)}|[0-9]{1,20}_[${B64URL}]{1,1000}\\.[${B64URL}]{1,10000}\\.[${B64URL}]{1,1000}${E(B64URL)})`, `GitHub token formats; ${GL('github-app-token')}; ${SL('github')}`),
  P('github-refresh-token', ['ghr_'], `${L}ghr_[${ALNUM}]{36,76}${E(ALNUM)}`, `GitHub token formats; ${GL('github-refresh-token')}; ${SL('github')}`),
  P('github-fine-grained-pat', ['github_pat_'], `${L}github_pat_[${ALNUM}_]{36,255}`, `GitHub token formats; ${GL('github-fine-grained-pat')}; ${SL('github')}`),
  // GitLab (docs.gitlab.com "Token prefixes")
  P('gitlab-pat', ['glpat-'], `${L}glpat-[${B64URL}.]{20,300}`, `GitLab token prefixes; ${GL('gitlab-pat')}, ${GL('gitlab-pat-routable')}; ${SL('gitlab')}`),
  P('gitlab-pipeline-trigger-token', ['glptt-'], `${L}glptt-[0-9a-f]{40}${E(ALNUM)}`, `GitLab token prefixes; ${GL('gitlab-ptt')}`),
  P('gitlab-runner-token', ['glrt-'], `${L}glrt-[${B64URL}.]{20,300}`, `GitLab token prefixes; ${GL('gitlab-runner-authentication-token')}, ${GL('gitlab-runner-authentication-token-routable')}`),
  P('gitlab-deploy-token', ['gldt-'], `${L}gldt-[${B64URL}]{20,64}`, `GitLab token prefixes; ${GL('gitlab-deploy-token')}`),
  P('gitlab-oauth-secret', ['gloas-'], `${L}gloas-[${B64URL}]{20,80}`, `GitLab token prefixes; ${GL('gitlab-oauth-app-secret')}`),
  P('gitlab-cicd-job-token', ['glcbt-'], `${L}glcbt-[${ALNUM}]{1,5}_[${B64URL}]{20,64}`, `GitLab token prefixes; ${GL('gitlab-cicd-job-token')}`),
  P('gitlab-feature-flag-token', ['glffct-'], `${L}glffct-[${B64URL}]{20,64}`, `GitLab token prefixes; ${GL('gitlab-feature-flag-client-token')}`),
  P('gitlab-feed-token', ['glft-'], `${L}glft-[${B64URL}]{20,64}`, `GitLab token prefixes; ${GL('gitlab-feed-token')}`),
  P('gitlab-incoming-mail-token', ['glimt-'], `${L}glimt-[${B64URL}]{25,64}`, `GitLab token prefixes; ${GL('gitlab-incoming-mail-token')}`),
  P('gitlab-agent-token', ['glagent-'], `${L}glagent-[${B64URL}]{50,64}`, `GitLab token prefixes; ${GL('gitlab-kubernetes-agent-token')}`),
  P('gitlab-scim-token', ['glsoat-'], `${L}glsoat-[${B64URL}]{20,64}`, `GitLab token prefixes; ${GL('gitlab-scim-token')}`),
  P('gitlab-runner-registration-token', ['gr1348941'], `${L}GR1348941[${B64URL}]{20,40}`, `GitLab token prefixes; ${GL('gitlab-rrt')}`),
  P('gitlab-session-cookie', ['_gitlab_session='], '_gitlab_session=(?<secret>[0-9a-z]{32})(?![0-9a-z])', `GitLab; ${GL('gitlab-session-cookie')}`),
  // Package registries
  P('npm-token', ['npm_'], `${L}npm_[${ALNUM}]{36}${E(ALNUM + '_')}`, `npm docs (access tokens); ${GL('npm-access-token')}; ${SL('npm')}`),
  P('pypi-token', ['pypi-ageichlwas5vcmc'], `${L}pypi-AgEIcHlwaS5vcmc[${B64URL}]{50,1000}`, `PyPI API tokens (macaroon); ${GL('pypi-upload-token')}`),
  P('docker-hub-pat', ['dckr_pat_', 'dckr_oat_'], `${L}dckr_(?:pat|oat)_[${B64URL}]{27,64}`, `Docker Hub access tokens; ${SL('docker')}`),
  P('rubygems-api-key', ['rubygems_'], `${L}rubygems_[a-f0-9]{48}${E(ALNUM)}`, `RubyGems API keys; ${GL('rubygems-api-token')}`),
  P('clojars-token', ['clojars_'], `${L}CLOJARS_[a-z0-9]{60}${E(ALNUM)}`, GL('clojars-api-token'), { flags: 'i' }),
  P('artifactory-api-key', ['akcp'], `${L}AKCp[${ALNUM}]{69}${E(ALNUM)}`, GL('artifactory-api-key')),
  P('artifactory-reference-token', ['cmvmd'], `${L}cmVmd[${ALNUM}]{59}${E(ALNUM)}`, GL('artifactory-reference-token')),
  P('readme-api-key', ['rdme_'], `${L}rdme_[a-z0-9]{70}${E(ALNUM)}`, GL('readme-api-token')),
  // AWS
  P('aws-access-key-id', ['akia', 'asia', 'abia', 'acca', 'a3t', 'agpa', 'aida', 'aroa', 'aipa', 'anpa', 'anva'], `${L}(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z2-7]{16}${E(ALNUM)}`, `AWS IAM identifiers; ${GL('aws-access-token')}; ${SL('aws')}`, { caseSensitive: false }),
  P(
    'aws-secret-access-key',
    ['secret_access_key', 'secretaccesskey', 'secret-access-key', 'aws_secret_key', 'aws_secret'],
    `aws_?secret(?:_?access)?_?key\\\\?["']?(?:[ \\t]*(?:=|:|=>)[ \\t]*|[ \\t]+)\\\\?["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])|secret[_-]?access[_-]?key\\\\?["']?(?:[ \\t]*(?:=|:|=>)[ \\t]*|[ \\t]+)\\\\?["']?(?<secretb>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])`,
    `AWS credentials file / CLI; ${SL('aws')}`,
    { flags: 'i', kind: 'keyword' },
  ),
  P('aws-bedrock-api-key', ['absk', 'bedrock-api-key-'], `${L}(?:ABSK[A-Za-z0-9+/]{109,269}={0,2}|bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%]{20,2000})`, `${GL('aws-amazon-bedrock-api-key-long-lived')}, ${GL('aws-amazon-bedrock-api-key-short-lived')}`),
  // Slack (api.slack.com token types)
  P('slack-bot-token', ['xoxb-'], `${L}xoxb-[0-9]{8,14}-(?:[0-9]{8,14}-[A-Za-z0-9]{16,40}|[A-Za-z0-9]{18,26})${E(ALNUM)}`, `Slack token types; ${GL('slack-bot-token')}, ${GL('slack-legacy-bot-token')}; ${SL('slack')}`),
  P('slack-user-token', ['xoxp-'], `${L}xoxp-[0-9]{8,14}-[0-9]{8,14}-[0-9]{8,14}-[a-fA-F0-9]{20,64}`, `Slack token types; ${GL('slack-user-token')}; ${SL('slack')}`),
  P('slack-token', ['xoxa-', 'xoxo-', 'xoxr-', 'xoxs-', 'xoxe-', 'xoxe.'], `${L}xox(?:[aors]-|e(?:\\.xox[bp])?-)(?:[0-9]{1,14}-)?[A-Za-z0-9-]{8,255}`, `Slack token types; ${GL('slack-legacy-token')}, ${GL('slack-legacy-workspace-token')}, ${GL('slack-config-access-token')}, ${GL('slack-config-refresh-token')}; ${SL('slack')}`),
  // secretlint's wider Slack shape (any dash groups after the prefix), behind the exact ones.
  P('slack-token', ['xoxb-', 'xoxp-', 'xoxa-', 'xoxo-', 'xoxr-'], `${L}xox[bpaor]-(?:[0-9]-)?(?:[A-Za-z0-9]{1,40}-)+[A-Za-z0-9]{1,40}${E(ALNUM + '-')}`, SL('slack'), { priority: 2 }),
  P('slack-app-token', ['xapp-'], `${L}xapp-[0-9]-[A-Z0-9]{8,14}-[0-9]{8,14}-[a-z0-9]{32,80}`, `Slack token types; ${GL('slack-app-token')}; ${SL('slack')}`, { flags: 'i' }),
  P('slack-webhook-url', ['hooks.slack.com'], 'https?://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,120}', `Slack incoming webhooks; ${GL('slack-webhook-url')}; ${SL('slack')}`),
  // Stripe
  P('stripe-secret-key', ['sk_live_', 'sk_test_', 'sk_prod_'], `${L}sk_(?:live|test|prod)_[${ALNUM}]{10,247}${E(ALNUM)}`, `Stripe API keys; ${GL('stripe-access-token')}; ${SL('stripe')}`),
  P('stripe-restricted-key', ['rk_live_', 'rk_test_', 'rk_prod_'], `${L}rk_(?:live|test|prod)_[${ALNUM}]{10,247}${E(ALNUM)}`, `Stripe API keys; ${GL('stripe-access-token')}; ${SL('stripe')}`),
  P('stripe-webhook-secret', ['whsec_'], `${L}whsec_[${ALNUM}+/=]{24,128}`, 'Stripe webhook signing secrets'),
  // Google
  P('google-api-key', ['aiza'], `${L}AIza[${B64URL}]{35}${E(B64URL)}`, `Google API keys; ${GL('gcp-api-key')}`),
  P('google-oauth-client-secret', ['gocspx-'], `${L}GOCSPX-[${B64URL}]{28}${E(B64URL)}`, 'Google OAuth client secrets (GOCSPX-)'),
  P('google-oauth-access-token', ['ya29.'], `${L}ya29\\.[${B64URL}.]{20,2048}`, 'Google OAuth access tokens (ya29.)'),
  // AI providers
  P('anthropic-api-key', ['sk-ant-'], `${L}sk-ant-(?:api|admin|oat|ort)[0-9]{2}-[${B64URL}]{32,200}`, `Anthropic API keys; ${GL('anthropic-api-key')}, ${GL('anthropic-admin-api-key')}; ${SL('anthropic')}`, { priority: 1 }),
  P(
    'openai-api-key',
    ['t3blbkfj'],
    `${L}sk-(?:(?:proj|svcacct|admin|None)-(?:[${B64URL}]{74}|[${B64URL}]{58})T3BlbkFJ(?:[${B64URL}]{74}|[${B64URL}]{58})${E(B64URL)}|[${ALNUM}]{20}T3BlbkFJ[${ALNUM}]{20}${E(ALNUM)})`,
    `OpenAI API keys (T3BlbkFJ marker); ${GL('openai-api-key')}; ${SL('openai')}`,
  ),
  P('huggingface-token', ['hf_'], `${L}hf_[A-Za-z]{34}${E(ALNUM)}`, `Hugging Face user access tokens; ${GL('huggingface-access-token')}; ${SL('huggingface')}`),
  P('huggingface-org-token', ['api_org_'], `${L}api_org_[A-Za-z]{34}${E(ALNUM)}`, GL('huggingface-organization-api-token')),
  P('groq-api-key', ['gsk_'], `${L}gsk_[${ALNUM}]{52}${E(ALNUM)}`, `Groq API keys; ${SL('groq')}`),
  P('perplexity-api-key', ['pplx-'], `${L}pplx-[${ALNUM}]{48}${E(ALNUM)}`, GL('perplexity-api-key')),
  P('privateai-api-key', ['privateai'], `privateai[${B64URL}.]{0,20}["']?[ \\t]*[=:][ \\t]*["']?(?<secret>[a-z0-9]{32})(?![a-z0-9])`, GL('privateai-api-token'), { flags: 'i', kind: 'keyword' }),
  // Messaging and e-mail
  P('twilio-api-key', ['SK'], `${L}SK[0-9a-fA-F]{32}${E(ALNUM)}`, `Twilio API keys; ${GL('twilio-api-key')}`, { caseSensitive: true, anchored: true }),
  P('sendgrid-api-key', ['sg.'], `${L}SG\\.[${B64URL}]{22}\\.[${B64URL}]{43}${E(B64URL)}`, `SendGrid API keys; ${GL('sendgrid-api-token')}; ${SL('sendgrid')}`),
  P('brevo-api-key', ['xkeysib-', 'xsmtpsib-'], `${L}x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}${E(ALNUM)}`, `Brevo (Sendinblue) API/SMTP keys; ${GL('sendinblue-api-token')}`),
  // Telegram: `123456789:AA…`, also inside https://api.telegram.org/bot<token>/ (no word boundary after "bot").
  P('telegram-bot-token', [':aa'], `(?<![0-9])[0-9]{5,16}:AA[${B64URL}]{33}${E(B64URL)}`, `Telegram Bot API; ${GL('telegram-bot-api-token')}`),
  P('discord-webhook-url', ['discord.com/api/webhooks', 'discordapp.com/api/webhooks'], `https?://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/[0-9]{5,30}/[${B64URL}]{40,100}`, 'Discord webhooks'),
  P('teams-webhook-url', ['webhook.office.com'], 'https://[a-z0-9-]+\\.webhook\\.office\\.com/webhookb2/[a-z0-9-]{36}@[a-z0-9-]{36}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9-]{36}(?:/[A-Za-z0-9_-]{20,80})?', GL('microsoft-teams-webhook'), { flags: 'i' }),
  // Supabase, JWTs
  P('supabase-secret-key', ['sb_secret_'], `${L}sb_secret_[${B64URL}]{20,128}`, 'Supabase API keys (sb_secret_)'),
  P('supabase-pat', ['sbp_'], `${L}sbp_[0-9a-f]{40}${E(ALNUM)}`, 'Supabase personal access tokens'),
  P('jwt', ['eyj'], `${L}eyJ[${B64URL}]{8,4096}\\.eyJ[${B64URL}]{8,8192}\\.[${B64URL}]{8,2048}`, `RFC 7519; ${GL('jwt')}`),
  // A JWT in base64 (a Kubernetes secret, a config blob): base64 of "eyJ" is ZXlK; the next 8
  // characters are base64 of the first registered header field's name (alg, kid, typ, …).
  P('jwt-base64', ['ZXlK'], `(?<![A-Za-z0-9+/])ZXlK(?:aGJHY2lP|aGNIVWlP|aGNIWWlP|aGRXUWlP|aU5qUWlP|amNtbDBJ|amRIa2lP|bGJtTWlP|bGNHc2lP|bGVIQWlP|cFlYUWlP|cGMzTWlP|cWEzVWlP|cWQyc2lP|cmFXUWlP|dVltWWlP|d01tTWlP|d01uTWlP|emRXSWlP|MFlXY2lP|MGVYQWlP|NE5XTWlP|NE5YUWlP|NE5YVWlP|NmFYQWlP)[A-Za-z0-9+/]{40,8192}={0,2}`, `RFC 7519 header parameters, base64-encoded; ${GL('jwt-base64')}`, { caseSensitive: true }),
  P('grafana-api-key', ['eyjrijoi'], `${L}eyJrIjoi[${ALNUM}]{70,400}={0,3}`, GL('grafana-api-key')),
  // Cloud and SaaS
  P('azure-storage-account-key', ['accountkey='], 'AccountKey=(?<secret>[A-Za-z0-9+/]{40,100}={0,2})', 'Azure storage connection strings', { flags: 'i', kind: 'context' }),
  P('azure-ad-client-secret', ['q~'], '(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])', `Microsoft Entra client secrets; ${GL('azure-ad-client-secret')}`),
  P('alibaba-access-key-id', ['ltai'], `${L}LTAI[A-Za-z0-9]{20}${E(ALNUM)}`, GL('alibaba-access-key-id')),
  P('digitalocean-token', ['dop_v1_', 'doo_v1_', 'dor_v1_'], `${L}do[opr]_v1_[a-f0-9]{64}${E(ALNUM)}`, `${GL('digitalocean-pat')}, ${GL('digitalocean-access-token')}, ${GL('digitalocean-refresh-token')}`),
  P('databricks-token', ['dapi'], `${L}dapi[a-fA-F0-9]{32}(?:-[0-9])?${E(ALNUM)}`, `${GL('databricks-api-token')}; ${SL('databricks')}`),
  P('shopify-token', ['shpat_', 'shpca_', 'shppa_', 'shpss_'], `${L}shp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,64}${E(ALNUM)}`, `${GL('shopify-access-token')} (+ca, pa, ss); ${SL('shopify')}`),
  P('hashicorp-vault-token', ['hvs.', 'hvb.', 'hvr.'], `${L}hv[sbr]\\.[${B64URL}]{24,300}`, `Vault token prefixes; ${GL('vault-service-token')}, ${GL('vault-batch-token')}; ${SL('hashicorp-vault')}`),
  P('terraform-cloud-token', ['atlasv1'], `${L}[a-z0-9]{14}\\.atlasv1\\.[${B64URL}=]{60,70}`, GL('hashicorp-tf-api-token'), { flags: 'i' }),
  P('grafana-token', ['glsa_', 'glc_'], `${L}(?:glsa_[${ALNUM}]{32}_[A-Fa-f0-9]{8}|glc_[${ALNUM}+/]{32,400}={0,2})`, `${GL('grafana-service-account-token')}, ${GL('grafana-cloud-api-token')}; ${SL('grafana')}`),
  P('postman-api-key', ['pmak-'], `${L}PMAK-[a-f0-9]{24}-[a-f0-9]{34}${E(ALNUM)}`, GL('postman-api-token'), { flags: 'i' }),
  P('linear-api-key', ['lin_api_'], `${L}lin_api_[${ALNUM}_]{32,128}${E(ALNUM + '_')}`, `${GL('linear-api-key')}; ${SL('linear')}`),
  P('doppler-token', ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.', 'dp.scim.', 'dp.audit.'], `${L}dp\\.(?:pt|st|sa|ct|scim|audit)\\.[${ALNUM}]{40,44}${E(ALNUM)}`, `Doppler token formats; ${GL('doppler-api-token')}`),
  P('sentry-token', ['sntrys_', 'sntryu_'], `${L}sntry[su]_[${ALNUM}+/=_]{40,400}`, `${GL('sentry-org-token')}, ${GL('sentry-user-token')}`),
  P('sentry-dsn', ['sentry.io', 'ingest.'], `https?://(?<secret>[0-9a-f]{32})(?::[0-9a-f]{32})?@[A-Za-z0-9.-]*(?:sentry\\.io|ingest\\.[A-Za-z0-9.-]+)`, 'Sentry DSN (the public key in the userinfo)', { kind: 'context' }),
  P('atlassian-api-token', ['atatt3'], `${L}ATATT3[${B64URL}=]{186}${E(B64URL + '=')}`, GL('atlassian-api-token')),
  P('heroku-api-key', ['hrku-aa'], `${L}HRKU-AA[${B64URL}]{58}${E(B64URL)}`, GL('heroku-api-key-v2')),
  P('new-relic-key', ['nrak-', 'nrii-', 'nrjs-'], `${L}(?:NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9-]{32}|NRJS-[a-f0-9]{19})${E(ALNUM)}`, `${GL('new-relic-user-api-key')}, ${GL('new-relic-insert-key')}, ${GL('new-relic-browser-api-token')}`),
  P('pulumi-token', ['pul-'], `${L}pul-[a-f0-9]{40}${E(ALNUM)}`, GL('pulumi-api-token')),
  P('tailscale-key', ['tskey-'], `${L}tskey-[a-z]{2,20}-[${ALNUM}_]{8,40}-[${ALNUM}_]{16,60}${E(ALNUM + '_')}`, `Tailscale keys; ${SL('tailscale')}`),
  P('vercel-token', ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'], `${L}vc[piark]_[${ALNUM}]{20,60}${E(ALNUM)}`, `Vercel token prefixes; ${SL('vercel')}`),
  P('onepassword-service-account-token', ['ops_ey'], `${L}ops_ey[A-Za-z0-9+/=]{100,1280}`, `1Password service accounts; ${GL('1password-service-account-token')}; ${SL('1password')}`),
  P('onepassword-secret-key', ['A3-'], `${L}A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}${E(ALNUM)}`, GL('1password-secret-key'), { caseSensitive: true }),
  P('cloudflare-api-token', ['cfk_', 'cfut_', 'cfat_'], `${L}cf(?:k|ut|at)_[${ALNUM}]{40}[0-9a-f]{8}${E(ALNUM)}`, `Cloudflare token prefixes; ${SL('cloudflare')}`),
  P('cloudflare-origin-ca-key', ['v1.0-'], `${L}v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}${E(ALNUM)}`, GL('cloudflare-origin-ca-key')),
  P('dynatrace-token', ['dt0c01.'], `${L}dt0c01\\.[A-Za-z0-9]{24}\\.[A-Za-z0-9]{64}${E(ALNUM)}`, GL('dynatrace-api-token')),
  P('fly-io-token', ['fo1_', 'fm1a_', 'fm1r_', 'fm2_'], `${L}(?:fo1_[${B64URL}]{43}|fm1[ar]_[A-Za-z0-9+/]{100,}={0,3}|fm2_[A-Za-z0-9+/]{100,}={0,3})`, GL('flyio-access-token')),
  P('notion-token', ['ntn_'], `${L}ntn_[0-9]{11}[${ALNUM}]{35}${E(ALNUM)}`, `Notion integration tokens; ${GL('notion-api-token')}; ${SL('notion')}`),
  P('sourcegraph-token', ['sgp_'], `${L}sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}${E(ALNUM)}`, GL('sourcegraph-access-token')),
  P('square-token', ['sq0atp-', 'sq0csp-', 'eaaa'], `(?<![A-Za-z0-9+/_-])(?:sq0atp-[${B64URL}]{22,60}|sq0csp-[${B64URL}]{43}|EAAA[${B64URL}]{22,60})(?![A-Za-z0-9+/=_-])`, GL('square-access-token')),
  P('figma-token', ['figd_'], `${L}figd_[${B64URL}]{40,200}`, `Figma PATs; ${SL('figma')}`),
  P('age-secret-key', ['age-secret-key-1'], 'AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}', GL('age-secret-key')),
  P('adobe-client-secret', ['p8e-'], `${L}p8e-[A-Za-z0-9]{32}${E(ALNUM)}`, GL('adobe-client-secret')),
  P('authress-key', ['sc_', 'ext_', 'scauth_', 'authress_'], `${L}(?:sc|ext|scauth|authress)_[a-z0-9]{5,30}\\.[a-z0-9]{4,6}\\.acc[_-][a-z0-9-]{10,32}\\.[a-z0-9+/_=-]{30,120}`, GL('authress-service-client-access-key'), { flags: 'i' }),
  P('clickhouse-cloud-key', ['4b1d'], `${L}4b1d[${ALNUM}]{38}${E(ALNUM)}`, GL('clickhouse-cloud-api-secret-key')),
  P('duffel-token', ['duffel_'], `${L}duffel_(?:test|live)_[${B64URL}=]{43}`, GL('duffel-api-token')),
  P('easypost-token', ['ezak', 'eztk'], `${L}EZ[AT]K[A-Za-z0-9]{54}${E(ALNUM)}`, `${GL('easypost-api-token')}, ${GL('easypost-test-api-token')}`),
  P('facebook-page-token', ['eaam', 'eaac'], `(?<![A-Za-z0-9+/_-])EAA[MC][A-Za-z0-9]{100,}(?![A-Za-z0-9+/=_-])`, GL('facebook-page-access-token')),
  P('flutterwave-secret-key', ['flwseck_test-', 'flwseck-'], `${L}FLWSECK(?:_TEST)?-[a-h0-9]{12,32}(?:-X)?${E(ALNUM)}`, `${GL('flutterwave-secret-key')}, ${GL('flutterwave-encryption-key')}`, { flags: 'i' }),
  P('frameio-token', ['fio-u-'], `${L}fio-u-[${B64URL}=]{64}`, GL('frameio-api-token')),
  P('harness-token', ['pat.', 'sat.'], `${L}(?:pat|sat)\\.[${B64URL}]{22}\\.[${ALNUM}]{24}\\.[${ALNUM}]{20}${E(ALNUM)}`, GL('harness-api-key')),
  P('infracost-token', ['ico-'], `${L}ico-[${ALNUM}]{32}${E(ALNUM)}`, GL('infracost-api-token')),
  P('intra42-secret', ['s-s4t2ud-', 's-s4t2af-'], `${L}s-s4t2(?:ud|af)-[a-f0-9]{64}${E(ALNUM)}`, GL('intra42-client-secret')),
  P('maxmind-license-key', ['_mmk'], `${L}[${ALNUM}]{6}_[${ALNUM}]{29}_mmk${E(ALNUM)}`, GL('maxmind-license-key')),
  P('octopus-deploy-key', ['API-'], `${L}API-[A-Z0-9]{26}${E(ALNUM)}`, GL('octopus-deploy-api-key'), { caseSensitive: true }),
  P('openshift-token', ['sha256~'], `${L}sha256~[${B64URL}]{43}${E(B64URL)}`, GL('openshift-user-token')),
  P('planetscale-token', ['pscale_tkn_', 'pscale_oauth_', 'pscale_pw_'], `${L}pscale_(?:tkn|oauth|pw)_[${B64URL}=.]{32,64}`, `${GL('planetscale-api-token')}, ${GL('planetscale-oauth-token')}, ${GL('planetscale-password')}`),
  P('prefect-token', ['pnu_'], `${L}pnu_[${ALNUM}]{36}${E(ALNUM)}`, GL('prefect-api-token')),
  P('defined-networking-token', ['dnkey-'], `${L}dnkey-[a-z0-9=_-]{26}-[a-z0-9=_-]{52}${E(B64URL + '=')}`, `Defined Networking API tokens; ${GL('defined-networking-api-token')}`, { flags: 'i' }),
  P('scalingo-token', ['tk-us-'], `${L}tk-us-[${B64URL}]{48}`, GL('scalingo-api-token')),
  P('settlemint-token', ['sm_aat_', 'sm_pat_', 'sm_sat_'], `${L}sm_(?:aat|pat|sat)_[${ALNUM}]{16}${E(ALNUM)}`, `${GL('settlemint-personal-access-token')} (+aat, sat)`),
  P('shippo-token', ['shippo_'], `${L}shippo_(?:live|test)_[a-fA-F0-9]{40}${E(ALNUM)}`, GL('shippo-api-token')),
  P('sonarqube-token', ['squ_', 'sqp_', 'sqa_'], `${L}sq[upa]_[a-f0-9]{40}${E(ALNUM)}`, `SonarQube token prefixes; ${GL('sonar-api-token')}`),
  P('airtable-pat', ['pat'], `${L}pat[${ALNUM}]{14}\\.[a-f0-9]{64}${E(ALNUM)}`, GL('airtable-personnal-access-token'), { caseSensitive: true, anchored: true, gate: { at: 17, byte: '.' } }),
  // Private keys: BEGIN … END, or a BEGIN line with its base64 body when the END is cut off.
  P(
    'private-key',
    ['private key-----'],
    '-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\\s\\S]{0,16384}?-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----|(?:(?:\\\\[rn]|[\\s:,=-]|[A-Za-z0-9+/=])+))',
    `RFC 7468 (PEM); ${GL('private-key')}; ${SL('privatekey')}`,
    { block: true, priority: 0 },
  ),
];

/**
 * Keyword-gated formats (gitleaks' "provider keyword near a value" rules): the shape is too
 * common alone, so it counts only as the value of a key naming the provider
 * (`TWITTER_API_SECRET=…`, `heroku_api_key: <uuid>`). [id, provider names, value, gitleaks ids].
 */
const gated: [string, string, string, string][] = [
  ['adafruit-api-key', 'adafruit', '[a-z0-9_-]{32}', 'adafruit-api-key'],
  ['airtable-api-key', 'airtable', '[a-z0-9]{17}', 'airtable-api-key'],
  ['algolia-api-key', 'algolia', '[a-z0-9]{32}', 'algolia-api-key'],
  ['alibaba-secret-key', 'alibaba', '[a-z0-9]{30}', 'alibaba-secret-key'],
  ['asana-secret', 'asana', '[a-z0-9]{32}', 'asana-client-secret'],
  ['atlassian-token', 'atlassian|confluence|jira', '[a-z0-9]{20}[a-f0-9]{4}', 'atlassian-api-token'],
  ['beamer-token', 'beamer', 'b_[a-z0-9=_-]{44}', 'beamer-api-token'],
  ['bitbucket-secret', 'bitbucket', '[a-z0-9=_-]{64}', 'bitbucket-client-secret'],
  ['bittrex-key', 'bittrex', '[a-z0-9]{32}', 'bittrex-access-key, bittrex-secret-key'],
  ['cisco-meraki-key', 'meraki', '[0-9a-f]{40}', 'cisco-meraki-api-key'],
  ['cloudflare-key', 'cloudflare', '[a-z0-9_-]{40}|[a-f0-9]{37}', 'cloudflare-api-key, cloudflare-global-api-key'],
  ['codecov-token', 'codecov', '[a-z0-9]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'codecov-access-token'],
  ['cohere-api-key', 'cohere|co_api_key', '[a-z0-9]{40}', 'cohere-api-token'],
  ['coinbase-token', 'coinbase', '[a-z0-9_-]{64}', 'coinbase-access-token'],
  ['confluent-key', 'confluent', '[a-z0-9]{64}|[a-z0-9]{16}', 'confluent-secret-key, confluent-access-token'],
  ['contentful-token', 'contentful', '[a-z0-9=_-]{43}', 'contentful-delivery-api-token'],
  ['datadog-key', 'datadog|dd_api|dd_app', '[a-z0-9]{40}|[a-f0-9]{32}', 'datadog-access-token'],
  ['discord-token', 'discord', '[a-f0-9]{64}|[a-z0-9=_-]{32}', 'discord-api-token, discord-client-secret'],
  ['droneci-token', 'droneci|drone_token', '[a-z0-9]{32}', 'droneci-access-token'],
  ['dropbox-token', 'dropbox', 'sl\\.[a-z0-9=_-]{135}|[a-z0-9]{11}AAAAAAAAAA[a-z0-9=_-]{43}|[a-z0-9]{15}', 'dropbox-api-token, dropbox-long-lived-api-token, dropbox-short-lived-api-token'],
  ['etsy-token', 'etsy', '[a-z0-9]{24}', 'etsy-access-token'],
  ['facebook-secret', 'facebook', '[a-f0-9]{32}|[0-9]{15,16}(?:\\||%7C)[0-9a-z_-]{27,40}', 'facebook-secret, facebook-access-token'],
  ['fastly-token', 'fastly', '[a-z0-9=_-]{32}', 'fastly-api-token'],
  ['finicity-secret', 'finicity', '[a-f0-9]{32}|[a-z0-9]{20}', 'finicity-api-token, finicity-client-secret'],
  ['finnhub-token', 'finnhub', '[a-z0-9]{20}', 'finnhub-access-token'],
  ['flickr-token', 'flickr', '[a-z0-9]{32}', 'flickr-access-token'],
  ['freshbooks-token', 'freshbooks', '[a-z0-9]{64}', 'freshbooks-access-token'],
  ['gitter-token', 'gitter', '[a-z0-9_-]{40}', 'gitter-access-token'],
  ['gocardless-token', 'gocardless', 'live_[a-z0-9=_-]{40}', 'gocardless-api-token'],
  ['heroku-api-key-uuid', 'heroku', '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'heroku-api-key'],
  ['hubspot-api-key', 'hubspot', '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'hubspot-api-key'],
  ['intercom-token', 'intercom', '[a-z0-9=_-]{60}', 'intercom-api-key'],
  ['jfrog-key', 'jfrog|artifactory|bintray|xray', '[a-z0-9]{73}|[a-z0-9]{64}', 'jfrog-api-key, jfrog-identity-token'],
  ['kraken-token', 'kraken', '[a-z0-9/=_+-]{80,90}', 'kraken-access-token'],
  ['kucoin-key', 'kucoin', '[a-f0-9]{24}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'kucoin-access-token, kucoin-secret-key'],
  ['launchdarkly-token', 'launchdarkly', '[a-z0-9=_-]{40}', 'launchdarkly-access-token'],
  ['linear-client-secret', 'linear', '[a-f0-9]{32}', 'linear-client-secret'],
  ['linkedin-secret', 'linkedin|linked_in|linked-in', '[a-z0-9]{16}', 'linkedin-client-secret'],
  ['lob-api-key', 'lob', '(?:live|test)_[a-f0-9]{35}', 'lob-api-key'],
  ['looker-secret', 'looker', '[a-z0-9]{24}', 'looker-client-secret'],
  ['mailchimp-api-key', 'mailchimp', '[a-f0-9]{32}-us[0-9]{1,2}', 'mailchimp-api-key'],
  ['mailgun-key', 'mailgun', 'key-[a-f0-9]{32}|[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}', 'mailgun-private-api-token, mailgun-signing-key'],
  ['mattermost-token', 'mattermost', '[a-z0-9]{26}', 'mattermost-access-token'],
  ['messagebird-token', 'messagebird|message_bird|message-bird', '[a-z0-9]{25}', 'messagebird-api-token'],
  ['netlify-token', 'netlify', '[a-z0-9=_-]{40,46}', 'netlify-access-token'],
  ['new-relic-user-key', 'newrelic|new_relic|new-relic', '[a-z0-9]{64}', 'new-relic-user-api-id'],
  ['nytimes-token', 'nytimes|newyorktimes', '[a-z0-9=_-]{32}', 'nytimes-access-token'],
  ['okta-token', 'okta', '00[a-z0-9=_-]{40}', 'okta-access-token'],
  ['plaid-secret', 'plaid', 'access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9]{30}', 'plaid-api-token, plaid-secret-key'],
  ['rapidapi-token', 'rapidapi', '[a-z0-9_-]{50}', 'rapidapi-access-token'],
  ['sendbird-token', 'sendbird', '[a-f0-9]{40}', 'sendbird-access-token'],
  ['sentry-auth-token', 'sentry', '[a-f0-9]{64}', 'sentry-access-token'],
  ['sidekiq-secret', 'bundle_enterprise__contribsys__com|bundle_gems__contribsys__com', '[a-f0-9]{8}:[a-f0-9]{8}', 'sidekiq-secret'],
  ['snyk-token', 'snyk', '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'snyk-api-token'],
  ['sonar-token', 'sonar', '[a-z0-9=_-]{40}', 'sonar-api-token'],
  ['squarespace-token', 'squarespace', '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'squarespace-access-token'],
  ['sumologic-key', 'sumo', 'su[a-z0-9]{12}|[a-z0-9]{64}', 'sumologic-access-id, sumologic-access-token'],
  ['travisci-token', 'travis', '[a-z0-9]{22}', 'travisci-access-token'],
  ['twitch-token', 'twitch', '[a-z0-9]{30}', 'twitch-api-token'],
  ['twitter-secret', 'twitter', 'A{22}[a-z0-9%]{80,100}|[0-9]{15,25}-[a-z0-9]{20,40}|[a-z0-9]{50}|[a-z0-9]{45}|[a-z0-9]{25}', 'twitter-bearer-token, twitter-access-token, twitter-api-secret, twitter-access-secret, twitter-api-key'],
  ['typeform-token', 'typeform', 'tfp_[a-z0-9=_.-]{59}', 'typeform-api-token'],
  ['vault-legacy-token', 'vault', 's\\.[a-z0-9]{24}', 'vault-service-token (legacy s.)'],
  ['yandex-key', 'yandex', 't1\\.[a-z0-9_-]+={0,2}\\.[a-z0-9_-]{86}={0,2}|AQVN[a-z0-9_-]{35,38}|YC[a-z0-9_-]{38}', 'yandex-access-token, yandex-api-key, yandex-aws-access-token'],
  ['zendesk-secret', 'zendesk', '[a-z0-9]{40}', 'zendesk-secret-key'],
];

/**
 * More keyword-gated formats, from the providers' own documentation (gitleaks has no rule for
 * them): CI services and the SaaS keys CI jobs carry. [id, provider names, value, source].
 * Where the shape is common (20–32 characters, a UUID), the key must name the secret itself
 * (`PAGERDUTY_ROUTING_KEY`, not `PAGERDUTY_SUBDOMAIN`), not only the provider.
 */
const gatedDocs: [string, string, string, string][] = [
  ['azure-devops-pat', 'azure_devops|azure-devops|azuredevops|azdo|vsts|ado_pat|ado_token|system_accesstoken', '[a-z2-7]{52}|[a-z0-9]{52}JQQJ99[a-z0-9]{20}AZDO[a-z0-9]{4}', 'Azure DevOps personal access tokens (Microsoft Learn, "Use personal access tokens": 52 base32 characters; 84 characters with the AZDO signature)'],
  ['circleci-token', 'circleci|circle_token|circle-token', '[a-f0-9]{40}|CCIPAT_[a-z0-9]{22}_[a-f0-9]{40}', 'CircleCI API tokens (CircleCI docs, "Managing API tokens": 40 hex; CCIPAT_ personal tokens)'],
  ['coveralls-token', 'coveralls_repo_token|coveralls_token', '[a-z0-9]{32,37}', 'Coveralls repo token (docs.coveralls.io, COVERALLS_REPO_TOKEN)'],
  ['saucelabs-access-key', 'sauce_access_key|saucelabs_access_key|sauce_key', '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'Sauce Labs access key, a UUID (docs.saucelabs.com, SAUCE_ACCESS_KEY)'],
  ['browserstack-access-key', 'browserstack_access_key|browserstack_accesskey|browserstack_key', '[a-z0-9]{20}', 'BrowserStack access key, 20 characters (browserstack.com docs, BROWSERSTACK_ACCESS_KEY)'],
  ['percy-token', 'percy', '(?:(?:web|auto|app|ss|vmw|res)_)?[a-f0-9]{64}', 'Percy project tokens (docs.percy.io, PERCY_TOKEN: a project-type prefix and 64 hex)'],
  ['cypress-record-key', 'cypress_record_key|cypress_key', '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'Cypress Cloud record key, a UUID (docs.cypress.io, CYPRESS_RECORD_KEY)'],
  ['firebase-token', 'firebase', '1//[a-z0-9_-]{40,512}', 'Firebase CLI CI token from `firebase login:ci`: a Google OAuth refresh token, 1//… (firebase.google.com docs, FIREBASE_TOKEN)'],
  ['auth0-client-secret', 'auth0', '[a-z0-9_-]{64}', 'Auth0 application client secret, 64 characters (auth0.com docs, AUTH0_CLIENT_SECRET)'],
  ['pagerduty-key', 'pagerduty_routing|pagerduty_integration|pagerduty_api|pagerduty_token|pagerduty_key|pagerduty_service_key', '[a-z0-9]{32}|[a-z0-9_+-]{20}', 'PagerDuty Events API v2 routing key (32) and REST API key (20) (developer.pagerduty.com)'],
  ['opsgenie-api-key', 'opsgenie_api_key|opsgenie_key|opsgenie_token', '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'Opsgenie API key, a UUID (docs.opsgenie.com, OPSGENIE_API_KEY)'],
  ['rollbar-token', 'rollbar', '[a-f0-9]{32}', 'Rollbar project access token, 32 hex (docs.rollbar.com, ROLLBAR_ACCESS_TOKEN)'],
  ['cloudinary-secret', 'cloudinary_api_secret|cloudinary_secret', '[a-z0-9_-]{27}', 'Cloudinary API secret, 27 characters (cloudinary.com docs, CLOUDINARY_API_SECRET)'],
  ['pusher-secret', 'pusher_app_secret|pusher_secret|pusher-secret', '[a-f0-9]{20}', 'Pusher Channels app secret, 20 hex (pusher.com docs; the app key, also 20 hex, is public and not matched)'],
  ['twilio-auth-token', 'twilio', '[a-f0-9]{32}', 'Twilio auth token, 32 hex (twilio.com docs, TWILIO_AUTH_TOKEN)'],
  ['vonage-api-secret', 'vonage_api_secret|nexmo_api_secret|vonage_secret|nexmo_secret', '[a-z0-9]{16}', 'Vonage (Nexmo) API secret, 16 characters (developer.vonage.com, VONAGE_API_SECRET)'],
  ['jenkins-api-token', 'jenkins', '11[a-f0-9]{32}|[a-f0-9]{32}', 'Jenkins user API token, 34 hex starting 11 (older: 32 hex) (jenkins.io docs, JENKINS_API_TOKEN)'],
  ['azure-storage-key', 'azure_storage|azure-storage|storage_account|storageaccount|account_key', '[a-z0-9+/]{86}==', 'Azure storage account access key, 64 bytes in base64 (Microsoft Learn, "Manage storage account access keys"; AZURE_STORAGE_KEY of the az CLI)'],
  ['honeycomb-key', 'honeycomb_api_key|honeycomb_key|honeycomb_writekey|honeycomb_write_key', '[a-f0-9]{32}|[a-z0-9]{22}', 'Honeycomb API keys: 32 hex (classic) or 22 characters (docs.honeycomb.io, HONEYCOMB_API_KEY)'],
  ['mongodb-atlas-key', 'atlas_private_key|atlas_api_private_key', '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'MongoDB Atlas programmatic API private key, a UUID (mongodb.com docs, MONGODB_ATLAS_PRIVATE_KEY)'],
];

const keywordRules: RuleDef[] = [...gated, ...gatedDocs.map(([n, k, v, src]) => [n, k, v, '', src] as const)].map(([name, names, value, ids, src]) => ({
  name,
  keywords: names.split('|').map((n) => n.toLowerCase()),
  // The provider's name in the key, up to 30 more key characters, then an assignment.
  pattern: `(?<key>(?:${names})[A-Za-z0-9_.-]{0,30})\\\\?["']?[ \\t]*(?:=|:|:=|=>|\\?=)[ \\t]*\\\\?["'\`]?(?<secret>${value})(?![A-Za-z0-9_=+/-])`,
  flags: 'i',
  kind: 'keyword' as const,
  anchored: true,
  keyChecks: true,
  uuidOk: true,
  priority: 2,
  source:
    src ??
    ids
      .split(', ')
      .map((id) => GL(id))
      .join(', '),
}));

/** The names a key may carry for the generic assignment rule, by what it names. */
const KEY =
  '(?:pass(?:word|wd|phrase)|secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|credentials?|(?:signing|encryption|encrypt|master|session|license|deploy)[_.-]?key|(?<=[_.;-]|\\b)pwd(?![a-z]))';
// The key from its keyword on (DB_PASSWORD_FILE → PASSWORD_FILE): enough to name the rule and
// to see a key naming a file or URL; starting at the keyword keeps the regex fast.
const KEYNAME = `${KEY}[A-Za-z0-9_.-]{0,64}`;
const VALUE = (s: string) => `(?:\\\\?"(?<${s}q>[^"\\r\\n\\\\]{6,512})\\\\?"|'(?<${s}s>[^'\\r\\n]{6,512})'|(?<${s}u>[^\\s"'\`,;&)}\\]\\\\]{6,512}))`;
/** A shell word: quoted, or up to the next blank. */
const WORD = (s: string) => `(?:"(?<${s}q>[^"\\r\\n]{1,512})"|'(?<${s}s>[^'\\r\\n]{1,512})'|(?<${s}u>[^\\s"'\`;&|)]{1,512}))`;
const C = (name: string, keywords: string[], pattern: string, source: string, o: Partial<RuleDef> = {}): RuleDef => ({
  name,
  keywords,
  pattern,
  source,
  kind: 'context',
  valueChecks: true,
  priority: 3,
  ...o,
});

/** Context rules: a secret recognised by what stands around it. */
const context: RuleDef[] = [
  // scheme://user:password@host, also with an empty user (redis://:password@host).
  C('basic-auth-url', ['://'], `://(?<=[A-Za-z][A-Za-z0-9+.-]{0,20}://)[^\\s:@/?#'"\`<>]{0,256}:(?<secret>[^\\s@/?'"\`<>]{1,256})@[A-Za-z0-9[]`, `RFC 3986 userinfo; ${SL('basicauth')}; ${SL('database-connection-string')}`, { anchored: true, gate: 'userinfo' }),
  // The token as the user name of a GitHub OAuth URL (https://TOKEN:x-oauth-basic@github.com/).
  C('basic-auth-url', [':x-oauth-basic@'], `://(?<secret>[^\\s:@/?#'"\`<>]{8,256}):x-oauth-basic@`, `GitHub OAuth basic auth; ${SL('npm')} (x-oauth-basic)`, { priority: 2 }),
  C(
    'authorization-header',
    ['authorization'],
    `authorization\\\\?["']?[ \\t]*[:=][ \\t]*\\\\?["']?(?:(?:bearer|basic|token|bot|digest|negotiate|ntlm|apikey|sso-key|aws4-hmac-sha256)[ \\t]+)?(?<secret>[^\\s"'\\\\][^\\r\\n"'\\\\]{7,4096})`,
    'RFC 9110 Authorization / Proxy-Authorization headers',
    { flags: 'i' },
  ),
  C('bearer-token', ['bearer'], '\\bbearer[ \\t]+(?<secret>[A-Za-z0-9._~+/-]{16,4096}=*)', 'RFC 6750 bearer tokens', { flags: 'i' }),
  C('npmrc-auth', ['_auth', '_password'], `(?<![A-Za-z0-9])_(?:authToken|auth|password)[ \\t]*=[ \\t]*${VALUE('secret')}`, `.npmrc (npm docs); ${SL('npm')} (_authToken)`, { priority: 2 }),
  C('docker-config-auth', ['"auth"'], '"auth"[ \\t]*:[ \\t]*"(?<secret>[A-Za-z0-9+/]{8,4096}={0,2})"', 'docker config.json auths', { priority: 2 }),
  // .netrc: `machine host login bot password SECRET`, or a `password SECRET` line of its own.
  C('netrc-password', ['machine'], `\\bmachine[ \\t]+\\S+[ \\t]+(?:login[ \\t]+\\S+[ \\t]+)?password[ \\t]+(?<secret>[^\\s]{1,512})`, '.netrc (GNU inetutils manual)', { flags: 'i' }),
  C('netrc-password', ['password ', 'password\t'], `(?<=^[ \\t]*)password[ \\t]+(?<secret>[^\\s]{1,512})[ \\t]*\\r?$`, '.netrc (GNU inetutils manual)', { flags: 'im', anchored: true, gate: 'line-start' }),
  // CLI flags that take a password on the command line.
  C('cli-password-flag', ['login'], `\\b(?:docker|podman|buildah|skopeo|helm|oras|nerdctl|crane|regctl)\\b[^\\r\\n]{0,200}?\\blogin\\b[^\\r\\n]{0,300}?[ \\t](?:-p|--password)(?:=|[ \\t]+)${WORD('secret')}`, 'docker/podman/helm login -p (their CLI references)'),
  C('cli-password-flag', ['mysql', 'mariadb'], `\\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mariadb|mariadb-dump)\\b[^\\r\\n]{0,300}?[ \\t]-p(?<secretu>[^\\s'"\`;&|]{1,512}|'(?<secrets>[^'\\r\\n]{1,512})'|"(?<secretq>[^"\\r\\n]{1,512})")`, 'mysql client -pPASSWORD (MySQL reference manual)'),
  C('cli-password-flag', ['sshpass'], `\\bsshpass\\b[^\\r\\n]{0,100}?[ \\t]-p[ \\t]*${WORD('secret')}`, 'sshpass -p (man page)'),
  C('cli-password-flag', ['redis-cli'], `\\bredis-cli\\b[^\\r\\n]{0,300}?[ \\t](?:-a|--pass)[ \\t]+${WORD('secret')}`, 'redis-cli -a (Redis docs)'),
  C('cli-password-flag', ['curl'], `\\bcurl\\b[^\\r\\n]{0,500}?[ \\t](?:-u|--user|--proxy-user|-U)(?:=|[ \\t]*)(?:"[^":\\r\\n]{0,256}:(?<secretq>[^"\\r\\n]{1,512})"|'[^':\\r\\n]{0,256}:(?<secrets>[^'\\r\\n]{1,512})'|[^\\s:'"]{0,256}:(?<secretu>[^\\s'"]{1,512}))`, `curl -u user:password (curl man page); ${GL('curl-auth-user')}`),
  // aws configure set aws_secret_access_key VALUE (a space, not =).
  C('aws-configure-set', ['configure set'], `\\baws[ \\t]+configure[ \\t]+set[ \\t]+(?:--profile[ \\t]+\\S+[ \\t]+)?(?<key>[A-Za-z0-9_.-]*(?:secret|token|password)[A-Za-z0-9_.-]*)[ \\t]+${WORD('secret')}`, 'AWS CLI `aws configure set`', { flags: 'i', keyChecks: true, nameByKey: true }),
  {
    // env (KEY=v, export KEY="v"), YAML (key: v), JSON ("key": "v"), TOML/INI (key = "v"), URL
    // query (?token=v), CLI flags (--password v, --token=v), connection strings (Pwd=v;).
    // Reported as password-/token-/api-key-/secret-assignment.
    name: 'secret-assignment',
    keywords: ['password', 'passwd', 'passphrase', 'secret', 'token', 'api_key', 'api-key', 'api.key', 'apikey', 'access_key', 'access-key', 'access.key', 'accesskey', 'private_key', 'private-key', 'private.key', 'privatekey', 'credential', 'signing', 'encryption', 'encrypt_key', 'master_key', 'master-key', 'masterkey', 'session_key', 'session-key', 'license_key', 'license-key', 'deploy_key', 'deploy-key', 'pwd'],
    // Not a URL's user name (`https://x-access-token:SECRET@host/path`): basic-auth-url masks the
    // password alone there, where this rule's value would run on over the host and path.
    pattern: `(?<key>${KEYNAME})(?<![A-Za-z]://[^\\s:@/?#'"\`<>]{0,256})(?:\\\\?["']?[ \\t]*(?:=|:|=>|:=)[ \\t]*${VALUE('secret')}|(?<=--[A-Za-z0-9_.-]{1,130})(?:[ \\t]+|=)${VALUE('secretf')})`,
    flags: 'i',
    valueChecks: true,
    keyChecks: true,
    uuidOk: true,
    nameByKey: true,
    anchored: true,
    gate: 'assignment',
    priority: 4,
    kind: 'context',
    source: `ops context rule (key names as ${GL('generic-api-key')}, with value checks and an entropy floor)`,
  },
];

/** A value recognised by a keyword of its own format near it (a manifest's kind, a header, a file type). */
const K = (name: string, keywords: string[], pattern: string, source: string, o: Partial<RuleDef> = {}): RuleDef => ({ name, keywords, pattern, source, kind: 'keyword', priority: 2, ...o });
const B64V = '[A-Za-z0-9+/]';
/**
 * A Kubernetes `data:` entry: an indented key, a base64 value, the end of the line. It starts
 * with `^` and a lookahead for the whole entry, so that the lookbehind for the manifest around
 * it (slow: it reads back up to hundreds of lines) runs only on lines that are entries.
 */
const K8S_AT = `^(?=[ \\t]+[\\w.-]+:[ \\t]*${B64V}{4,}={0,2}[ \\t]*\\r?$)`;
const K8S_ENTRY = `[ \\t]+[\\w.-]+:[ \\t]*(?<secret>${B64V}{4,}={0,2})(?=[ \\t]*\\r?$)`;
/** Lines of a `data:` map before the entry. */
const K8S_DATA = `[ \\t-]*data:[ \\t]*\\r?\\n(?:[ \\t]+[\\w.-]+:[ \\t]*${B64V}*={0,2}[ \\t]*\\r?\\n){0,200}`;
/** A YAML document's other lines (not past a `---`). */
const K8S_LINES = `(?:(?!---)[^\\n]*\\n){0,60}?`;
const K8S_KIND = `[ \\t-]*kind:[ \\t]*["']?Secret["']?[ \\t]*\\r?`;
const SESSION_COOKIE = '[A-Za-z0-9_.-]*(?:sess(?:ion)?(?:[_.-]?id)?|sid|jsessionid|phpsessid|auth[_-]?token|remember[_-]?(?:me|token)|xsrf[_-]?token|csrftoken)[A-Za-z0-9_.-]*';

const nearKeyword: RuleDef[] = [
  // kind: Secret, then data: (a hand-written manifest), or data: first (kubectl get -o yaml sorts keys).
  K('kubernetes-secret-yaml', ['kind: secret', 'kind: "secret"', "kind: 'secret'"], `${K8S_AT}(?<=^${K8S_KIND}\\n${K8S_LINES}${K8S_DATA})${K8S_ENTRY}`, `Kubernetes Secret data values (kubernetes.io, "Secrets"); ${GL('kubernetes-secret-yaml')}`, { flags: 'm', block: true, reach: 4096 }),
  K('kubernetes-secret-yaml', ['\ndata:\n', '\ndata:\r\n', ' data:\n', ' data:\r\n'], `${K8S_AT}(?<=^${K8S_DATA})${K8S_ENTRY}(?=[ \\t]*\\r?\\n(?:[ \\t]+[^\\n]*\\n){0,200}${K8S_LINES}${K8S_KIND}$)`, `Kubernetes Secret data values (kubernetes.io, "Secrets"); ${GL('kubernetes-secret-yaml')}`, { flags: 'm', block: true, reach: 4096 }),
  // A PKCS#12 (.p12/.pfx) file in base64 near its name: DER, a SEQUENCE holding version 3 (MII… AzC…).
  K('pkcs12-file', ['p12', 'pfx', 'pkcs12'], `(?<![A-Za-z0-9+/])MII${B64V}{5}AzC[A-D]${B64V}{60,65536}={0,2}`, `RFC 7292 (PKCS #12 PFX, version 3) in base64; ${GL('pkcs12-file')} (file names .p12/.pfx)`, { block: true }),
  // A legacy Vault service token (s. + 24) on a line that names Vault (vault login, X-Vault-Token, -token=).
  K('vault-cli-token', ['vault'], `vault[^\\r\\n]{0,200}?(?<![A-Za-z0-9_.-])(?<secret>s\\.[A-Za-z0-9]{24})(?![A-Za-z0-9_.-])`, `Vault token prefixes (legacy s. service tokens); ${GL('vault-service-token')}`, { flags: 'i', priority: 3 }),
  // Session cookies in a Cookie/Set-Cookie header or a --cookie flag.
  K('session-cookie', ['cookie'], `(?<=cookie\\\\?["']?(?:[ \\t]*[:=][ \\t]*|[ \\t]+)\\\\?["']?(?:[^\\r\\n;"']*;[ \\t]*){0,40})(?<key>${SESSION_COOKIE})=(?<secret>[^;\\s"',]{16,4096})`, 'RFC 6265 Cookie / Set-Cookie headers (session cookies: session, sid, JSESSIONID, PHPSESSID, connect.sid, …)', { flags: 'i' }),
  // A GCP service-account key file: its private_key_id (the private_key is private-key's).
  K('gcp-service-account-key', ['"service_account'], `service_account\\\\?"[\\s\\S]{0,4000}?\\\\?"private_key_id\\\\?"[ \\t]*:[ \\t]*\\\\?"(?<secret>[0-9a-f]{40})\\\\?"`, `Google Cloud service account keys (cloud.google.com, "Create and delete service account keys"); ${SL('gcp')}`, { block: true }),
  K('gcp-service-account-key', ['"private_key_id'], `private_key_id\\\\?"[ \\t]*:[ \\t]*\\\\?"(?<secret>[0-9a-f]{40})\\\\?"(?=[\\s\\S]{0,4000}?\\\\?"type\\\\?"[ \\t]*:[ \\t]*\\\\?"service_account)`, `Google Cloud service account keys (cloud.google.com, "Create and delete service account keys"); ${SL('gcp')}`, { block: true }),
  K('nuget-config-password', ['<add key='], `<add key=\\\\?"(?:ClearText)?Password\\\\?"[ \\t]*value=\\\\?"(?<secret>[^"\\r\\n\\\\]{8,512})\\\\?"`, `NuGet config packageSourceCredentials (learn.microsoft.com, "nuget.config reference"); ${GL('nuget-config-password')}`, { flags: 'i' }),
  K('freemius-secret-key', ['secret_key'], `["']secret_key["'][ \\t]*=>[ \\t]*["'](?<secret>sk_[^\\s"']{29})["']`, `Freemius SDK secret key (PHP config); ${GL('freemius-secret-key')}`, { flags: 'i' }),
  K('sidekiq-sensitive-url', ['contribsys.com'], `https?://(?<secret>[a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\\.contribsys\\.com`, `Sidekiq Pro/Enterprise gem source credentials; ${GL('sidekiq-sensitive-url')}`, { flags: 'i' }),
  // An Azure SAS URL's signature: sig= after sv=<date> in the same query string.
  K('azure-sas-token', ['sig='], `(?<=[?&;]sv=[0-9]{4}-[0-9]{2}-[0-9]{2}(?:&[^\\s&"'<>#]{1,200}){0,20}&)sig=(?<secret>[A-Za-z0-9%+/]{20,200}(?:%3D|=){0,2})`, 'Azure shared access signatures (Microsoft Learn, "Grant limited access with SAS": the sig parameter)', { flags: 'i' }),
];

export const builtinRules: RuleDef[] = [...providers, ...keywordRules, ...nearKeyword, ...context];

/** Distinct rule ids (several definitions may share one: basic-auth-url, cli-password-flag). */
export const builtinRuleIds: string[] = [...new Set(builtinRules.map((r) => r.name))];

/** The reported name of a `secret-assignment` match, from its key. */
export function nameForKey(key: string): string {
  const k = key.toLowerCase();
  if (/pass(?:word|wd|phrase)|pwd/.test(k)) return 'password-assignment';
  if (/api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|(?:signing|encryption|encrypt|master|session|license|deploy)[_.-]?key/.test(k)) return 'api-key-assignment';
  if (k.includes('token')) return 'token-assignment';
  if (k.includes('credential')) return 'credential-assignment';
  return 'secret-assignment';
}
