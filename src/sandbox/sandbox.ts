/**
 * The TerraFix sandbox: the three emulators (Vanta, GitHub + git over HTTP, Bedrock) seeded with a
 * sample organisation, plus Temporal and Redis (reused or started), and the environment a worker
 * needs to run against them. Used by `make demo`, the end-to-end and chaos tests, and benchmarks.
 *
 * Two organisations: 'demo' (src/sandbox/org/demo: hand-written Terraform repos, a Vanta seed and a
 * recorded Bedrock answer) and a generated one of any size (N failures, each mapping to exactly one
 * resource, fixed by a rule or — for `llmFraction` of them — by a programmatic Bedrock answer).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config, type RepoMapping } from '../config';
import { policyFromConfig } from '../pullRequests';
import { createGitHubClient, currentToken } from '../github/octokit';
import { gitHubPullRequests } from '../github/codeHost';
import { RepoWorkspace } from '../github/workspace';
import { createLogger, type Logger } from '../logger';
import { vantaFailureKey } from '../vanta/failures';
import { startWorker, type RunningWorker, type RunWorkerOptions } from '../workers/main';
import {
  loadRecordings,
  startBedrockEmulator,
  type BedrockEmulator,
  type ConverseHandler,
  type Recording,
} from './emulators/bedrockEmulator';
import { startGitHubEmulator, type GitHubEmulator } from './emulators/githubEmulator';
import { startRedis, startTemporalDevServer, type RedisServer, type TemporalDevServer } from './services';
import {
  startVantaEmulator,
  type EmulatorTest,
  type VantaEmulator,
  type VantaSeed,
} from './emulators/vantaEmulator';

/** A synthetic organisation of any size (chaos tests, benchmarks). */
export interface GeneratedOrg {
  repos: number;
  failures: number;
  /** .tf files the resources of a repo are spread over (default 4). */
  filesPerRepo?: number;
  /** Share (0..1) of failures no rule matches, answered by the Bedrock emulator (default 0). */
  llmFraction?: number;
}

export interface SandboxOptions {
  /** Working directory (emulator repos, worker workspace); a temporary one (removed on stop) by default. */
  dir?: string;
  /** Reuse a running Temporal server; else one is started (with the Web UI). */
  temporalAddress?: string;
  /** Database file for a started Temporal server (persistent state); in memory by default. */
  temporalDbFile?: string;
  /** Reuse a running Redis; else one is started. */
  redisUrl?: string;
  /** The demo organisation (default), a generated one, or an organisation given in full. */
  org?: 'demo' | GeneratedOrg | OrgDefinition;
  latencyMs?: { vanta?: number; github?: number; bedrock?: number };
  faultRate?: { vanta?: number; github?: number };
  taskQueue?: string;
  /**
   * Appended to every Vanta entity id (hence to every failure key and workflow id), so several
   * sandboxes can share one Temporal server and one Redis. Default: '' for the demo, random for a
   * generated organisation.
   */
  entityIdSuffix?: string;
  /** Extra or overriding environment variables for the worker. */
  env?: Record<string, string>;
  /**
   * Minimum spacing of GitHub write requests in the in-process worker (default 0: the emulator has no
   * secondary limits unless injected; production keeps octokit's default pacing).
   */
  githubWriteSpacingMs?: number;
  /** Logger for the sandbox's own messages and the in-process workers (default: LOG_LEVEL warn). */
  logger?: Logger;
  /**
   * Keep the GitHub emulator's state across runs in this directory: the bare repositories in
   * `<persistDir>/github` (reused when present instead of re-seeded) and the pull requests, labels
   * and comments in `<persistDir>/github/emulator-state.json`. Default: none (the repositories are
   * seeded afresh in `<dir>/github` and the PRs live in memory).
   */
  persistDir?: string;
  /** Port of the GitHub emulator (default: a free one); a fixed port keeps PR links valid across runs. */
  githubPort?: number;
}

/** One failure the sandbox expects TerraFix to fix, and how. */
export interface ExpectedFix {
  failureKey: string;
  testId: string;
  entityId: string;
  displayName: string;
  responseType: string;
  /** owner/name */
  repo: string;
  engine: 'rule' | 'llm';
  ruleId?: string;
  /** Files (repository paths) the fix is expected to change. */
  files: string[];
}

export interface Sandbox {
  /** Every configuration variable the worker needs. */
  env: Record<string, string>;
  config: Config;
  vanta: VantaEmulator;
  github: GitHubEmulator;
  bedrock: BedrockEmulator;
  temporal?: TemporalDevServer;
  redis?: RedisServer;
  /** The repository owner of the organisation. */
  owner: string;
  expected: ExpectedFix[];
  dir: string;
  /** An in-process worker serving the sandbox's task queues. */
  startWorker(extra?: Partial<RunWorkerOptions>): Promise<RunningWorker>;
  /** Stops the workers started through it, the emulators, and the services it started. */
  stop(): Promise<void>;
}

/** An organisation: repositories, the Vanta seed, Bedrock answers, and the expected fixes. */
export interface OrgDefinition {
  owner: string;
  repos: { name: string; files: Record<string, string> }[];
  mapping: RepoMapping;
  seed: VantaSeed;
  recordings: Recording[];
  handler?: ConverseHandler;
  expected: Omit<ExpectedFix, 'failureKey'>[];
}

/** The sandbox's payload key (not a secret: see TEMPORAL_PAYLOAD_KEYS in startSandbox). */
export const SANDBOX_PAYLOAD_KEY = createHash('sha256')
  .update('terrafix-sandbox-payload-key')
  .digest('base64');

/** Name of the GitHub emulator's state file in `<persistDir>/github` (see SandboxOptions.persistDir). */
export const GITHUB_STATE_FILE = 'emulator-state.json';

/** The directory of the demo organisation. */
export const DEMO_ORG_DIR = path.join(__dirname, 'org', 'demo');

/** Every file under `dir`, by path relative to it (an organisation's repository from disk). */
export function readTree(dir: string, base = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(path.join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, readTree(dir, rel));
    else if (e.isFile()) out[rel] = fs.readFileSync(path.join(dir, rel), 'utf8');
  }
  return out;
}

interface DemoManifest {
  owner: string;
  repos: string[];
  mapping: RepoMapping;
  expected: {
    testId: string;
    entityId: string;
    repo: string;
    engine: 'rule' | 'llm';
    ruleId?: string;
    files: string[];
  }[];
}

/** Loads the demo organisation from src/sandbox/org/demo. */
export function loadDemoOrg(dir = DEMO_ORG_DIR): OrgDefinition {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'org.json'), 'utf8')) as DemoManifest;
  const seed = JSON.parse(fs.readFileSync(path.join(dir, 'vanta-seed.json'), 'utf8')) as VantaSeed;
  const entities = new Map(
    seed.tests.flatMap((t) => t.entities.map((e) => [`${t.id}\u0000${e.id}`, e] as const)),
  );
  return {
    owner: manifest.owner,
    repos: manifest.repos.map((name) => ({ name, files: readTree(path.join(dir, 'repos', name)) })),
    mapping: manifest.mapping,
    seed,
    recordings: loadRecordings(path.join(dir, 'bedrock')),
    expected: manifest.expected.map((x) => {
      const e = entities.get(`${x.testId}\u0000${x.entityId}`);
      if (!e) throw new Error(`demo org: expected fix names unknown entity ${x.testId}/${x.entityId}`);
      return { ...x, displayName: e.displayName, responseType: e.responseType };
    }),
  };
}

const PROVIDER_TF = `terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "us-east-1"
}
`;

/** The test id generated LLM-path failures use (no rule matches it). */
export const GENERATED_LLM_TEST_ID = 'sandbox-s3-force-destroy-disabled';

interface GenKind {
  testId: string;
  name: string;
  responseType: string;
  ruleId?: string;
  resourceType: string;
  displayName(r: number, i: number): string;
  block(label: string, display: string): string;
}

const GEN_KINDS: GenKind[] = [
  {
    testId: 'aws-s3-public-access-blocked',
    name: 'S3 buckets block public access',
    responseType: 'S3 bucket',
    ruleId: 's3-public-access-block',
    resourceType: 'aws_s3_bucket',
    displayName: (r, i) => `gen${r}-bucket-${i}`,
    block: (l, d) => `resource "aws_s3_bucket" "${l}" {\n  bucket = "${d}"\n}\n`,
  },
  {
    testId: 'aws-dynamodb-pitr-backups',
    name: 'DynamoDB tables have point-in-time recovery enabled',
    responseType: 'DynamoDB table',
    ruleId: 'dynamodb-pitr',
    resourceType: 'aws_dynamodb_table',
    displayName: (r, i) => `gen${r}-table-${i}`,
    block: (l, d) =>
      `resource "aws_dynamodb_table" "${l}" {\n  name         = "${d}"\n  billing_mode = "PAY_PER_REQUEST"\n  hash_key     = "id"\n\n  attribute {\n    name = "id"\n    type = "S"\n  }\n}\n`,
  },
  {
    testId: 'logs-retained-for-twelve-months-config',
    name: 'CloudWatch logs are retained for at least 12 months',
    responseType: 'CloudWatch log group',
    ruleId: 'cloudwatch-log-retention',
    resourceType: 'aws_cloudwatch_log_group',
    displayName: (r, i) => `gen${r}-logs-${i}`,
    block: (l, d) =>
      `resource "aws_cloudwatch_log_group" "${l}" {\n  name              = "${d}"\n  retention_in_days = 30\n}\n`,
  },
];

const GEN_LLM_KIND: GenKind = {
  testId: GENERATED_LLM_TEST_ID,
  name: 'S3 buckets cannot be force-destroyed with their objects',
  responseType: 'S3 bucket',
  resourceType: 'aws_s3_bucket',
  displayName: (r, i) => `gen${r}-archive-${i}`,
  block: (l, d) => `resource "aws_s3_bucket" "${l}" {\n  bucket        = "${d}"\n  force_destroy = true\n}\n`,
};

/**
 * A Bedrock handler for generated organisations: reads the target resource and file from the
 * prompt ("…for the resource ADDRESS in FILE.") and answers with a patch setting force_destroy=false.
 */
export const generatedLlmHandler: ConverseHandler = (req) => {
  const m = /for the resource ([A-Za-z0-9_.[\]"-]+) in ([A-Za-z0-9_./-]+\.tf)\./.exec(req.raw);
  if (!m) return { error: 'ValidationException', message: 'sandbox: no target in the prompt' };
  return {
    toolUse: {
      input: {
        edits: [
          { kind: 'set_attribute', file: m[2], address: m[1], path: ['force_destroy'], value: 'false' },
        ],
        explanation: `Disables force_destroy on ${m[1]} so the bucket cannot be deleted with its objects.`,
        changedAttributes: ['force_destroy'],
        confidence: 'high',
        breakingChanges: [],
        additionalRequirements: [],
      },
    },
  };
};

/** Builds a synthetic organisation: each failure maps to exactly one resource in one repository. */
export function generateOrg(g: GeneratedOrg, owner = 'acme'): OrgDefinition {
  if (!Number.isInteger(g.repos) || g.repos < 1) throw new Error('generated org: repos must be >= 1');
  if (!Number.isInteger(g.failures) || g.failures < 0)
    throw new Error('generated org: failures must be >= 0');
  const filesPerRepo = Math.max(1, g.filesPerRepo ?? 4);
  const llmCount = Math.round(g.failures * Math.min(1, Math.max(0, g.llmFraction ?? 0)));
  const repos = Array.from({ length: g.repos }, (_, r) => ({
    name: `gen-infra-${r}`,
    files: { 'versions.tf': PROVIDER_TF } as Record<string, string>,
  }));
  const mapping: RepoMapping = {
    prefixes: Object.fromEntries(repos.map((repo, r) => [`gen${r}-`, `${owner}/${repo.name}`])),
  };
  const tests = new Map<string, EmulatorTest>();
  const expected: OrgDefinition['expected'] = [];
  for (let i = 0; i < g.failures; i++) {
    const r = i % g.repos;
    // Spread LLM failures evenly over the sequence.
    const isLlm =
      llmCount > 0 && Math.floor(((i + 1) * llmCount) / g.failures) > Math.floor((i * llmCount) / g.failures);
    const kind = isLlm ? GEN_LLM_KIND : GEN_KINDS[i % GEN_KINDS.length]!;
    const display = kind.displayName(r, i);
    const file = `resources-${i % filesPerRepo}.tf`;
    const repo = repos[r]!;
    repo.files[file] = `${repo.files[file] ? `${repo.files[file]}\n` : ''}${kind.block(`r${i}`, display)}`;
    let t = tests.get(kind.testId);
    if (!t) {
      t = {
        id: kind.testId,
        name: kind.name,
        description: `${kind.name} (generated sandbox test)`,
        failureDescription: `${kind.responseType} fails: ${kind.name}`,
        remediationDescription: `Fix the ${kind.responseType} in Terraform.`,
        category: 'INFRASTRUCTURE',
        integrations: ['aws'],
        frameworks: ['soc2'],
        entities: [],
      };
      tests.set(kind.testId, t);
    }
    const entityId = `gen-ent-${String(i).padStart(5, '0')}`;
    t.entities.push({
      id: entityId,
      displayName: display,
      responseType: kind.responseType,
      entityStatus: 'FAILING',
    });
    expected.push({
      testId: kind.testId,
      entityId,
      displayName: display,
      responseType: kind.responseType,
      repo: `${owner}/${repo.name}`,
      engine: isLlm ? 'llm' : 'rule',
      ruleId: kind.ruleId,
      files: [file],
    });
  }
  return {
    owner,
    repos,
    mapping,
    seed: { tests: [...tests.values()] },
    recordings: [],
    handler: generatedLlmHandler,
    expected,
  };
}

function withSuffix(seed: VantaSeed, suffix: string): VantaSeed {
  if (!suffix) return seed;
  return {
    ...seed,
    tests: seed.tests.map((t) => ({
      ...t,
      entities: t.entities.map((e) => ({ ...e, id: `${e.id}${suffix}` })),
    })),
  };
}

/** Starts the sandbox: services, emulators seeded with the organisation, and the worker environment. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const ownDir = !opts.dir;
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-sandbox-'));
  fs.mkdirSync(dir, { recursive: true });
  const log = opts.logger ?? createLogger({ level: (opts.env?.LOG_LEVEL as 'warn' | undefined) ?? 'warn' });
  const org =
    opts.org === undefined || opts.org === 'demo'
      ? loadDemoOrg()
      : 'seed' in opts.org
        ? opts.org
        : generateOrg(opts.org);
  const suffix =
    opts.entityIdSuffix ??
    (opts.org === undefined || opts.org === 'demo' ? '' : `-${randomBytes(3).toString('hex')}`);
  const cleanups: (() => Promise<void>)[] = [];
  const workers: RunningWorker[] = [];
  const stopAll = async () => {
    for (const w of workers.splice(0)) await w.shutdown().catch(() => undefined);
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [temporal, redis] = await Promise.all([
      opts.temporalAddress
        ? Promise.resolve(undefined)
        : startTemporalDevServer({ dbFile: opts.temporalDbFile, logFile: path.join(dir, 'temporal.log') }),
      opts.redisUrl ? Promise.resolve(undefined) : startRedis(),
    ]);
    if (temporal) cleanups.push(() => temporal!.stop());
    if (redis) cleanups.push(() => redis!.stop());

    // A per-sandbox Vanta application: the token cache key in Redis is per client id.
    const app = {
      clientId: `terrafix-sandbox-${suffix ? suffix.replace(/^-/, '') : 'demo'}`,
      clientSecret: `sandbox-${randomBytes(12).toString('hex')}`,
    };
    const vanta = await startVantaEmulator({
      seed: { applications: [app], tests: withSuffix(org.seed, suffix).tests },
      latencyMs: opts.latencyMs?.vanta,
      faultRate: opts.faultRate?.vanta,
      requestsPerMinute: 100_000,
      tokenRequestsPerMinute: 1000,
    });
    cleanups.push(() => vanta.stop());

    const githubDir = path.join(opts.persistDir ?? dir, 'github');
    if (!opts.persistDir) fs.rmSync(githubDir, { recursive: true, force: true });
    fs.mkdirSync(githubDir, { recursive: true });
    const github = await startGitHubEmulator({
      dir: githubDir,
      port: opts.githubPort,
      stateFile: opts.persistDir ? path.join(githubDir, GITHUB_STATE_FILE) : undefined,
    });
    cleanups.push(() => github.stop());
    for (const repo of org.repos) {
      if (!github.hasRepo(org.owner, repo.name)) await github.createRepo(org.owner, repo.name, repo.files);
    }
    if (opts.faultRate?.github) {
      installGitHubChaos(github, opts.faultRate?.github ?? 0);
    }

    const bedrock = await startBedrockEmulator({ recordings: org.recordings, handler: org.handler });
    cleanups.push(() => bedrock.stop());

    const taskQueue = opts.taskQueue ?? 'terrafix';
    const env: Record<string, string> = {
      VANTA_API_URL: vanta.url,
      VANTA_CLIENT_ID: app.clientId,
      VANTA_CLIENT_SECRET: app.clientSecret,
      VANTA_REQUESTS_PER_MINUTE: '6000',
      VANTA_ACTIVITIES_PER_SECOND: '100',
      GITHUB_API_URL: github.apiUrl,
      GITHUB_TOKEN: github.token,
      GITHUB_REPO_MAPPING: JSON.stringify(org.mapping),
      GITHUB_ACTIVITIES_PER_SECOND: '200',
      PR_HOURLY_LIMIT: '100000',
      PR_CONCURRENT_LIMIT: '100000',
      CODE_HOST: 'github',
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
      AWS_ACCESS_KEY_ID: 'sandbox-dummy-access-key-id', // the emulator does not check SigV4 credentials
      AWS_SECRET_ACCESS_KEY: 'sandbox-dummy-secret-access-key',
      AWS_REGION: 'us-east-1',
      LLM_ENABLED: 'true',
      FIX_ENGINE: 'auto',
      REDIS_URL: opts.redisUrl ?? redis!.url,
      TEMPORAL_ADDRESS: opts.temporalAddress ?? temporal!.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      TEMPORAL_SCHEDULE_ID: `${taskQueue}-poll`,
      WORKSPACE_DIR: path.join(dir, 'workspace'),
      HEALTH_PORT: '0',
      MAX_CONCURRENT_WORKERS: '50',
      LLM_CONCURRENCY: '8',
      LOG_LEVEL: 'warn',
      // Payloads are encrypted in the sandbox as in production. The key is fixed and public: the
      // sandbox holds no real data, and a persistent demo server stays readable across runs.
      TEMPORAL_PAYLOAD_KEYS: JSON.stringify({ sandbox: SANDBOX_PAYLOAD_KEY }),
      ...opts.env,
    };
    const config = loadConfig(env);
    // The AWS SDK reads credentials from the process environment, not from Config.
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const) {
      if (!process.env[k]) process.env[k] = env[k];
    }

    if (opts.latencyMs?.bedrock) {
      const base = org.handler;
      const ms = opts.latencyMs.bedrock;
      bedrock.setHandler(async (req) => {
        await new Promise((ok) => setTimeout(ok, ms));
        return base ? base(req) : { error: 'ValidationException', message: 'sandbox: no answer' };
      });
    }

    const expected: ExpectedFix[] = org.expected.map((x) => {
      const entityId = `${x.entityId}${suffix}`;
      return { ...x, entityId, failureKey: vantaFailureKey(x.testId, entityId) };
    });

    return {
      env,
      config,
      vanta,
      github,
      bedrock,
      temporal,
      redis,
      owner: org.owner,
      expected,
      dir,
      async startWorker(extra = {}) {
        const client = createGitHubClient({
          baseUrl: config.GITHUB_API_URL,
          auth: { kind: 'token', token: github.token },
          logger: log,
          writeSpacingMs: opts.githubWriteSpacingMs ?? 0,
          retryAfterBaseMs: 100,
        });
        const codeHost = gitHubPullRequests({
          client,
          workspace: new RepoWorkspace({ dir: config.WORKSPACE_DIR, getToken: () => currentToken(client) }),
          mapping: config.GITHUB_REPO_MAPPING,
          policy: policyFromConfig(config),
          logger: log,
        });
        const w = await startWorker({
          config,
          logger: log,
          ...extra,
          overrides: { codeHost, ...extra.overrides },
        });
        workers.push(w);
        return w;
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Random GitHub faults: the emulator fails the next content-creating or read request with a 502 at
 * the given rate (re-armed after each request the emulator records).
 */
function installGitHubChaos(github: GitHubEmulator, rate: number): void {
  if (rate <= 0) return;
  const original = github.requests.push.bind(github.requests);
  github.requests.push = (...items) => {
    const n = original(...items);
    if (Math.random() < rate) {
      github.failNext({
        method: Math.random() < 0.5 ? 'POST' : 'GET',
        path: /^\/repos\//,
        status: 502,
        times: 1,
      });
    }
    return n;
  };
}
