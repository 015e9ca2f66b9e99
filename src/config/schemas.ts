import { z } from 'zod';
import { isValidTimeZone, DEFAULT_TIMEZONE } from '../time/zone';
import { knownPlaceholders, unknownPlaceholder } from '../retry/command';
import { failureClasses } from '../runs/types';
import { builtinRuleIds } from '../sanitize/rules';
import { cronProblem } from '../time/cron';

/**
 * The five `.ops/*.json` files of SPEC §10.1. Objects are strict: a misspelt key is an
 * error, not a silently ignored setting. Every field has a default, so a missing file
 * (or a missing field) means the built-in behaviour.
 */

const commandTemplate = z.array(z.string().min(1)).min(1);
const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();

export { failureClasses };

const mainConfig = z.strictObject({
  reportsDir: z.string().min(1).default('docs/reports'),
  timezone: z
    .string()
    .refine(isValidTimeZone, { message: 'unknown time zone (use an IANA name such as Asia/Tokyo)' })
    .default(DEFAULT_TIMEZONE),
  gh: z.string().min(1).default('gh'),
  ghTimeoutSeconds: positiveInt.default(60),
  /** The repositories `ops runs sync` pulls (OWNER/NAME), when no --repo is given. */
  repos: z.array(z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected OWNER/NAME')).default([]),
  /** How long an idempotency key's first result is remembered (SPEC §1.6). */
  idempotencyTtlSeconds: positiveInt.default(86_400),
  /** What `ops retry replay` runs for an entry (no shell): {gh}, {run_id}, {repository}, {workflow}, {attempt}, {run_attempt}. */
  retryCommand: commandTemplate
    .superRefine((argv, ctx) => {
      const bad = unknownPlaceholder(argv);
      if (bad) ctx.addIssue({ code: 'custom', message: `unknown placeholder ${bad} (known: ${knownPlaceholders()})` });
    })
    .default(['{gh}', 'run', 'rerun', '{run_id}', '--failed']),
  /**
   * How a dispatched re-run is confirmed (SPEC §2.4) with `gh run view`: replay waits up to
   * waitSeconds for the new attempt to finish, checking every pollSeconds; after that a
   * later replay checks again, until maxWaitSeconds after the dispatch.
   */
  recovery: z
    .strictObject({
      pollSeconds: positiveInt.default(15),
      waitSeconds: z.number().int().nonnegative().default(0),
      maxWaitSeconds: positiveInt.default(3600),
    })
    .prefault({}),
  /**
   * What `ops killswitch` does on GitHub, in every repository of `repos` (issue 21): set the
   * Actions variable OPS_KILLSWITCH (at repository or organisation level), cancel the runs
   * in progress and queued in scope (force-cancel after forceCancelAfterSeconds), disable
   * the scheduled workflows in scope. Release undoes exactly that.
   */
  killswitch: z
    .strictObject({
      github: z
        .strictObject({
          variable: z.boolean().default(true),
          cancelRuns: z.boolean().default(true),
          disableSchedules: z.boolean().default(true),
          variableLevel: z.enum(['repo', 'org']).default('repo'),
          forceCancelAfterSeconds: positiveInt.default(60),
        })
        .prefault({}),
    })
    .prefault({}),
  /**
   * `ops serve` (issue 23): where it listens (loopback unless told), the env var holding the
   * GitHub webhook secret (the secret itself never sits in a file), per-key rate limits.
   */
  serve: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(8787),
      webhookSecretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').default('OPS_WEBHOOK_SECRET'),
      rateLimit: z
        .strictObject({
          /** Requests per key per minute (a token bucket: up to `burst` at once). */
          perMinute: positiveInt.default(600),
          burst: positiveInt.default(100),
        })
        .prefault({}),
    })
    .prefault({}),
  rollback: z
    .strictObject({
      trackedPaths: z.array(z.string().min(1)).default(['.github/workflows/*.yml']),
      disableCommand: commandTemplate.default(['{gh}', 'workflow', 'disable', '{workflow}']),
      enableCommand: commandTemplate.default(['{gh}', 'workflow', 'enable', '{workflow}']),
      removeSecrets: z.boolean().default(false),
      /** With removeSecrets: the repository secrets a rollback deletes (a leaked credential), and how. */
      secrets: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*$/i, 'a secret name: letters, digits and _')).default([]),
      removeSecretCommand: commandTemplate.default(['{gh}', 'secret', 'delete', '{secret}']),
    })
    .prefault({}),
  notifications: z
    .strictObject({
      /**
       * Where notifications go (SPEC §1.7). None configured: the notification log
       * (logs/notification_log_YYYYMMDD.log), which is also the end of every fallback chain.
       */
      channels: z
        .array(
          z
            .strictObject({
              name: z.string().regex(/^[a-z0-9_.-]+$/i, 'letters, digits, ., - and _ only'),
              type: z.enum(['slack', 'webhook', 'github_issue', 'log']),
              /** slack, webhook: the endpoint; better urlEnv, since a Slack webhook URL is itself a credential. */
              url: z.string().url().refine((u) => /^https?:\/\//.test(u), { message: 'expected an http(s) URL' }).optional(),
              /** slack, webhook: the environment variable holding the endpoint. */
              urlEnv: z.string().min(1).optional(),
              /** webhook: the environment variable holding the HMAC secret (required for webhook). */
              secretEnv: z.string().min(1).optional(),
              /** github_issue: OWNER/NAME (default: gh's own repository resolution, or GH_REPO). */
              repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected OWNER/NAME').optional(),
              labels: z.array(z.string().min(1)).default([]),
              /** Told only when a channel before it in the fallback chain gave up (e.g. an issue only when Slack is down). */
              fallbackOnly: z.boolean().default(false),
            })
            .superRefine((c, ctx) => {
              const http = c.type === 'slack' || c.type === 'webhook';
              if (http && !c.url === !c.urlEnv) ctx.addIssue({ code: 'custom', message: `a ${c.type} channel needs url or urlEnv (one of them)` });
              if (!http && (c.url || c.urlEnv)) ctx.addIssue({ code: 'custom', message: `a ${c.type} channel takes no url` });
              if (c.type === 'webhook' && !c.secretEnv) ctx.addIssue({ code: 'custom', message: 'a webhook channel needs secretEnv: deliveries are signed' });
            }),
        )
        .superRefine((cs, ctx) => {
          const seen = new Set<string>();
          cs.forEach((c, i) => {
            if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate channel name ${c.name}` });
            seen.add(c.name);
          });
        })
        .default([]),
    })
    .prefault({}),
  /**
   * `ops export postgres` (issue 24): where this workspace's records meet the team's. The URL
   * is never in a file: urlEnv names the environment variable holding it (a password in it
   * is a credential). Present (even `{}`): the export is configured, and status shows its lag.
   */
  export: z
    .strictObject({
      postgres: z
        .strictObject({
          urlEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').default('OPS_POSTGRES_URL'),
          /** The Postgres schema ops owns (tables, views, migrations). */
          schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier').default('ops'),
          /** This workspace's id in the shared database; default: the one the ledger made (meta workspace_id). */
          workspaceId: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'letters, digits, . _ : - (at most 100)').optional(),
          /** TLS: disable, require (encrypted, server not verified), verify-full (CA and host name checked; caFile for a private CA such as Supabase's or RDS's). */
          ssl: z
            .strictObject({
              mode: z.enum(['disable', 'require', 'verify-full']).optional(),
              caFile: z.string().min(1).optional(),
            })
            .prefault({}),
          /** Rows per Postgres transaction (and per cursor step). */
          batchRows: positiveInt.max(100_000).default(20_000),
        })
        .optional(),
    })
    .prefault({}),
  /** What `ops kpi` and the health report hold the KPIs against; null: no target for that KPI. */
  kpiTargets: z
    .strictObject({
      successRate: z.number().min(0).max(1).nullable().default(0.95),
      p95DurationMs: positiveInt.nullable().default(900_000),
      mttrMs: positiveInt.nullable().default(3_600_000),
      retrySuccessRate: z.number().min(0).max(1).nullable().default(0.8),
    })
    .prefault({}),
});

/** The knobs of the backoff schedule (SPEC §2.1); a per-workflow override may set any of them. */
const retryTuning = z.strictObject({
  retryClasses: z.array(z.enum(failureClasses)),
  baseSeconds: nonNegative,
  factor: z.number().min(1),
  maxRetries: z.number().int().nonnegative(),
  jitter: z.number().min(0).max(1),
  capSeconds: z.number().positive(),
  retryUnknown: z.boolean(),
  /** test_failure is retried only with this (or test_failure in retryClasses): a re-run hides a real bug unless the suite is known to be flaky. */
  retryFlakyTests: z.boolean(),
});
const t = retryTuning.shape;

const retryPolicy = z.strictObject({
  retryClasses: t.retryClasses.default(['transient', 'rate_limit']),
  baseSeconds: t.baseSeconds.default(5),
  factor: t.factor.default(2),
  maxRetries: t.maxRetries.default(3),
  jitter: t.jitter.default(0),
  capSeconds: t.capSeconds.default(300),
  retryUnknown: t.retryUnknown.default(false),
  retryFlakyTests: t.retryFlakyTests.default(false),
  autoEnqueue: z.boolean().default(true),
  /** Failures older than this are history, not incidents: importing last month's runs must not re-run them. */
  autoEnqueueMaxAgeHours: positiveInt.default(24),
  overrides: z.array(retryTuning.partial().extend({ workflow: z.string().min(1) })).default([]),
  budget: z
    .strictObject({
      maxRetriesPerWorkflowPerHour: positiveInt.default(10),
    })
    .prefault({}),
});

const regexList = (what: string) =>
  z
    .array(z.string().min(1))
    .default([])
    .superRefine((xs, ctx) => {
      xs.forEach((x, i) => {
        const err = regexError(x);
        if (err) ctx.addIssue({ code: 'custom', path: [i], message: `${what} /${x}/: not a valid regular expression (${err})` });
      });
    });

const maskRules = z.strictObject({
  maskStyle: z.string().min(1).default('[MASKED:<rule>]'),
  builtinRules: z.boolean().default(true),
  /** Built-in rule ids to turn off (`ops evidence sanitize --explain` names them). */
  disable: z
    .array(z.string())
    .default([])
    .superRefine((ids, ctx) => {
      ids.forEach((id, i) => {
        if (!builtinRuleIds.includes(id)) ctx.addIssue({ code: 'custom', path: [i], message: `rule "${id}": no built-in rule has this id` });
      });
    }),
  rules: z
    .array(
      z
        .strictObject({
          name: z.string(),
          pattern: z.string(),
          keywords: z.array(z.string().min(1)).default([]),
          description: z.string().optional(),
        })
        .superRefine((r, ctx) => {
          const bad = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message: `rule "${r.name}": ${message}` });
          if (!/^[a-z0-9_-]+$/i.test(r.name)) bad('name', 'letters, digits, - and _ only');
          else if (builtinRuleIds.includes(r.name)) bad('name', 'a built-in rule has this id (disable it, or choose another name)');
          const err = r.pattern ? regexError(r.pattern) : 'empty';
          if (err) bad('pattern', `not a valid regular expression (${err})`);
          else if (new RegExp(r.pattern).test('')) bad('pattern', 'matches the empty string');
        }),
    )
    .default([]),
  /** Not masked: a match that one of `values` matches; files whose path one of `paths` matches. */
  allow: z
    .strictObject({
      values: regexList('allow.values'),
      paths: regexList('allow.paths'),
    })
    .prefault({}),
  /** The older name of allow.values. */
  exclusions: regexList('exclusions'),
});

const action = z.enum(['alert', 'propose_rollback', 'rollback', 'killswitch']);

const detectionRules = z.strictObject({
  /** import, collect and retry replay evaluate the rules after they write (off: only ops detect does). */
  afterWrites: z.boolean().default(true),
  failureRate: z
    .strictObject({
      threshold: z.number().min(0).max(1).default(0.5),
      windowMinutes: positiveInt.default(60),
      minRuns: positiveInt.default(10),
      action: action.default('alert'),
    })
    .prefault({}),
  consecutiveFailures: z
    .strictObject({
      count: positiveInt.default(3),
      /** The newest of the failures must be this recent: importing last month's history raises nothing. */
      withinHours: positiveInt.default(24),
      action: action.default('propose_rollback'),
    })
    .prefault({}),
  retryStorm: z
    .strictObject({ maxRetries: positiveInt.default(20), windowMinutes: positiveInt.default(10), action: action.default('killswitch') })
    .prefault({}),
  staleRun: z.strictObject({ minutes: positiveInt.default(120), action: action.default('alert') }).prefault({}),
});

const killswitchRules = z.strictObject({
  rules: z
    .array(
      z
        .strictObject({
          name: z.string().regex(/^[a-z0-9_.-]+$/i, 'letters, digits, ., - and _ only'),
          /**
           * misfire: runs on a branch or event the rule does not expect; runaway_retry: more
           * than threshold retries in windowMinutes; resource: more than threshold runs queued
           * or running at once; manual: only ever engaged by hand (documents the scope).
           */
          condition: z.enum(['misfire', 'runaway_retry', 'resource', 'manual']),
          threshold: nonNegative.optional(),
          windowMinutes: positiveInt.optional(),
          /** The workflow the rule watches and stops; default all (*). */
          scope: z.string().min(1).optional(),
          /** misfire: the branches and events runs are expected on (picomatch globs). */
          branches: z.array(z.string().min(1)).optional(),
          events: z.array(z.string().min(1)).optional(),
        })
        .superRefine((r, ctx) => {
          if (r.condition === 'misfire' && !r.branches && !r.events) ctx.addIssue({ code: 'custom', message: 'a misfire rule needs branches or events (what is expected)' });
          if ((r.condition === 'runaway_retry' || r.condition === 'resource') && r.threshold === undefined) ctx.addIssue({ code: 'custom', message: `a ${r.condition} rule needs a threshold` });
        }),
    )
    // The retry storm is detection-rules.json's retryStorm (20 in 10 min → killswitch) by
    // default; a runaway_retry rule here adds a scoped or stricter one.
    .default([{ name: 'manual', condition: 'manual' }]),
});

function regexError(pattern: string): string | null {
  try {
    new RegExp(pattern);
    return null;
  } catch (err) {
    return (err as Error).message.replace(/^Invalid regular expression: /, '');
  }
}


/**
 * `schedule.json`: the jobs of `ops watch` (issue 22). One entry per job of the watcher's job
 * table (src/watch/jobs.ts, which the compiler keeps in step with WATCH_JOBS): a new job is
 * a name here and a function there. Each job runs every `everySeconds`, or at the times of
 * `cron` (in config.json timezone), and/or right after the jobs of `after`, and/or when the
 * event log grew (`onNewEvents`); `jitterSeconds` spreads its start by up to that much,
 * `timeoutSeconds` bounds one run.
 */
export const WATCH_JOBS = ['sync', 'detect', 'replay', 'deliver', 'expiry', 'report', 'consumers', 'export'] as const;
export type WatchJobName = (typeof WATCH_JOBS)[number];

interface JobDefaults {
  everySeconds?: number;
  cron?: string;
  after?: WatchJobName[];
  onNewEvents?: boolean;
  timeoutSeconds: number;
  jitterSeconds: number;
}

const watchJob = (d: JobDefaults) =>
  z
    .strictObject({
      enabled: z.boolean().default(true),
      everySeconds: positiveInt.nullable().optional(),
      cron: z
        .string()
        .superRefine((expr, ctx) => {
          const problem = cronProblem(expr);
          if (problem) ctx.addIssue({ code: 'custom', message: `not a cron expression: ${problem}` });
        })
        .nullable()
        .optional(),
      after: z.array(z.enum(WATCH_JOBS)).optional(),
      onNewEvents: z.boolean().optional(),
      timeoutSeconds: positiveInt.default(d.timeoutSeconds),
      jitterSeconds: nonNegative.default(d.jitterSeconds),
    })
    .superRefine((j, ctx) => {
      if (j.everySeconds != null && j.cron != null) ctx.addIssue({ code: 'custom', path: ['cron'], message: 'give everySeconds or cron, not both' });
    })
    // A job that names none of its triggers keeps its default ones; naming one replaces them all.
    .transform((j) => {
      const own = j.everySeconds !== undefined || j.cron !== undefined || j.after !== undefined || j.onNewEvents !== undefined;
      const t = own ? j : { ...j, everySeconds: d.everySeconds, cron: d.cron, after: d.after, onNewEvents: d.onNewEvents };
      return { enabled: t.enabled, everySeconds: t.everySeconds ?? null, cron: t.cron ?? null, after: t.after ?? [], onNewEvents: t.onNewEvents ?? false, timeoutSeconds: t.timeoutSeconds, jitterSeconds: t.jitterSeconds };
    })
    .prefault({});

const scheduleConfig = z.strictObject({
  /** A watcher whose heartbeat is older than this is taken for dead: another may take over. */
  leaseSeconds: z.number().int().min(5).default(30),
  /** After this many failed runs of a job in a row, a notification (each failure is an audit event). */
  notifyAfterFailures: positiveInt.default(3),
  /** A failing job waits its interval, doubled per failure in a row, at most this long. */
  backoffCapSeconds: positiveInt.default(900),
  /** SIGTERM/SIGINT: how long the running jobs get to finish their step before the watcher exits anyway. */
  stopTimeoutSeconds: positiveInt.default(10),
  jobs: z
    .strictObject({
      sync: watchJob({ everySeconds: 120, timeoutSeconds: 600, jitterSeconds: 10 }),
      detect: watchJob({ after: ['sync'], timeoutSeconds: 120, jitterSeconds: 0 }),
      replay: watchJob({ everySeconds: 30, timeoutSeconds: 900, jitterSeconds: 0 }),
      deliver: watchJob({ everySeconds: 15, timeoutSeconds: 120, jitterSeconds: 0 }),
      expiry: watchJob({ everySeconds: 10, timeoutSeconds: 60, jitterSeconds: 0 }),
      report: watchJob({ cron: '0 * * * *', timeoutSeconds: 300, jitterSeconds: 30 }),
      consumers: watchJob({ onNewEvents: true, everySeconds: 60, timeoutSeconds: 120, jitterSeconds: 0 }),
      // Postgres (config.json export.postgres): skipped while not configured.
      export: watchJob({ onNewEvents: true, everySeconds: 60, timeoutSeconds: 600, jitterSeconds: 0 }),
    })
    .prefault({}),
});

export const configSchemas = {
  'config.json': mainConfig,
  'retry-policy.json': retryPolicy,
  'mask-rules.json': maskRules,
  'detection-rules.json': detectionRules,
  'killswitch-rules.json': killswitchRules,
  'schedule.json': scheduleConfig,
} as const;

export type ConfigFile = keyof typeof configSchemas;
export const configFiles = Object.keys(configSchemas) as ConfigFile[];
export type ConfigOf<F extends ConfigFile> = z.output<(typeof configSchemas)[F]>;
export type MainConfig = ConfigOf<'config.json'>;
export type RetryPolicy = ConfigOf<'retry-policy.json'>;
export type DetectionRules = ConfigOf<'detection-rules.json'>;
export type KillswitchRules = ConfigOf<'killswitch-rules.json'>;
export type ScheduleConfig = ConfigOf<'schedule.json'>;
export type WatchJobConfig = ScheduleConfig['jobs'][WatchJobName];
export type Channel = MainConfig['notifications']['channels'][number];
