/**
 * Environment configuration, validated with zod. `loadConfig` throws one ConfigError that lists every
 * bad or missing variable with what was expected; secret values are never echoed.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors';
import { queueName } from './temporal/queues';

const SECRET_VARS = new Set([
  'VANTA_CLIENT_SECRET',
  'VANTA_API_TOKEN',
  'GITHUB_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
  'TEMPORAL_API_KEY',
  'TEMPORAL_PAYLOAD_KEYS',
  'CODEC_SERVER_TOKEN',
  'REDIS_URL',
]);

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const posInt = (def: number) =>
  z.coerce
    .number({ message: 'expected a positive integer' })
    .int('expected an integer')
    .positive('expected a positive integer')
    .default(def);
const urlString = () => z.string().url('expected an absolute URL such as https://api.example.com');
const url = (def: string) => urlString().default(def);

/** Repo mapping: which repository holds the Terraform for a failure. Values are "owner/name" or "owner/name:subdir". */
export const repoMappingSchema = z
  .object({
    default: z.string().optional(),
    accounts: z.record(z.string(), z.string()).optional(),
    resourceTypes: z.record(z.string(), z.string()).optional(),
    prefixes: z.record(z.string(), z.string()).optional(),
  })
  .strict();
export type RepoMapping = z.infer<typeof repoMappingSchema>;

const jsonMapping = z.string().transform((s, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected JSON such as {"default":"org/infra"}' });
    return z.NEVER;
  }
  const r = repoMappingSchema.safeParse(parsed);
  if (!r.success) {
    ctx.addIssue({
      code: 'custom',
      message: `expected {"default"?, "accounts"?, "resourceTypes"?, "prefixes"?} with "owner/name" values (${r.error.issues
        .map((i) => `${i.path.join('.') || 'root'}: ${i.message}`)
        .join('; ')})`,
    });
    return z.NEVER;
  }
  return r.data;
});

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
const opt = <T extends z.ZodTypeAny>(s: T) => z.preprocess(emptyToUndefined, s.optional());

export const configSchema = z.object({
  VANTA_CLIENT_ID: opt(z.string()),
  VANTA_CLIENT_SECRET: opt(z.string()),
  VANTA_API_TOKEN: opt(z.string()),
  VANTA_API_URL: z.preprocess(emptyToUndefined, url('https://api.vanta.com')),
  VANTA_INTEGRATION_FILTER: z.preprocess(emptyToUndefined, z.string().default('aws')),
  VANTA_FRAMEWORK_FILTER: opt(z.string()),
  VANTA_CATEGORY_FILTER: opt(z.string()),
  VANTA_REQUESTS_PER_MINUTE: z.preprocess(emptyToUndefined, posInt(50)),
  VANTA_SKIP_UNCHANGED: z.preprocess(emptyToUndefined, bool.default(false)),
  VANTA_WRITE_BACK: z.preprocess(emptyToUndefined, bool.default(false)),
  VANTA_APP_URL: z.preprocess(emptyToUndefined, url('https://app.vanta.com')),

  GITHUB_TOKEN: opt(z.string()),
  GITHUB_APP_ID: opt(z.string().regex(/^\d+$/, 'expected a numeric GitHub App id')),
  GITHUB_APP_PRIVATE_KEY: opt(z.string()),
  GITHUB_APP_INSTALLATION_ID: opt(z.string().regex(/^\d+$/, 'expected a numeric installation id')),
  GITHUB_API_URL: z.preprocess(emptyToUndefined, url('https://api.github.com')),
  GITHUB_REPO_MAPPING: opt(jsonMapping),
  /** AWS account ids the organisation's repositories can hold (used when the mapping's accounts name none). */
  AWS_ACCOUNT_IDS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .optional()
      .transform((s, ctx) => {
        const ids = (s ?? '')
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        const bad = ids.filter((x) => !/^\d{12}$/.test(x));
        if (bad.length) {
          ctx.addIssue({
            code: 'custom',
            message: `expected 12-digit AWS account ids separated by commas, got ${bad.join(', ')}`,
          });
          return z.NEVER;
        }
        return ids;
      }),
  ),
  CODE_HOST: z.preprocess(emptyToUndefined, z.enum(['github', 'local']).default('github')),
  LOCAL_CODE_HOST_DIR: opt(z.string()),
  PR_CONCURRENT_LIMIT: z.preprocess(emptyToUndefined, posInt(10)),
  PR_HOURLY_LIMIT: z.preprocess(emptyToUndefined, posInt(5)),
  PR_REVIEWERS: opt(z.string()),
  PR_ASSIGNEES: opt(z.string()),
  GROUP_BY: z.preprocess(emptyToUndefined, z.enum(['none', 'test']).default('none')),

  AWS_REGION: z.preprocess(emptyToUndefined, z.string().default('us-east-1')),
  BEDROCK_MODEL_ID: z.preprocess(
    emptyToUndefined,
    z.string().default('us.anthropic.claude-opus-4-5-20251101-v1:0'),
  ),
  AWS_ENDPOINT_URL_BEDROCK_RUNTIME: opt(urlString()),
  FIX_ENGINE: z.preprocess(emptyToUndefined, z.enum(['auto', 'rules', 'llm']).default('auto')),
  LLM_ENABLED: z.preprocess(emptyToUndefined, bool.default(true)),
  LLM_MAX_TOKENS: z.preprocess(emptyToUndefined, posInt(4096)),

  REDIS_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
      .default('redis://127.0.0.1:6379'),
  ),
  POLL_INTERVAL_SECONDS: z.preprocess(emptyToUndefined, posInt(300)),
  SCHEDULE_ON_START: z.preprocess(emptyToUndefined, bool.default(true)),
  MAX_CONCURRENT_WORKERS: z.preprocess(emptyToUndefined, posInt(10)),
  LLM_CONCURRENCY: z.preprocess(emptyToUndefined, posInt(2)),
  VANTA_ACTIVITIES_PER_SECOND: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'expected a positive number' })
      .positive('expected a positive number')
      .default(1),
  ),
  GITHUB_ACTIVITIES_PER_SECOND: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'expected a positive number' })
      .positive('expected a positive number')
      .default(0.2),
  ),
  /** Concurrent activities per worker on the `-github` queue (PR creation, checks, closes). */
  GITHUB_ACTIVITY_SLOTS: z.preprocess(emptyToUndefined, posInt(4)),
  /** Memory budget of a worker's repository index cache, in MB (least recently used indexes leave first). */
  INDEX_CACHE_MB: z.preprocess(emptyToUndefined, posInt(256)),
  /**
   * Workflow executions a worker keeps in memory (Temporal's sticky cache). Fewer: less memory, more
   * replays when an evicted workflow's next task arrives.
   */
  WORKFLOW_CACHE_SIZE: z.preprocess(emptyToUndefined, posInt(250)),
  TERRAFORM_PATH: z.preprocess(emptyToUndefined, z.string().default('terraform')),
  TERRAFORM_PROVIDER_MIRROR: z.preprocess(emptyToUndefined, z.string().optional()),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  STATE_RETENTION_DAYS: z.preprocess(emptyToUndefined, posInt(7)),
  REJECTED_SUPPRESS_DAYS: z.preprocess(emptyToUndefined, posInt(30)),
  /** Record TTL after a transient failure (retries exhausted): a later poll tries again. */
  RETRY_AFTER_MINUTES: z.preprocess(emptyToUndefined, posInt(60)),
  /** Record TTL after a configuration error (repo not mapped, GitHub auth, stage not configured). */
  CONFIG_ERROR_RETRY_MINUTES: z.preprocess(emptyToUndefined, posInt(15)),
  /** Record TTL after not_found / no_fix / fix_rejected (sooner when the default branch moves). */
  NOT_FOUND_RETRY_HOURS: z.preprocess(emptyToUndefined, posInt(24)),
  PR_CHECK_INTERVAL_HOURS: z.preprocess(emptyToUndefined, posInt(4)),
  PR_STALE_DAYS: z.preprocess(emptyToUndefined, posInt(30)),
  WORKSPACE_DIR: z.preprocess(
    emptyToUndefined,
    z.string().default(path.join(os.homedir(), '.cache', 'terrafix', 'repos')),
  ),

  TEMPORAL_ADDRESS: z.preprocess(emptyToUndefined, z.string().default('localhost:7233')),
  TEMPORAL_NAMESPACE: z.preprocess(emptyToUndefined, z.string().default('default')),
  TEMPORAL_TASK_QUEUE: z.preprocess(emptyToUndefined, z.string().default('terrafix')),
  TEMPORAL_API_KEY: opt(z.string()),
  TEMPORAL_PAYLOAD_KEYS: opt(z.string()),
  TEMPORAL_PAYLOAD_KEY_ID: opt(z.string()),
  TEMPORAL_TLS: z.preprocess(emptyToUndefined, bool.default(false)),
  TEMPORAL_TLS_CERT_PATH: opt(z.string()),
  TEMPORAL_TLS_KEY_PATH: opt(z.string()),
  TEMPORAL_TLS_SERVER_NAME: opt(z.string()),
  TEMPORAL_SCHEDULE_ID: z.preprocess(emptyToUndefined, z.string().default('terrafix-poll')),
  /** Base URL of the Temporal Web UI (e.g. http://localhost:8233): PRs and the CLI link remediations to it. */
  TEMPORAL_UI_URL: opt(urlString()),
  HEALTH_PORT: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65535).default(8080),
  ),
  CODEC_SERVER_TOKEN: opt(z.string()),
  CODEC_SERVER_ORIGIN: z.preprocess(emptyToUndefined, z.string().default('http://localhost:8233')),
  CODEC_SERVER_PORT: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65535).default(8089),
  ),
});

/** Rules that relate several variables; checked even when single variables are invalid. */
function crossChecks(env: Record<string, string | undefined>): { name: string; message: string }[] {
  const set = (k: string) => Boolean(env[k]);
  const out: { name: string; message: string }[] = [];
  if (set('VANTA_CLIENT_ID') !== set('VANTA_CLIENT_SECRET')) {
    out.push({
      name: set('VANTA_CLIENT_ID') ? 'VANTA_CLIENT_SECRET' : 'VANTA_CLIENT_ID',
      message: 'expected VANTA_CLIENT_ID and VANTA_CLIENT_SECRET to be set together',
    });
  }
  if (set('GITHUB_APP_ID') && !set('GITHUB_APP_PRIVATE_KEY')) {
    out.push({
      name: 'GITHUB_APP_PRIVATE_KEY',
      message: 'expected the GitHub App private key (PEM) when GITHUB_APP_ID is set',
    });
  }
  if (set('TEMPORAL_TLS_CERT_PATH') !== set('TEMPORAL_TLS_KEY_PATH')) {
    out.push({
      name: set('TEMPORAL_TLS_CERT_PATH') ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH',
      message: 'expected TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH to be set together (mTLS)',
    });
  }
  return out;
}

export type Config = z.infer<typeof configSchema>;

/** Parses the environment; throws ConfigError naming every bad variable (never its value). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.keys(configSchema.shape);
  const input: Record<string, string | undefined> = {};
  for (const k of known) input[k] = env[k];
  const r = configSchema.safeParse(input);
  const cross = crossChecks(input);
  if (r.success && cross.length === 0) return r.data;
  const issues = r.success ? [] : r.error.issues;
  const lines = issues.map((i) => {
    const name = String(i.path[0] ?? 'config');
    const secret = SECRET_VARS.has(name) ? ' (value hidden)' : '';
    const message =
      i.code === 'invalid_type' && env[name] === undefined
        ? 'is required'
        : i.message.replace(/"[^"]*"/g, (m) => (secret ? '"***"' : m));
    return `  ${name}: ${message}${secret}`;
  });
  for (const c of cross) lines.push(`  ${c.name}: ${c.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/** Which Vanta credential the config provides, if any. */
export function vantaAuthMode(c: Config): 'oauth' | 'static' | 'none' {
  if (c.VANTA_CLIENT_ID && c.VANTA_CLIENT_SECRET) return 'oauth';
  if (c.VANTA_API_TOKEN) return 'static';
  return 'none';
}

/** Task queue names derived from TEMPORAL_TASK_QUEUE. */
export function taskQueues(c: Pick<Config, 'TEMPORAL_TASK_QUEUE'>) {
  const base = c.TEMPORAL_TASK_QUEUE;
  return {
    main: queueName(base, 'main'),
    llm: queueName(base, 'llm'),
    vanta: queueName(base, 'vanta'),
    github: queueName(base, 'github'),
  };
}

/** Variables whose values must never be logged. */
export const secretVariableNames: ReadonlySet<string> = SECRET_VARS;
