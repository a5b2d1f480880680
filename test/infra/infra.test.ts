/**
 * Deployment files: infra/ (terraform fmt, references as `terraform validate` would resolve them,
 * security settings), docker-compose.temporal.yml, .env.example and the Dockerfile.
 * `terraform validate` itself needs the providers and runs in scripts/check-infra.sh when it can.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { configSchema, secretVariableNames } from '../../src/config';
import { IMAGE_JEMALLOC, IMAGE_NODE_OPTIONS } from '../../src/workers/imageRuntime';

const ROOT = path.resolve(__dirname, '../..');
const INFRA = path.join(ROOT, 'infra');
const CONFIG_VARS = Object.keys(configSchema.shape);

type Block = Record<string, unknown>;
type Hcl = Record<string, Record<string, unknown>>;

/** Absolute path of an executable on PATH, or undefined. */
function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function tfFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? e.name.startsWith('.')
          ? []
          : tfFiles(path.join(dir, e.name))
        : e.name.endsWith('.tf')
          ? [path.join(dir, e.name)]
          : [],
    );
}

/** The single body of `resource "<type>" "<name>"` (hcl2json wraps each body in an array). */
function body(hcl: Hcl, kind: string, type: string, name: string): Block {
  const group = hcl[kind]?.[type] as Record<string, Block[]> | undefined;
  const b = group?.[name]?.[0];
  if (!b) throw new Error(`${kind} ${type}.${name} not found in infra/`);
  return b;
}

function first(v: unknown): Block {
  const b = Array.isArray(v) ? v[0] : v;
  if (!b || typeof b !== 'object') throw new Error(`expected a block, got ${JSON.stringify(v)}`);
  return b as Block;
}

function merge(into: Hcl, part: Hcl): void {
  for (const [kind, byType] of Object.entries(part)) {
    // `locals` and `terraform` are lists of blocks; the rest are keyed by type (and name).
    if (Array.isArray(byType)) {
      into[kind] = [...((into[kind] as unknown as unknown[]) ?? []), ...byType] as unknown as Record<
        string,
        unknown
      >;
      continue;
    }
    into[kind] ??= {};
    for (const [type, v] of Object.entries(byType)) {
      const target = into[kind] as Record<string, unknown>;
      if (Array.isArray(v)) target[type] = [...((target[type] as unknown[]) ?? []), ...v];
      else target[type] = { ...((target[type] as Record<string, unknown>) ?? {}), ...(v as object) };
    }
  }
}

/** Parses every .tf file of one module directory (not its subdirectories) into one merged tree. */
async function loadModule(dir: string): Promise<{ hcl: Hcl; text: string }> {
  const hcl: Hcl = {};
  let text = '';
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.tf'))) {
    const part = (await parseHcl(f, fs.readFileSync(path.join(dir, f), 'utf8'))) as Hcl;
    merge(hcl, part);
    text += JSON.stringify(part) + '\n';
  }
  return { hcl, text };
}

describe('infra/ Terraform module', () => {
  let mod: { hcl: Hcl; text: string };
  beforeAll(async () => {
    mod = await loadModule(INFRA);
  });

  const terraform = which('terraform');
  if (!terraform) console.warn('skipped: terraform fmt -check: no terraform binary on PATH');
  (terraform ? it : it.skip)('is formatted (terraform fmt -check -recursive)', () => {
    const r = spawnSync(terraform ?? 'terraform', ['fmt', '-check', '-recursive', '-list=true', INFRA], {
      encoding: 'utf8',
    });
    expect(r.stdout.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('parses, and every var/local/resource/data reference is declared (what validate resolves)', async () => {
    for (const dir of [INFRA, path.join(INFRA, 'examples/complete')]) {
      const { hcl, text } = await loadModule(dir);
      const variables = new Set(Object.keys(hcl.variable ?? {}));
      const locals = new Set(
        ((hcl.locals as unknown as Block[] | undefined) ?? []).flatMap((b) => Object.keys(b)),
      );
      const resources = new Set(
        Object.entries(hcl.resource ?? {}).flatMap(([t, byName]) =>
          Object.keys(byName as object).map((n) => `${t}.${n}`),
        ),
      );
      const data = new Set(
        Object.entries(hcl.data ?? {}).flatMap(([t, byName]) =>
          Object.keys(byName as object).map((n) => `${t}.${n}`),
        ),
      );
      const missing: string[] = [];
      for (const m of text.matchAll(/(?<![\w.])var\.(\w+)/g))
        if (!variables.has(m[1]!)) missing.push(`var.${m[1]}`);
      for (const m of text.matchAll(/(?<![\w.])local\.(\w+)/g))
        if (!locals.has(m[1]!)) missing.push(`local.${m[1]}`);
      for (const m of text.matchAll(/(?<![\w.])data\.(\w+)\.(\w+)/g))
        if (!data.has(`${m[1]}.${m[2]}`)) missing.push(`data.${m[1]}.${m[2]}`);
      for (const m of text.matchAll(/(?<![\w.])((?:aws|random)_\w+)\.(\w+)/g))
        if (!resources.has(`${m[1]}.${m[2]}`)) missing.push(`${m[1]}.${m[2]}`);
      expect({ dir: path.relative(ROOT, dir), missing: [...new Set(missing)] }).toEqual({
        dir: path.relative(ROOT, dir),
        missing: [],
      });
    }
    // Every file parses (examples included).
    for (const f of tfFiles(INFRA))
      await expect(parseHcl(f, fs.readFileSync(f, 'utf8'))).resolves.toBeDefined();
  });

  it('documents every variable and output, and the README lists them all', () => {
    const readme = fs.readFileSync(path.join(INFRA, 'README.md'), 'utf8');
    for (const [name, blocks] of Object.entries(mod.hcl.variable ?? {})) {
      const b = first(blocks);
      expect({ name, description: typeof b.description, type: typeof b.type }).toEqual({
        name,
        description: 'string',
        type: 'string',
      });
      expect(readme).toContain(`\`${name}\``);
    }
    for (const [name, blocks] of Object.entries(mod.hcl.output ?? {})) {
      expect({ name, description: typeof first(blocks).description }).toEqual({
        name,
        description: 'string',
      });
      expect(readme).toContain(`\`${name}\``);
    }
  });

  it('pins the AWS provider to v5', () => {
    const tf = first(mod.hcl.terraform);
    const aws = first(first(tf.required_providers).aws);
    expect(aws.source).toBe('hashicorp/aws');
    expect(aws.version).toMatch(/>=\s*5\.[\d.]+,\s*<\s*6\.0\.0/);
  });

  it('encrypts with a rotated customer-managed key and keeps logs a year', () => {
    const key = body(mod.hcl, 'resource', 'aws_kms_key', 'main');
    expect(key.enable_key_rotation).toBe(true);
    expect(String(key.policy)).not.toMatch(/Principal\s*=\s*"\*"|AWS\s*=\s*"\*"/);

    const ecr = body(mod.hcl, 'resource', 'aws_ecr_repository', 'worker');
    expect(ecr.image_tag_mutability).toBe('IMMUTABLE');
    expect(first(ecr.image_scanning_configuration).scan_on_push).toBe(true);
    expect(first(ecr.encryption_configuration)).toMatchObject({ encryption_type: 'KMS' });

    const groups = mod.hcl.resource!.aws_cloudwatch_log_group as Record<string, Block[]>;
    expect(Object.keys(groups).length).toBeGreaterThan(0);
    for (const [name, [g]] of Object.entries(groups)) {
      expect({ name, kms: g!.kms_key_id }).toEqual({ name, kms: '${aws_kms_key.main.arn}' });
      expect(g!.retention_in_days).toBe('${var.log_retention_days}');
    }
    expect(first((mod.hcl.variable as Record<string, unknown>).log_retention_days).default).toBe(365);

    for (const [name, [s]] of Object.entries(
      mod.hcl.resource!.aws_secretsmanager_secret as Record<string, Block[]>,
    )) {
      expect({ name, kms: s!.kms_key_id }).toEqual({ name, kms: '${aws_kms_key.main.arn}' });
    }
  });

  it('runs Redis with encryption at rest and in transit and an AUTH token', () => {
    const rg = body(mod.hcl, 'resource', 'aws_elasticache_replication_group', 'redis');
    expect(rg).toMatchObject({
      at_rest_encryption_enabled: true,
      transit_encryption_enabled: true,
      kms_key_id: '${aws_kms_key.main.arn}',
      auth_token: '${random_password.redis_auth.result}',
    });
    const secret = body(mod.hcl, 'resource', 'aws_secretsmanager_secret_version', 'redis_url');
    expect(String(secret.secret_string)).toMatch(/^rediss:\/\//);
  });

  it('keeps workers private: no public IP, no ingress from anywhere, Redis only from workers', () => {
    const svc = body(mod.hcl, 'resource', 'aws_ecs_service', 'worker');
    expect(first(svc.network_configuration)).toMatchObject({
      assign_public_ip: false,
      subnets: '${var.private_subnet_ids}',
    });
    expect(svc.launch_type).toBe('FARGATE');
    expect(svc.desired_count).toBe('${var.desired_count}');

    const ingress = (mod.hcl.resource!.aws_vpc_security_group_ingress_rule ?? {}) as Record<string, Block[]>;
    for (const [name, [r]] of Object.entries(ingress)) {
      expect({ name, cidr: r!.cidr_ipv4, cidr6: r!.cidr_ipv6 }).toEqual({
        name,
        cidr: undefined,
        cidr6: undefined,
      });
      expect(r!.referenced_security_group_id).toBe('${aws_security_group.worker.id}');
    }
    // No inline ingress blocks either.
    for (const [name, [sg]] of Object.entries(
      mod.hcl.resource!.aws_security_group as Record<string, Block[]>,
    )) {
      expect({ name, ingress: sg!.ingress }).toEqual({ name, ingress: undefined });
    }
    expect(mod.text).not.toMatch(/"ingress"[^}]*0\.0\.0\.0\/0/);

    const cluster = body(mod.hcl, 'resource', 'aws_ecs_cluster', 'main');
    expect(first(cluster.setting)).toEqual({ name: 'containerInsights', value: 'enabled' });

    const policy = body(mod.hcl, 'resource', 'aws_appautoscaling_policy', 'worker_cpu');
    const tt = first(policy.target_tracking_scaling_policy_configuration);
    expect(first(tt.predefined_metric_specification).predefined_metric_type).toBe(
      'ECSServiceAverageCPUUtilization',
    );
  });

  it('grants least privilege: Bedrock InvokeModel on the profile and its models, secrets read by ARN', () => {
    const task = body(mod.hcl, 'data', 'aws_iam_policy_document', 'task');
    const model = (task.statement as Block[]).find((s) => s.sid === 'InvokeConfiguredFoundationModel')!;
    expect(model.actions).toEqual(['bedrock:InvokeModel']);
    expect(model.resources).toBe('${local.bedrock_model_arns}');

    const exec = body(mod.hcl, 'data', 'aws_iam_policy_document', 'execution');
    const stmts = exec.statement as Block[];
    for (const s of stmts) {
      if ((s.resources as unknown) === undefined) continue;
      const wildcard = Array.isArray(s.resources) && (s.resources as string[]).includes('*');
      // Only the account-wide ECR token may use "*".
      expect({ sid: s.sid, wildcard }).toEqual({
        sid: s.sid,
        wildcard: s.sid === 'EcrAuthorizationTokenIsAccountWide',
      });
    }
    const secrets = stmts.find((s) => s.sid === 'ReadOwnSecrets')!;
    expect(secrets.actions).toEqual(['secretsmanager:GetSecretValue']);
    expect(String(secrets.resources)).toContain('aws_secretsmanager_secret');
    expect(mod.text).not.toMatch(/"(bedrock|secretsmanager|kms|logs|ecr):\*"/);
  });

  it('derives the foundation model of a cross-region inference profile id', () => {
    const locals = Object.assign({}, ...((mod.hcl.locals as unknown as Block[]) ?? []));
    expect(String(locals.bedrock_foundation_id)).toContain('slice(local.bedrock_id_parts, 1');
    expect(locals.bedrock_geo_prefixes).toEqual(expect.arrayContaining(['us', 'eu', 'apac', 'global']));
  });
});

describe('docker-compose.temporal.yml', () => {
  const file = path.join(ROOT, 'docker-compose.temporal.yml');
  const text = fs.readFileSync(file, 'utf8');
  let yaml: { load: (s: string) => unknown } | undefined;
  try {
    yaml = require('js-yaml') as { load: (s: string) => unknown };
  } catch {
    console.warn('skipped: compose YAML structure: no YAML parser (js-yaml) in node_modules');
  }

  (yaml ? it : it.skip)('wires Temporal, Redis and the worker by environment', () => {
    type Service = {
      image?: string;
      build?: unknown;
      environment?: Record<string, string>;
      depends_on?: Record<string, { condition: string }>;
      healthcheck?: { test: string[] };
      ports?: string[];
    };
    const doc = yaml!.load(text) as { services: Record<string, Service> };
    expect(Object.keys(doc.services).sort()).toEqual(['redis', 'temporal', 'worker']);
    const { temporal, redis, worker } = doc.services as Record<string, Service>;
    expect(temporal!.healthcheck).toBeDefined();
    expect(redis!.healthcheck).toBeDefined();
    expect(worker!.build).toBeDefined();
    expect(worker!.depends_on).toEqual({
      temporal: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect(worker!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(worker!.environment!.REDIS_URL).toBe('redis://redis:6379');
    const missing = CONFIG_VARS.filter((v) => !(v in worker!.environment!));
    expect(missing).toEqual([]);
    for (const s of Object.values(doc.services))
      for (const p of s.ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/);
  });

  it('passes every configuration variable to the worker (text check)', () => {
    const missing = CONFIG_VARS.filter((v) => !new RegExp(`^\\s+${v}:`, 'm').test(text));
    expect(missing).toEqual([]);
  });

  const compose = which('docker-compose');
  const plugin = which('docker') && spawnSync('docker', ['compose', 'version']).status === 0;
  if (!compose && !plugin)
    console.warn('skipped: compose config: no docker compose plugin or docker-compose');
  (compose || plugin ? it : it.skip)('validates with docker compose config', () => {
    const [cmd, ...pre] = plugin ? ['docker', 'compose'] : [compose!];
    expect(() =>
      execFileSync(
        cmd!,
        [...pre, '-f', file, '--env-file', path.join(ROOT, '.env.example'), 'config', '-q'],
        {
          cwd: ROOT,
          stdio: 'pipe',
        },
      ),
    ).not.toThrow();
  });
});

describe('.env.example', () => {
  const lines = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8').split('\n');
  const assignments = new Map<string, { value: string; index: number }>();
  lines.forEach((line, index) => {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) {
      expect(assignments.has(m[1]!)).toBe(false);
      assignments.set(m[1]!, { value: m[2]!, index });
    }
  });

  it('documents every variable of configSchema, each under a comment', () => {
    expect(CONFIG_VARS.filter((v) => !assignments.has(v))).toEqual([]);
    for (const v of CONFIG_VARS) {
      // The nearest non-assignment line above is a comment (pairs like CERT/KEY share one).
      let i = assignments.get(v)!.index - 1;
      while (i >= 0 && /^[A-Z][A-Z0-9_]*=/.test(lines[i]!)) i -= 1;
      expect({ v, comment: lines[i]?.startsWith('#') }).toEqual({ v, comment: true });
    }
  });

  it('leaves every secret blank', () => {
    const secrets = [
      ...secretVariableNames,
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
    ];
    for (const s of secrets) expect({ s, value: assignments.get(s)?.value }).toEqual({ s, value: '' });
  });

  it('holds values the configuration accepts', () => {
    const env = Object.fromEntries([...assignments].map(([k, { value }]) => [k, value]));
    expect(configSchema.safeParse(Object.fromEntries(CONFIG_VARS.map((k) => [k, env[k]]))).success).toBe(
      true,
    );
  });
});

describe('Dockerfile', () => {
  const text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => /^[A-Z]+\s/.test(l));
  const last = (op: string) => instructions.filter((l) => l.startsWith(`${op} `)).pop() ?? '';

  it('runs the prebuilt worker as a non-root user under tini on glibc', () => {
    expect(text).toMatch(/node:22-bookworm-slim/);
    expect(text).not.toMatch(/FROM\s+node:\S*alpine/);
    expect(last('USER')).not.toMatch(/USER\s+(root|0)(\s|:|$)/);
    expect(last('ENTRYPOINT')).toContain('tini');
    expect(last('CMD')).toBe('CMD ["node", "dist/workers/main.js"]');
    expect(text).toContain('node dist/workers/bundle.js');
    expect(text).toContain('TERRAFIX_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js');
    expect(last('HEALTHCHECK')).toContain('/health');
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(text).toMatch(/install[^\n]*\bgit\b/);
    expect(text).toMatch(/\/usr\/local\/bin\/terraform/);
  });

  it('runs Node as src/workers/imageRuntime.ts says (the benchmark runs its workers the same way)', () => {
    const env = instructions.filter((l) => l.startsWith('ENV ')).join(' ');
    expect(env).toContain(`NODE_OPTIONS=${IMAGE_NODE_OPTIONS}`);
    expect(env).toContain(`LD_PRELOAD=${IMAGE_JEMALLOC}`);
    expect(text).toMatch(/install[^\n]*\blibjemalloc2\b/);
    expect(text).toContain(`-linux-gnu/libjemalloc.so.2" ${IMAGE_JEMALLOC}`);
    expect(text).toContain(`test -e ${IMAGE_JEMALLOC}`);
  });

  const hadolint = which('hadolint');
  if (!hadolint)
    console.warn('skipped: hadolint: not installed (scripts/check-docker.sh installs it with pip)');
  (hadolint ? it : it.skip)('passes hadolint', () => {
    expect(() =>
      execFileSync(hadolint!, ['--config', '.hadolint.yaml', 'Dockerfile'], { cwd: ROOT, stdio: 'pipe' }),
    ).not.toThrow();
  });
});
