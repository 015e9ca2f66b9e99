// Seeded corpora for the sanitizer (test/sanitize-corpus.test.ts, bench/sanitize.mjs,
// bench/secretlint/compare.mjs). Everything is generated from a seed at run time: no real
// secret, and nothing a scanner would flag, is ever committed. A token is a prefix plus random
// characters of the format's alphabet.
//
//   secretCorpus(seed) → { text, secrets: [{ rule, context, value }] }   every value must be masked
//   cleanCorpus(seed)  → { text }                                          must stay byte-identical

/** mulberry32: small, seeded, replayable. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UP = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LO = 'abcdefghijklmnopqrstuvwxyz';
const DG = '0123456789';
const AN = UP + LO + DG;
const B64U = AN + '_-';
const B64 = AN + '+/';
const HX = '0123456789abcdef';

export function generators(rand) {
  const s = (n, alphabet = AN) => {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(rand() * alphabet.length)];
    return out;
  };
  const hex = (n) => s(n, HX);
  const digits = (n) => s(1, '123456789') + s(n - 1, DG);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
  /** Mixed classes, so a random value is never a plain word. */
  const strong = (n = 20, alphabet = AN) => {
    for (;;) {
      const v = s(n, alphabet);
      // Every class the alphabet has appears (a random value, not a word).
      if ([/[A-Z]/, /[a-z]/, /[0-9]/].every((re) => !re.test(alphabet) || re.test(v))) return v;
    }
  };
  return { s, hex, digits, pick, uuid, strong };
}

/** [rule id, token maker] for every prefix-recognised format. */
export function tokenMakers(g) {
  const { s, hex, digits, strong, uuid } = g;
  const b64json = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64').replace(/=+$/, '');
  return [
    ['github-pat', () => `ghp_${strong(36)}`],
    ['jwt-base64', () => Buffer.from(`eyJhbGciOiJSUzI1NiIsImtpZCI6Ij${strong(20)}In0.${b64json({ iss: 'https://token.actions.githubusercontent.com', sub: `repo:acme/api:${s(8)}` })}.${strong(86, B64U)}`).toString('base64')],
    ['defined-networking-token', () => `dnkey-${s(26, LO + DG)}-${s(52, LO + DG)}`],
    ['github-oauth-token', () => `gho_${strong(36)}`],
    ['github-user-token', () => `ghu_${strong(36)}`],
    ['github-app-token', () => `ghs_${strong(36)}`],
    ['github-refresh-token', () => `ghr_${strong(76)}`],
    ['github-fine-grained-pat', () => `github_pat_${strong(22)}_${strong(59)}`],
    ['gitlab-pat', () => `glpat-${strong(20, B64U)}`],
    ['gitlab-pipeline-trigger-token', () => `glptt-${hex(40)}`],
    ['gitlab-runner-token', () => `glrt-${strong(20, B64U)}`],
    ['gitlab-deploy-token', () => `gldt-${strong(20, B64U)}`],
    ['gitlab-oauth-secret', () => `gloas-${strong(64, B64U)}`],
    ['gitlab-cicd-job-token', () => `glcbt-${s(2, DG)}_${strong(20, B64U)}`],
    ['gitlab-feature-flag-token', () => `glffct-${strong(20, B64U)}`],
    ['gitlab-feed-token', () => `glft-${strong(20, B64U)}`],
    ['gitlab-incoming-mail-token', () => `glimt-${strong(25, B64U)}`],
    ['gitlab-agent-token', () => `glagent-${strong(50, B64U)}`],
    ['gitlab-scim-token', () => `glsoat-${strong(20, B64U)}`],
    ['gitlab-runner-registration-token', () => `GR1348941${strong(20, B64U)}`],
    ['npm-token', () => `npm_${strong(36)}`],
    ['pypi-token', () => `pypi-AgEIcHlwaS5vcmc${strong(70, B64U)}`],
    ['docker-hub-pat', () => `dckr_pat_${strong(27, B64U)}`],
    ['rubygems-api-key', () => `rubygems_${hex(48)}`],
    ['clojars-token', () => `CLOJARS_${s(60, LO + DG)}`],
    ['artifactory-api-key', () => `AKCp${strong(69)}`],
    ['artifactory-reference-token', () => `cmVmd${strong(59)}`],
    ['readme-api-key', () => `rdme_${s(70, LO + DG)}`],
    ['aws-access-key-id', () => `AKIA${s(16, UP + '234567')}`],
    ['aws-bedrock-api-key', () => `ABSK${strong(140, B64)}`],
    ['slack-bot-token', () => `xoxb-${digits(12)}-${digits(13)}-${strong(24)}`],
    ['slack-user-token', () => `xoxp-${digits(12)}-${digits(12)}-${digits(12)}-${hex(32)}`],
    ['slack-token', () => `xoxe.xoxp-1-${strong(100)}`],
    ['slack-app-token', () => `xapp-1-A${s(10, UP + DG)}-${digits(13)}-${hex(64)}`],
    ['slack-webhook-url', () => `https://hooks.slack.com/services/T${s(8, UP + DG)}/B${s(8, UP + DG)}/${strong(24)}`],
    ['stripe-secret-key', () => `sk_live_${strong(24)}`],
    ['stripe-restricted-key', () => `rk_test_${strong(24)}`],
    ['stripe-webhook-secret', () => `whsec_${strong(32)}`],
    ['google-api-key', () => `AIza${strong(35, B64U)}`],
    ['google-oauth-client-secret', () => `GOCSPX-${strong(28, B64U)}`],
    ['google-oauth-access-token', () => `ya29.${strong(100, B64U)}`],
    ['anthropic-api-key', () => `sk-ant-api03-${strong(93, B64U)}AA`],
    ['openai-api-key', () => `sk-proj-${strong(74, B64U)}T3BlbkFJ${strong(74, B64U)}`],
    ['huggingface-token', () => `hf_${strong(34, UP + LO).replace(/[0-9]/g, 'q')}`],
    ['huggingface-org-token', () => `api_org_${s(34, UP + LO)}`],
    ['groq-api-key', () => `gsk_${strong(52)}`],
    ['perplexity-api-key', () => `pplx-${strong(48)}`],
    ['twilio-api-key', () => `SK${hex(32)}`],
    ['sendgrid-api-key', () => `SG.${strong(22, B64U)}.${strong(43, B64U)}`],
    ['brevo-api-key', () => `xkeysib-${hex(64)}-${strong(16)}`],
    ['telegram-bot-token', () => `${digits(10)}:AA${strong(33, B64U)}`],
    ['discord-webhook-url', () => `https://discord.com/api/webhooks/${digits(18)}/${strong(68, B64U)}`],
    ['teams-webhook-url', () => `https://acme.webhook.office.com/webhookb2/${uuid()}@${uuid()}/IncomingWebhook/${hex(32)}/${uuid()}`],
    ['supabase-secret-key', () => `sb_secret_${strong(30, B64U)}`],
    ['supabase-pat', () => `sbp_${hex(40)}`],
    ['jwt', () => `eyJ${strong(30, B64U)}.eyJ${strong(60, B64U)}.${strong(43, B64U)}`],
    ['grafana-api-key', () => `eyJrIjoi${strong(80)}`],
    ['azure-ad-client-secret', () => `${strong(3)}${s(1, DG)}Q~${strong(34)}`],
    ['alibaba-access-key-id', () => `LTAI${strong(20)}`],
    ['digitalocean-token', () => `dop_v1_${hex(64)}`],
    ['databricks-token', () => `dapi${hex(32)}`],
    ['shopify-token', () => `shpat_${hex(32)}`],
    ['hashicorp-vault-token', () => `hvs.${strong(95, B64U)}`],
    ['terraform-cloud-token', () => `${s(14, LO + DG)}.atlasv1.${strong(64, B64U)}`],
    ['grafana-token', () => `glsa_${strong(32)}_${hex(8)}`],
    ['postman-api-key', () => `PMAK-${hex(24)}-${hex(34)}`],
    ['linear-api-key', () => `lin_api_${strong(40)}`],
    ['doppler-token', () => `dp.pt.${strong(43)}`],
    ['sentry-token', () => `sntryu_${hex(64)}`],
    ['atlassian-api-token', () => `ATATT3${strong(186, B64U)}`],
    ['heroku-api-key', () => `HRKU-AA${strong(58, B64U)}`],
    ['new-relic-key', () => `NRAK-${s(27, UP + DG)}`],
    ['pulumi-token', () => `pul-${hex(40)}`],
    ['tailscale-key', () => `tskey-auth-${strong(12)}-${strong(30)}`],
    ['vercel-token', () => `vcp_${strong(40)}`],
    ['onepassword-service-account-token', () => `ops_${b64json({ signInAddress: 'acme.1password.com', userAuth: { method: 'SRPg-4096', alg: 'PBES2g-HS256', iterations: 650000, salt: strong(22) }, email: `${s(10, LO)}@1passwordserviceaccounts.com`, srpX: hex(64), muk: { alg: 'A256GCM', ext: true, k: strong(43, B64U), key_ops: ['encrypt', 'decrypt'], kty: 'oct', kid: 'mp' }, secretKey: `A3-${s(6, UP + DG)}-${s(6, UP + DG)}-${s(5, UP + DG)}-${s(5, UP + DG)}-${s(5, UP + DG)}-${s(5, UP + DG)}`, throttleSecret: { seed: hex(64), deviceUuid: s(26, LO + DG) }, deviceUuid: s(26, LO + DG) })}`],
    ['onepassword-secret-key', () => `A3-${s(6, UP + DG)}-${s(11, UP + DG)}-${s(5, UP + DG)}-${s(5, UP + DG)}-${s(5, UP + DG)}`],
    ['cloudflare-api-token', () => `cfut_${strong(40)}${hex(8)}`],
    ['cloudflare-origin-ca-key', () => `v1.0-${hex(24)}-${hex(146)}`],
    ['dynatrace-token', () => `dt0c01.${s(24, UP + DG)}.${strong(64)}`],
    ['fly-io-token', () => `fm2_${strong(120, B64)}`],
    ['notion-token', () => `ntn_${digits(11)}${strong(35)}`],
    ['sourcegraph-token', () => `sgp_${hex(16)}_${hex(40)}`],
    ['square-token', () => `EAAA${strong(60, B64U)}`],
    ['figma-token', () => `figd_${strong(40, B64U)}`],
    ['age-secret-key', () => `AGE-SECRET-KEY-1${s(58, 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L')}`],
    ['adobe-client-secret', () => `p8e-${strong(32)}`],
    ['authress-key', () => `sc_${s(10, LO + DG)}.${s(5, LO + DG)}.acc_${s(20, LO + DG)}.${strong(60, B64)}`],
    ['clickhouse-cloud-key', () => `4b1d${strong(38)}`],
    ['duffel-token', () => `duffel_live_${strong(43, B64U)}`],
    ['easypost-token', () => `EZAK${strong(54)}`],
    ['facebook-page-token', () => `EAAM${strong(120)}`],
    ['flutterwave-secret-key', () => `FLWSECK_TEST-${s(32, 'abcdefgh0123456789')}-X`],
    ['frameio-token', () => `fio-u-${strong(64, B64U)}`],
    ['harness-token', () => `pat.${strong(22, B64U)}.${strong(24)}.${strong(20)}`],
    ['infracost-token', () => `ico-${strong(32)}`],
    ['intra42-secret', () => `s-s4t2ud-${hex(64)}`],
    ['maxmind-license-key', () => `${strong(6)}_${strong(29)}_mmk`],
    ['octopus-deploy-key', () => `API-${s(20, UP)}${s(6, DG)}`],
    ['openshift-token', () => `sha256~${strong(43, B64U)}`],
    ['planetscale-token', () => `pscale_tkn_${strong(43, B64U)}`],
    ['prefect-token', () => `pnu_${strong(36)}`],
    ['scalingo-token', () => `tk-us-${strong(48, B64U)}`],
    ['settlemint-token', () => `sm_pat_${strong(16)}`],
    ['shippo-token', () => `shippo_live_${hex(40)}`],
    ['sonarqube-token', () => `squ_${hex(40)}`],
    ['airtable-pat', () => `pat${strong(14)}.${hex(64)}`],
  ];
}

/** [rule id, key, value maker] for the keyword-gated formats: the provider's name in the key. */
export function keywordMakers(g) {
  const { s, hex, strong, uuid, digits } = g;
  const lo = (n) => strong(n, LO + DG).toLowerCase();
  return [
    ['adafruit-api-key', 'ADAFRUIT_IO_KEY', () => lo(32)],
    ['airtable-api-key', 'AIRTABLE_API_KEY', () => strong(17)],
    ['algolia-api-key', 'ALGOLIA_ADMIN_KEY', () => lo(32)],
    ['alibaba-secret-key', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', () => strong(30)],
    ['asana-secret', 'ASANA_CLIENT_SECRET', () => lo(32)],
    ['atlassian-token', 'JIRA_API_TOKEN', () => `${lo(20)}${hex(4)}`],
    ['beamer-token', 'BEAMER_KEY', () => `b_${strong(44, B64U)}`],
    ['bitbucket-secret', 'BITBUCKET_CLIENT_SECRET', () => strong(64, B64U)],
    ['bittrex-key', 'BITTREX_SECRET', () => lo(32)],
    ['cisco-meraki-key', 'MERAKI_DASHBOARD_API_KEY', () => hex(40)],
    ['cloudflare-key', 'CLOUDFLARE_API_KEY', () => strong(40, B64U)],
    ['codecov-token', 'CODECOV_TOKEN', () => uuid()],
    ['cohere-api-key', 'COHERE_API_KEY', () => strong(40)],
    ['coinbase-token', 'COINBASE_SECRET', () => strong(64, B64U)],
    ['confluent-key', 'CONFLUENT_CLOUD_API_SECRET', () => strong(64)],
    ['contentful-token', 'CONTENTFUL_DELIVERY_TOKEN', () => strong(43, B64U)],
    ['datadog-key', 'DATADOG_APP_KEY', () => lo(40)],
    ['discord-token', 'DISCORD_CLIENT_SECRET', () => strong(32, B64U)],
    ['droneci-token', 'DRONECI_TOKEN', () => strong(32)],
    ['dropbox-token', 'DROPBOX_ACCESS_TOKEN', () => `sl.${strong(135, B64U)}`],
    ['etsy-token', 'ETSY_KEYSTRING', () => lo(24)],
    ['facebook-secret', 'FACEBOOK_APP_SECRET', () => hex(32)],
    ['fastly-token', 'FASTLY_API_TOKEN', () => strong(32, B64U)],
    ['finicity-secret', 'FINICITY_APP_KEY', () => hex(32)],
    ['finnhub-token', 'FINNHUB_KEY', () => strong(20)],
    ['flickr-token', 'FLICKR_KEY', () => lo(32)],
    ['freshbooks-token', 'FRESHBOOKS_BEARER', () => lo(64)],
    ['gitter-token', 'GITTER_KEY', () => strong(40, B64U)],
    ['gocardless-token', 'GOCARDLESS_ACCESS_TOKEN', () => `live_${strong(40, B64U)}`],
    ['heroku-api-key-uuid', 'HEROKU_API_KEY', () => uuid()],
    ['hubspot-api-key', 'HUBSPOT_API_KEY', () => uuid().toUpperCase()],
    ['intercom-token', 'INTERCOM_ACCESS_TOKEN', () => strong(60, B64U)],
    ['jfrog-key', 'JFROG_ACCESS_KEY', () => strong(64)],
    ['kraken-token', 'KRAKEN_PRIVATE_KEY', () => strong(88, B64)],
    ['kucoin-key', 'KUCOIN_API_SECRET', () => uuid()],
    ['launchdarkly-token', 'LAUNCHDARKLY_SDK_KEY', () => strong(40, B64U)],
    ['linear-client-secret', 'LINEAR_CLIENT_SECRET', () => hex(32)],
    ['linkedin-secret', 'LINKEDIN_CLIENT_SECRET', () => strong(16)],
    ['lob-api-key', 'LOB_API_KEY', () => `live_${hex(35)}`],
    ['looker-secret', 'LOOKER_CLIENT_SECRET', () => strong(24)],
    ['mailchimp-api-key', 'MAILCHIMP_API_KEY', () => `${hex(32)}-us${s(2, DG)}`],
    ['mailgun-key', 'MAILGUN_API_KEY', () => `key-${hex(32)}`],
    ['mattermost-token', 'MATTERMOST_ACCESS_TOKEN', () => lo(26)],
    ['messagebird-token', 'MESSAGEBIRD_ACCESS_KEY', () => strong(25)],
    ['netlify-token', 'NETLIFY_AUTH_TOKEN', () => strong(43, B64U)],
    ['new-relic-user-key', 'NEWRELIC_LICENSE', () => lo(64)],
    ['nytimes-token', 'NYTIMES_KEY', () => strong(32, B64U)],
    ['okta-token', 'OKTA_API_TOKEN', () => `00${strong(40, B64U)}`],
    ['plaid-secret', 'PLAID_SECRET', () => lo(30)],
    ['rapidapi-token', 'RAPIDAPI_KEY', () => strong(50, B64U)],
    ['sendbird-token', 'SENDBIRD_API_TOKEN', () => hex(40)],
    ['sentry-auth-token', 'SENTRY_AUTH_TOKEN', () => hex(64)],
    ['sidekiq-secret', 'BUNDLE_GEMS__CONTRIBSYS__COM', () => `${hex(8)}:${hex(8)}`],
    ['snyk-token', 'SNYK_TOKEN', () => uuid()],
    ['sonar-token', 'SONAR_TOKEN', () => lo(40)],
    ['squarespace-token', 'SQUARESPACE_API_KEY', () => uuid()],
    ['sumologic-key', 'SUMO_ACCESS_KEY', () => strong(64)],
    ['travisci-token', 'TRAVIS_API_TOKEN', () => strong(22)],
    ['twitch-token', 'TWITCH_CLIENT_SECRET', () => lo(30)],
    ['twitter-secret', 'TWITTER_API_SECRET', () => strong(50)],
    ['typeform-token', 'TYPEFORM_TOKEN', () => `tfp_${strong(59, B64U)}`],
    ['vault-legacy-token', 'VAULT_TOKEN', () => `s.${strong(24)}`],
    ['yandex-key', 'YANDEX_API_KEY', () => `AQVN${strong(36, B64U)}`],
    ['zendesk-secret', 'ZENDESK_API_TOKEN', () => strong(40)],
    ['privateai-api-key', 'PRIVATEAI_API_KEY', () => lo(32)],
    ['azure-devops-pat', 'AZURE_DEVOPS_EXT_PAT', () => s(52, 'abcdefghijklmnopqrstuvwxyz234567')],
    ['circleci-token', 'CIRCLECI_TOKEN', () => hex(40)],
    ['coveralls-token', 'COVERALLS_REPO_TOKEN', () => strong(35)],
    ['saucelabs-access-key', 'SAUCE_ACCESS_KEY', () => uuid()],
    ['browserstack-access-key', 'BROWSERSTACK_ACCESS_KEY', () => strong(20)],
    ['percy-token', 'PERCY_TOKEN', () => `web_${hex(64)}`],
    ['cypress-record-key', 'CYPRESS_RECORD_KEY', () => uuid()],
    ['firebase-token', 'FIREBASE_TOKEN', () => `1//0${strong(60, B64U)}`],
    ['auth0-client-secret', 'AUTH0_CLIENT_SECRET', () => strong(64, B64U)],
    ['pagerduty-key', 'PAGERDUTY_ROUTING_KEY', () => lo(32)],
    ['opsgenie-api-key', 'OPSGENIE_API_KEY', () => uuid()],
    ['rollbar-token', 'ROLLBAR_ACCESS_TOKEN', () => hex(32)],
    ['cloudinary-secret', 'CLOUDINARY_API_SECRET', () => strong(27, B64U)],
    ['pusher-secret', 'PUSHER_APP_SECRET', () => hex(20)],
    ['twilio-auth-token', 'TWILIO_AUTH_TOKEN', () => hex(32)],
    ['vonage-api-secret', 'VONAGE_API_SECRET', () => strong(16)],
    ['jenkins-api-token', 'JENKINS_API_TOKEN', () => `11${hex(32)}`],
    ['azure-storage-key', 'AZURE_STORAGE_KEY', () => `${strong(86, AN + '+/')}==`],
    ['honeycomb-key', 'HONEYCOMB_API_KEY', () => strong(22)],
    ['mongodb-atlas-key', 'MONGODB_ATLAS_PRIVATE_KEY', () => uuid()],
  ].map(([rule, key, make]) => [rule, key, make, digits]);
}

/** Where a prefix token stands in a CI log. */
const TOKEN_CONTEXTS = [
  (t) => `  deploy: using ${t} now`,
  (t) => `export DEPLOY_CREDENTIAL=${t}`,
  (t) => `  value: "${t}"`,
  (t) => `{"client": "ci", "value": "${t}", "ttl": 3600}`,
  (t) => `curl -sS -H "X-Custom: ${t}" https://api.example.com/v1/ping`,
  (t) => `2025-11-14T03:12:44.1234567Z ##[debug]Evaluating: ${t}`,
  (t) => `echo '${t}' | docker login ghcr.io --password-stdin`,
  (t) => `[config] remote = ${t};`,
];

/** Context rules: a random value in every place a CI log shows one. [rule, line maker, value maker?] */
function contextCases(g) {
  const { s, strong, pick, uuid, digits } = g;
  const pw = () => strong(12 + Math.floor(s(1, '0123456789') * 2), AN + '!#%^*-_+');
  const tok = () => strong(32);
  return [
    ['password-assignment', (v) => `DB_PASSWORD=${v}`, pw],
    ['password-assignment', (v) => `export PGPASSWORD="${v}"`, pw],
    ['password-assignment', (v) => `  password: ${v}`, pw],
    ['password-assignment', (v) => `  "password": "${v}",`, pw],
    ['password-assignment', (v) => `password = "${v}"`, pw],
    ['password-assignment', (v) => `[database]\npassword=${v}`, pw],
    ['password-assignment', (v) => `mysql --password ${v} -h db.internal`, pw],
    ['password-assignment', (v) => `Server=db;Database=app;User Id=sa;Password=${v};TrustServerCertificate=true`, pw],
    ['password-assignment', (v) => `Server=db;Uid=app;Pwd=${v};`, pw],
    ['password-assignment', (v) => `DB_PWD=${v}`, pw],
    ['password-assignment', (v) => `GPG_PASSPHRASE: '${v}'`, pw],
    ['password-assignment', (v) => `{\\"password\\": \\"${v}\\"}`, pw],
    ['token-assignment', (v) => `export SERVICE_TOKEN='${v}'`, tok],
    ['token-assignment', (v) => `deploy --token=${v}`, tok],
    ['token-assignment', (v) => `GET /callback?code=1&access_token=${v}&state=2 200`, tok],
    ['token-assignment', (v) => `PRIVATE-TOKEN: ${v}`, tok],
    ['token-assignment', (v) => `X-Vault-Token: ${v}`, tok],
    ['api-key-assignment', (v) => `{"api_key": "${v}", "region": "eu"}`, tok],
    ['api-key-assignment', (v) => `  x-api-key: ${v}`, tok],
    ['api-key-assignment', (v) => `SIGNING_KEY=${v}`, tok],
    ['api-key-assignment', (v) => `ENCRYPTION_KEY: "${v}"`, tok],
    ['api-key-assignment', (v) => `apiKey = '${v}'`, tok],
    ['secret-assignment', (v) => `client_secret => ${v}`, tok],
    ['secret-assignment', (v) => `{\\"webhook_secret\\": \\"${v}\\"}`, tok],
    ['secret-assignment', (v) => `  secret_key_base: ${v}`, tok],
    ['credential-assignment', (v) => `credentials=${v}`, tok],
    ['basic-auth-url', (v) => `git clone https://x-access-token:${v}@github.com/acme/api.git`, pw],
    ['basic-auth-url', (v) => `DATABASE_URL=postgres://app:${v}@db.internal:5432/app`, pw],
    ['basic-auth-url', (v) => `cache: redis://:${v}@cache.internal:6379/0`, pw],
    ['basic-auth-url', (v) => `mongodb+srv://ci:${v}@cluster0.example.mongodb.net/test?retryWrites=true`, tok],
    ['basic-auth-url', (v) => `amqp://guest:${v}@rabbit:5672/`, pw],
    ['basic-auth-url', (v) => `npm install git+https://${v}:x-oauth-basic@github.com/acme/private.git`, () => strong(40)],
    ['authorization-header', (v) => `> Authorization: token ${v}`, tok],
    ['authorization-header', (v) => `curl -H "authorization: Basic ${v}" https://x`, () => Buffer.from(`u:${strong(16)}`).toString('base64')],
    ['authorization-header', (v) => `Proxy-Authorization: Basic ${v}`, () => Buffer.from(`proxy:${strong(12)}`).toString('base64')],
    ['bearer-token', (v) => `headers: { X-Auth: 'Bearer ${v}' }`, () => strong(40, AN + '._-')],
    ['npmrc-auth', (v) => `//registry.npmjs.org/:_authToken=${v}`, tok],
    ['npmrc-auth', (v) => `//npm.pkg.github.com/:_auth=${v}`, () => Buffer.from(`ci:${strong(20)}`).toString('base64')],
    ['docker-config-auth', (v) => `{"auths":{"ghcr.io":{"auth":"${v}"}}}`, () => Buffer.from(`bot:${strong(20)}`).toString('base64')],
    ['netrc-password', (v) => `machine api.github.com login bot password ${v}`, tok],
    ['netrc-password', (v) => `machine artifacts.internal\n  login ci\n  password ${v}`, pw],
    ['cli-password-flag', (v) => `+ docker login -u ci -p ${v} registry.example.com`, pw],
    ['cli-password-flag', (v) => `+ helm registry login ghcr.io --username ci --password ${v}`, pw],
    ['cli-password-flag', (v) => `+ mysql -h db -u root -p${v} app < schema.sql`, pw],
    ['cli-password-flag', (v) => `+ mysqldump -uroot -p'${v}' app > dump.sql`, pw],
    ['cli-password-flag', (v) => `+ curl -fsS -u deploy:${v} https://nexus.example.com/repository/raw/`, pw],
    ['cli-password-flag', (v) => `+ curl --user "ci:${v}" https://artifacts.example.com/upload`, pw],
    ['cli-password-flag', (v) => `+ sshpass -p ${v} ssh deploy@10.0.0.5`, pw],
    ['cli-password-flag', (v) => `+ redis-cli -h cache -a ${v} ping`, pw],
    ['aws-secret-access-key', (v) => `+ aws configure set aws_secret_access_key ${v}`, () => strong(40, AN + '/+')],
    ['aws-secret-access-key', (v) => `aws_secret_access_key = ${v}`, () => strong(40, AN + '/+')],
    ['aws-secret-access-key', (v) => `"SecretAccessKey": "${v}",`, () => strong(40, AN + '/+')],
    ['token-assignment', (v) => `+ aws configure set aws_session_token ${v} --profile ci`, () => strong(120, AN + '/+')],
    ['telegram-bot-token', (v) => `POST https://api.telegram.org/bot${v}/sendMessage 200`, () => `${digits(10)}:AA${strong(33, B64U)}`],
    ['azure-storage-account-key', (v) => `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${v};EndpointSuffix=core.windows.net`, () => strong(86, AN + '+/') + '=='],
    ['sentry-dsn', (v) => `SENTRY_DSN=https://${v}@o123456.ingest.sentry.io/4505`, () => g.hex(32)],
    ['gitlab-session-cookie', (v) => `Cookie: _gitlab_session=${v}`, () => s(32, LO + DG)],
    ['token-assignment', (v) => `SNYK_TOKEN=${v}`, uuid],
    ['api-key-assignment', (v) => `HEROKU_API_KEY: ${v}`, uuid],
    ['private-key', (v) => `key file:\n${v}\ndone`, () => privateKey(g)],
    ['private-key', (v) => `{"type": "service_account", "private_key": "${v}\\n", "client_email": "ci@acme.iam.gserviceaccount.com"}`, () => privateKey(g).replace(/\n/g, '\\n')],
    ['gcp-service-account-key', (v) => `{"type": "service_account", "project_id": "acme-ci", "private_key_id": "${v}", "client_email": "ci@acme-ci.iam.gserviceaccount.com"}`, () => g.hex(40)],
    ['kubernetes-secret-yaml', (v) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-credentials\ntype: Opaque\ndata:\n  password: ${v}`, () => Buffer.from(strong(18)).toString('base64')],
    ['kubernetes-secret-yaml', (v) => `+ kubectl get secret api -o yaml\napiVersion: v1\ndata:\n  api-key: ${v}\nkind: Secret\nmetadata:\n  name: api`, () => Buffer.from(strong(24)).toString('base64')],
    ['pkcs12-file', (v) => `+ echo "${v}" | base64 --decode > signing.p12`, () => pkcs12(g)],
    ['vault-cli-token', (v) => `+ vault login -no-print ${v}`, () => `s.${strong(24)}`],
    ['vault-cli-token', (v) => `curl -sS -H "X-Vault-Token: ${v}" https://vault.internal:8200/v1/secret/data/ci`, () => `s.${strong(24)}`],
    ['session-cookie', (v) => `> Cookie: theme=dark; session=${v}; lang=en`, () => strong(32, B64U)],
    ['session-cookie', (v) => `< Set-Cookie: JSESSIONID=${v}; Path=/; Secure; HttpOnly`, () => g.hex(32).toUpperCase()],
    ['nuget-config-password', (v) => `      <add key="ClearTextPassword" value="${v}" />`, pw],
    ['freemius-secret-key', (v) => `    'secret_key' => '${v}',`, () => `sk_${strong(29)}`],
    ['sidekiq-sensitive-url', (v) => `Fetching source index from https://${v}@gems.contribsys.com/`, () => `${g.hex(8)}:${g.hex(8)}`],
    ['azure-sas-token', (v) => `GET https://acme.blob.core.windows.net/artifacts/build.zip?sv=2022-11-02&ss=b&srt=o&sp=r&se=2025-12-01T00:00:00Z&spr=https&sig=${v} 200`, () => encodeURIComponent(Buffer.from(strong(32)).toString('base64'))],
  ].map(([rule, line, value]) => [rule, line, value ?? pick]);
}

/** A PKCS#12 file in base64: DER SEQUENCE (two length bytes), INTEGER 3, then random content. */
function pkcs12(g) {
  const body = Buffer.from(g.strong(700, B64));
  const head = Buffer.from([0x30, 0x82, (body.length + 7) >> 8, (body.length + 7) & 0xff, 0x02, 0x01, 0x03, 0x30, 0x82, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([head, body]).toString('base64');
}

function privateKey(g) {
  const body = Array.from({ length: 8 }, () => g.strong(64, B64)).join('\n');
  const kind = g.pick(['RSA ', 'EC ', 'OPENSSH ', '']);
  return `-----BEGIN ${kind}PRIVATE KEY-----\n${body}\n-----END ${kind}PRIVATE KEY-----`;
}

/** Every format in a few contexts, and every context rule; each line holds one secret. */
export function secretCorpus(seed = 1, rounds = 2) {
  const rand = prng(seed);
  const g = generators(rand);
  const secrets = [];
  const lines = [];
  for (let r = 0; r < rounds; r++) {
    for (const [rule, make] of tokenMakers(g)) {
      const value = make();
      const ctx = TOKEN_CONTEXTS[Math.floor(rand() * TOKEN_CONTEXTS.length)];
      lines.push(ctx(value));
      secrets.push({ rule, context: 'token', value });
    }
    for (const [rule, key, make] of keywordMakers(g)) {
      const value = make();
      const form = Math.floor(rand() * 3);
      lines.push(form === 0 ? `${key}=${value}` : form === 1 ? `  ${key.toLowerCase()}: "${value}"` : `{"${key.toLowerCase()}": "${value}"}`);
      secrets.push({ rule, context: `key ${key}`, value });
    }
    for (const [rule, line, value] of contextCases(g)) {
      const v = value();
      lines.push(line(v));
      secrets.push({ rule, context: line('VALUE').split('\n').pop().trim(), value: v });
    }
  }
  return { text: lines.join('\n') + '\n', secrets };
}

/** Realistic CI output with no secret at all: stack traces, package managers, plans, manifests. */
export function cleanCorpus(seed = 1, rounds = 3) {
  const rand = prng(seed);
  const g = generators(rand);
  const { s, hex, pick, uuid, digits } = g;
  const n = (a, b) => a + Math.floor(rand() * (b - a));
  const ts = () => `2025-11-14T0${n(0, 9)}:${n(10, 59)}:${n(10, 59)}.${digits(7)}Z`;
  const b64 = (len) => Buffer.from(Array.from({ length: len }, () => n(0, 256))).toString('base64');
  const files = ['src/auth/password-reset.ts', 'src/auth/token-service.ts', 'lib/secrets/rotate.js', 'src/api/apiKey.controller.ts', 'config/tokens.example.yml', 'app/credentials/store.py', 'pkg/secret/manager.go', 'src/main/java/com/acme/auth/TokenFilter.java'];
  const blocks = [
    // Node stack traces with keyword file names
    () => `Error: invalid signature\n    at verifyToken (/home/runner/work/api/api/${pick(files)}:${n(1, 400)}:${n(1, 80)})\n    at async resetPassword (src/auth/password-reset.ts:${n(1, 400)}:${n(1, 80)})\n    at Object.<anonymous> (tokens.example.yml:${n(1, 400)}:${n(1, 80)})\n    at processTicksAndRejections (node:internal/process/task_queues:95:5)`,
    () => ` FAIL  test/auth/token.test.ts > refresh token > rejects an expired token\nAssertionError: expected 401 to be 200 // Object.is equality\n ❯ test/auth/token.test.ts:${n(10, 300)}:${n(5, 40)}\n ❯ src/auth/secret-store.ts:${n(10, 300)}:${n(5, 40)}`,
    // Python
    () => `Traceback (most recent call last):\n  File "/app/auth/token_service.py", line ${n(10, 500)}, in refresh_token\n    token = self._client.fetch(secret_name)\n  File "/app/credentials/password_policy.py", line ${n(10, 500)}, in check\n    raise ValueError("password: must be at least 12 characters")\nValueError: password: must be at least 12 characters`,
    // Java
    () => `Exception in thread "main" java.lang.IllegalStateException: token expired\n\tat com.acme.auth.TokenFilter.doFilter(TokenFilter.java:${n(10, 300)})\n\tat com.acme.auth.PasswordEncoder.encode(PasswordEncoder.java:${n(10, 300)})\n\tat org.springframework.security.web.FilterChainProxy.doFilter(FilterChainProxy.java:${n(100, 400)})`,
    // Go
    () => `panic: secret: not found\n\ngoroutine 1 [running]:\ngithub.com/acme/api/pkg/secret.(*Manager).Get(0xc000${hex(6)}, {0x${hex(6)}, 0x${n(1, 20)}})\n\t/home/runner/work/api/pkg/secret/manager.go:${n(10, 300)} +0x${hex(3)}\nmain.main()\n\t/home/runner/work/api/cmd/token-rotate/main.go:${n(10, 300)} +0x${hex(2)}`,
    // npm
    () => `npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory.\nnpm warn deprecated @npmcli/move-file@2.0.1: This functionality has been moved to @npmcli/fs\nadded ${n(100, 2000)} packages, and audited ${n(100, 2000)} packages in ${n(5, 90)}s\nfound 0 vulnerabilities\nnpm notice Publishing to https://registry.npmjs.org/ with tag latest and default access\nnpm notice shasum: ${hex(40)}\nnpm notice integrity: sha512-${b64(48).slice(0, 20)}[...]${b64(12).slice(0, 10)}==`,
    // pip
    () => `Collecting cryptography==42.0.${n(0, 9)}\n  Downloading cryptography-42.0.${n(0, 9)}-cp39-abi3-manylinux_2_28_x86_64.whl (4.${n(0, 9)} MB)\nRequirement already satisfied: keyring>=23.0 in ./venv/lib/python3.12/site-packages (from twine) (25.${n(0, 9)}.0)\nSuccessfully installed secretstorage-3.3.3 token-bucket-0.3.0 python-dotenv-1.0.1`,
    // maven / gradle
    () => `[INFO] Downloading from central: https://repo.maven.apache.org/maven2/io/jsonwebtoken/jjwt-api/0.12.${n(0, 9)}/jjwt-api-0.12.${n(0, 9)}.pom\n[INFO] --- maven-surefire-plugin:3.2.${n(0, 9)}:test (default-test) @ auth-service ---\n[INFO] Tests run: ${n(10, 400)}, Failures: 0, Errors: 0, Skipped: ${n(0, 5)}, Time elapsed: ${n(1, 60)}.${n(100, 999)} s - in com.acme.auth.TokenServiceTest\n> Task :auth:compileJava UP-TO-DATE\n> Task :auth:test\nBUILD SUCCESSFUL in ${n(10, 90)}s`,
    // docker
    () => `#${n(2, 20)} [build ${n(1, 9)}/9] RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n#${n(2, 20)} DONE ${n(1, 60)}.${n(1, 9)}s\n#${n(2, 20)} exporting layers\n#${n(2, 20)} writing image sha256:${hex(64)} done\n#${n(2, 20)} naming to ghcr.io/acme/api:${hex(7)} done\n${hex(12)}: Pushed\nlatest: digest: sha256:${hex(64)} size: ${n(1000, 9000)}\nLogin Succeeded\nWARNING! Your password will be stored unencrypted in /home/runner/.docker/config.json.`,
    // terraform
    () => `  # aws_secretsmanager_secret.db_password will be created\n  + resource "aws_secretsmanager_secret" "db_password" {\n      + arn                     = (known after apply)\n      + id                      = (known after apply)\n      + name                    = "prod/db/password"\n      + recovery_window_in_days = 30\n      + kms_key_id              = "arn:aws:kms:eu-west-1:${digits(12)}:key/${uuid()}"\n      + account_id              = "${digits(12)}"\n    }\n  # random_password.db will be created\n  + resource "random_password" "db" {\n      + length  = 32\n      + result  = (sensitive value)\n      + special = true\n    }\nPlan: ${n(1, 20)} to add, 0 to change, 0 to destroy.`,
    // kubernetes
    () => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-token\n  uid: ${uuid()}\n  resourceVersion: "${n(10000, 99999)}"\ntype: kubernetes.io/service-account-token\n---\nenv:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n        name: db-credentials\n        key: password\n  - name: API_TOKEN_FILE\n    value: /var/run/secrets/tokens/api-token\nserviceAccountName: token-reviewer\nautomountServiceAccountToken: false`,
    // SRI, go.sum, lockfiles
    () => `<script src="/assets/app-${hex(8)}.js" integrity="sha384-${b64(48)}" crossorigin="anonymous"></script>\ngithub.com/golang-jwt/jwt/v5 v5.2.${n(0, 9)} h1:${b64(32)}\ngithub.com/golang-jwt/jwt/v5 v5.2.${n(0, 9)}/go.mod h1:${b64(32)}\n"node_modules/jsonwebtoken": {\n  "version": "9.0.${n(0, 9)}",\n  "resolved": "https://registry.npmjs.org/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz",\n  "integrity": "sha512-${b64(64)}"\n}\nsecret-handshake@1.1.${n(0, 9)}:\n  resolved "https://registry.yarnpkg.com/secret-handshake/-/secret-handshake-1.1.21.tgz#${hex(40)}"`,
    // base64 image, JWT-looking ids that are not tokens
    () => `<img src="data:image/png;base64,${b64(n(300, 900))}" alt="coverage badge">\nnext page cursor: ${Buffer.from(JSON.stringify({ page: n(2, 50), after: uuid() })).toString('base64url')}\nid_token_hint: (none)\nrequest-id: ${uuid()} trace ${hex(32)} span ${hex(16)}`,
    // placeholders, templates, weak fixtures, key names without values
    () => `password: \${{ secrets.DB_PASSWORD }}\ntoken: \${{ github.token }}\nNPM_TOKEN=$NPM_TOKEN --token "$GITHUB_TOKEN"\nDB_PASSWORD=YOUR_PASSWORD\nconnect "postgres://{USER}:{PASS}@db/app"\napi_key: not_a_real_token\nsecret: xxxxxxxxxxxxxxxx\ntoken: ***\n# fixtures/users.yml\n  password = changeme\n  password: "hunter"\nmysql -u root -p app\ndocker login -u ci --password-stdin ghcr.io\nDB_PASSWORD_FILE=/run/secrets/db_password\nSECRET_KEY_PATH=./keys/dev.pem\naws configure set region eu-west-1\naws configure set aws_access_key_id_source env\nprivate_key: <your-private-key>\ntoken_type: bearer\npassword_policy=strict tokens_used=${n(100, 9000)} secret_scanning=enabled\nlet token = await getAccessToken();\nconst password = process.env.DB_PASSWORD;\nAuthorization: Bearer \${ACCESS_TOKEN}\ncurl -u "$USER:$PASS" https://example.com\nAKIAIOSFODNN7EXAMPLE ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`,
    // Look-alikes of the keyword-gated formats: the names without the shapes, the shapes without the names.
    () => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: ZGVidWc=\n  REGION: ZXUtd2VzdC0x\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: from-vault\nstringData:\n  password: \${DB_PASSWORD}\nGenerated signing.p12 (${n(2000, 4000)} bytes), sha256 ${hex(64)}\n+ vault kv get -field=password secret/ci\nvault status: Version 1.15.${n(0, 9)} Cluster ID ${uuid()} HA Enabled true\nSet-Cookie: theme=dark; Path=/\nCookie: _ga=GA1.1.${digits(10)}.${digits(10)}; lang=en-US\nSet-Cookie: session=deleted; Max-Age=0\n{"type": "authorized_user", "client_id": "${digits(12)}-${s(32, 'abcdefghijklmnopqrstuvwxyz0123456789')}.apps.googleusercontent.com", "quota_project_id": "acme"}\npayload ${Buffer.from(`eyJub3RhIjoiand0In0.${hex(20)}`).toString('base64')}\nwebhook verified: sig=${hex(16)} ts=${digits(10)}\n<add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />\n'secret_key' => env('FREEMIUS_SECRET_KEY'),\nCIRCLE_SHA1=${hex(40)}\nSAUCE_USERNAME=ci-bot\nJENKINS_URL=https://jenkins.internal/\nPERCY_BRANCH=main\nTWILIO_ACCOUNT_SID=AC${hex(32)}\nPUSHER_APP_KEY=${hex(20)}\nCYPRESS_PROJECT_ID=${s(6, 'abcdefghijklmnopqrstuvwxyz0123456789')}\nPAGERDUTY_SUBDOMAIN=acme-production-ops1\nHONEYCOMB_DATASET=${s(22, 'abcdefghijklmnopqrstuvwxyz0123456789')}\nBROWSERSTACK_LOCAL_IDENTIFIER=${s(20, 'abcdefghijklmnopqrstuvwxyz0123456789')}\nCYPRESS_RUN_GROUP=${uuid()}\nOPSGENIE_TEAM_ID: ${uuid()}\nBROWSERSTACK_USERNAME=jane_${s(8, 'abcdefghijklmnopqrstuvwxyz')}`,
    // SHAs, UUIDs, versions, line:col, numbers
    () => `HEAD is now at ${hex(40)} Merge pull request #${n(1, 9999)} from acme/fix-token-refresh\nGITHUB_SHA=${hex(40)}\ntoken: ${hex(40)}\nsecret_id: ${uuid()}\nsession: ${uuid()}\nDigest: sha256:${hex(64)}\nversion: ${n(1, 9)}.${n(0, 20)}.${n(0, 20)}\npassword-reset.ts:${n(1, 500)}:${n(1, 80)} - warning - 'token' is declared but never used\ntoken_ttl: ${n(60, 86400)}\nsecret_count: ${n(0, 9)}\npasswords: ${n(8, 64)}\ntokenizer: bert-base-uncased\nsecrets: inherit\nsecret: true`,
    // structured log lines
    () => `${ts()} level=info msg="token refreshed" token_type=bearer expires_in=3600 user=ci-bot\n${ts()} level=warn msg="password policy: min length 12" rule=length\n${ts()} {"level":"info","event":"secret.rotated","secret_name":"prod/api","version":"${n(1, 40)}","rotation_id":"${uuid()}"}`,
    // GitHub Actions runner lines
    () => `${ts()} ##[group]Run actions/checkout@v4\n${ts()} with:\n${ts()}   token: ***\n${ts()}   ssh-strict: true\n${ts()}   persist-credentials: true\n${ts()}   fetch-depth: 1\n${ts()} ##[endgroup]\n${ts()} Syncing repository: acme/api\n${ts()} [command]/usr/bin/git -c protocol.version=2 fetch --no-tags --prune --no-recurse-submodules --depth=1 origin +${hex(40)}:refs/remotes/origin/main\n${ts()} Secret source: Actions\n${ts()} Prepare workflow directory`,
  ];
  const out = [];
  for (let r = 0; r < rounds; r++) for (const b of blocks) out.push(b());
  return { text: out.join('\n') + '\n' };
}
