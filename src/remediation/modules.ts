/**
 * Well-known registry modules, for fixing the resources they create through the module call's inputs
 * (never a vendored copy under .terraform/modules, never a separate resource that duplicates what the
 * module manages): for each module, the resource types it creates, the input that names the resource,
 * and per rule id the inputs that make the resource compliant, with the module's documented defaults
 * per version where compliance depends on them. Input names and shapes follow each module's
 * variables.tf (links in `docs`). Pure data and source-address parsing: locate may import it.
 */
import type { HclValue } from '../terraform/types';

/** A module default and the module versions it holds for (`since` inclusive, `before` exclusive). */
export interface ModuleDefault {
  value: HclValue;
  since?: string;
  before?: string;
}

/** The inputs a module call sets, as the rule engine resolved them. */
export interface ModuleInputs {
  /** The call sets the input (to any expression). */
  has(input: string): boolean;
  /** The input's resolved value (undefined when unset or not resolvable offline). */
  value(input: string): HclValue | undefined;
}

/** One input (or one key inside an object input) a rule needs. */
export interface InputSetting {
  input: string;
  /** The requirement in a reviewer's words, e.g. "block_public_acls = true". */
  expect: string;
  /** True when the input's resolved value (the whole input) complies. */
  ok(value: HclValue): boolean;
  /** What the fix writes: keys inside the input's object value ([] = the input itself) and the HCL. */
  write(current: HclValue | undefined): { keys: string[]; value: string };
  /** HCL for the whole input when the call does not set it (default: built from `write`). */
  whenUnset?: string;
  /** The module's default for the input; absent or unknown for the pinned version = not compliant. */
  defaults?: ModuleDefault[];
  /** False when another input already provides what this one would (e.g. an existing IAM role ARN). */
  needed?(inputs: ModuleInputs): boolean;
}

/** How a rule is answered for a module. */
export type ModuleRuleMapping =
  | {
      strategy: 'inputs';
      settings: InputSetting[];
      explanation: string;
      breakingChanges?: string[];
      additionalRequirements?: string[];
    }
  /** Ingress from 0.0.0.0/0 or ::/0 to `port` through the security-group module's rule inputs. */
  | { strategy: 'open-ingress'; port: number; label: string }
  /** S3 access logging to a log bucket that exists in the repository. */
  | { strategy: 'access-logging' }
  /** The module hard-codes the compliant setting: nothing to set. */
  | { strategy: 'enforced'; reason: string };

export interface ModuleSpec {
  /** Unique key of this entry (fixture and docs name); several entries may share a kind. */
  id: string;
  /** ModuleTarget.kind, e.g. "s3-bucket". */
  kind: string;
  /** Registry address without host, version or submodule, lower case. */
  source: string;
  /** Terraform types the module creates that failures are reported on. */
  creates: string[];
  /** The input that names the created resource. */
  nameInput: string;
  /** Submodules (`//modules/x`) that create the same resource from the same inputs ('any': all). */
  submodules?: readonly string[] | 'any';
  /** Where the inputs are documented. */
  docs: string;
  /** Rule id → how its requirement is met through the module's inputs. */
  rules: Readonly<Record<string, ModuleRuleMapping>>;
}

const truthy = (v: HclValue): boolean => v === true || v === 'true';
const falsy = (v: HclValue): boolean => v === false || v === 'false' || v === null;
const isObj = (v: HclValue | undefined): v is { [k: string]: HclValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A boolean input that must be `want`. */
function flag(input: string, want: boolean, defaults?: ModuleDefault[]): InputSetting {
  return {
    input,
    expect: `${input} = ${want}`,
    ok: want ? truthy : falsy,
    write: () => ({ keys: [], value: String(want) }),
    defaults,
  };
}

/** A number input that must be at least `min`. */
function atLeast(input: string, min: number, defaults?: ModuleDefault[]): InputSetting {
  return {
    input,
    expect: `${input} >= ${min}`,
    ok: (v) => Number(v) >= min,
    write: () => ({ keys: [], value: String(min) }),
    defaults,
  };
}

const SSE_ALGORITHMS = ['AES256', 'aws:kms', 'aws:kms:dsse'];

/** `versioning = { enabled = true }` (or `status = "Enabled"`, which the module also reads). */
const s3Versioning: InputSetting = {
  input: 'versioning',
  expect: 'versioning = { enabled = true }',
  // main.tf: status = try(var.versioning["enabled"] ? "Enabled" : "Suspended", tobool(status) ..., title(lower(status)))
  ok: (v) =>
    isObj(v) &&
    ('enabled' in v ? truthy(v.enabled) : truthy(v.status ?? false) || /^enabled$/i.test(String(v.status))),
  write: (cur) =>
    isObj(cur) && !('enabled' in cur) && 'status' in cur
      ? { keys: ['status'], value: '"Enabled"' }
      : { keys: ['enabled'], value: 'true' },
  defaults: [{ value: {} }],
};

/** `server_side_encryption_configuration = { rule = { apply_server_side_encryption_by_default = {...} } }`. */
const s3Encryption: InputSetting = {
  input: 'server_side_encryption_configuration',
  expect: 'server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm',
  ok: (v) => {
    const byDefault = isObj(v) && isObj(v.rule) ? v.rule.apply_server_side_encryption_by_default : undefined;
    return isObj(byDefault) && SSE_ALGORITHMS.includes(String(byDefault.sse_algorithm));
  },
  // A configured KMS key keeps SSE-KMS; otherwise SSE-S3 (no key policy to manage, nothing breaks).
  write: (cur) => {
    const byDefault = isObj(cur) && isObj(cur.rule) ? cur.rule.apply_server_side_encryption_by_default : {};
    const kms = isObj(byDefault) && byDefault.kms_master_key_id != null;
    return {
      keys: ['rule', 'apply_server_side_encryption_by_default', 'sse_algorithm'],
      value: kms ? '"aws:kms"' : '"AES256"',
    };
  },
  defaults: [{ value: {} }],
};

/** `metadata_options` with `http_tokens = "required"`; the module's other defaults are written out. */
const ec2MetadataOptions: InputSetting = {
  input: 'metadata_options',
  expect: 'metadata_options = { http_tokens = "required" }',
  ok: (v) => isObj(v) && v.http_tokens === 'required',
  write: () => ({ keys: ['http_tokens'], value: '"required"' }),
  // Setting the input replaces the module's default map, so its other two keys are kept explicitly.
  whenUnset:
    '{\n  http_endpoint               = "enabled"\n  http_put_response_hop_limit = 1\n  http_tokens                 = "required"\n}',
  // v2.x–v5.x: map(string) default { http_endpoint = "enabled", http_put_response_hop_limit = 1,
  // http_tokens = "optional" }. v6.x (object type) is not verified here: unset counts as not compliant.
  defaults: [{ value: { http_tokens: 'optional' }, before: '6.0.0' }],
};

const RDS_ENCRYPTION_BREAKING =
  'Encryption cannot be turned on for an existing RDS database: Terraform will destroy and recreate it (data loss unless migrated). Restore from an encrypted snapshot copy (snapshot_identifier) or migrate during a maintenance window before applying.';

/** The table. Order matters only when two entries share a kind (the first answers a bare kind). */
export const MODULE_SPECS: readonly ModuleSpec[] = [
  {
    id: 's3-bucket',
    kind: 's3-bucket',
    source: 'terraform-aws-modules/s3-bucket/aws',
    creates: ['aws_s3_bucket'],
    nameInput: 'bucket',
    docs: 'https://registry.terraform.io/modules/terraform-aws-modules/s3-bucket/aws',
    rules: {
      's3-public-access-block': {
        strategy: 'inputs',
        settings: [
          // The four flags default to false before v3.9.0 and to true from v3.9.0 (April 2023 S3
          // defaults, module PR #226); the public access block exists only while attach_public_policy
          // (default true) is true.
          ...[
            'block_public_acls',
            'block_public_policy',
            'ignore_public_acls',
            'restrict_public_buckets',
          ].map((f) =>
            flag(f, true, [
              { value: false, before: '3.9.0' },
              { value: true, since: '3.9.0' },
            ]),
          ),
          flag('attach_public_policy', true, [{ value: true }]),
        ],
        explanation:
          "Blocks every form of public access to the bucket through the module's public access block.",
        breakingChanges: [
          'Public access to the bucket stops immediately: anything that reads it anonymously (static website, public downloads, CloudFront without OAC) breaks. Confirm the bucket is not meant to be public before merging.',
        ],
      },
      's3-bucket-encryption': {
        strategy: 'inputs',
        settings: [s3Encryption],
        explanation:
          'Sets default server-side encryption on the bucket (SSE-S3, or SSE-KMS when a KMS key is configured) so every new object is encrypted at rest.',
      },
      's3-versioning': {
        strategy: 'inputs',
        settings: [s3Versioning],
        explanation:
          'Enables S3 versioning so overwritten or deleted objects can be recovered. Storage grows with kept versions; consider a lifecycle rule for noncurrent versions.',
      },
      's3-tls-only': {
        strategy: 'inputs',
        settings: [flag('attach_deny_insecure_transport_policy', true, [{ value: false }])],
        explanation:
          "Attaches the module's deny-insecure-transport statement to the bucket policy (aws:SecureTransport = false is denied).",
        breakingChanges: [
          'Clients that reach the bucket over plain HTTP are refused. Confirm every client uses HTTPS (all AWS SDKs do by default) before merging.',
        ],
      },
      's3-access-logging': { strategy: 'access-logging' },
    },
  },
  {
    id: 'rds',
    kind: 'rds',
    source: 'terraform-aws-modules/rds/aws',
    creates: ['aws_db_instance'],
    nameInput: 'identifier',
    submodules: ['modules/db_instance'],
    docs: 'https://registry.terraform.io/modules/terraform-aws-modules/rds/aws',
    rules: {
      'rds-storage-encryption': {
        strategy: 'inputs',
        // UPGRADE-4.0.md: "storage_encrypted is now set to true by default; was previously false".
        settings: [
          flag('storage_encrypted', true, [
            { value: false, before: '4.0.0' },
            { value: true, since: '4.0.0' },
          ]),
        ],
        explanation: 'Encrypts the database storage at rest (AWS managed KMS key unless kms_key_id is set).',
        breakingChanges: [RDS_ENCRYPTION_BREAKING],
      },
      'rds-multi-az': {
        strategy: 'inputs',
        settings: [flag('multi_az', true, [{ value: false }])],
        explanation:
          'Runs the database with a synchronous standby in another availability zone. This roughly doubles the instance cost; the change is applied online (a brief I/O suspension may occur).',
      },
      'rds-deletion-protection': {
        strategy: 'inputs',
        settings: [flag('deletion_protection', true, [{ value: false }])],
        explanation: 'Turns on deletion protection so the database cannot be deleted by accident.',
      },
      'rds-backup-retention': {
        strategy: 'inputs',
        // Default null since v2.29 (the AWS API's 1 day); never 7 or more.
        settings: [atLeast('backup_retention_period', 7)],
        explanation: 'Keeps automated backups for 7 days so the database can be restored to a point in time.',
      },
      'rds-not-publicly-accessible': {
        strategy: 'inputs',
        settings: [flag('publicly_accessible', false, [{ value: false }])],
        explanation:
          'Removes the public address of the database so it is only reachable from inside the VPC.',
        breakingChanges: [
          'Clients connecting to the database from outside the VPC lose access. Confirm every client connects from inside the VPC, a VPN or a bastion before merging.',
        ],
      },
    },
  },
  {
    id: 'rds-aurora',
    kind: 'rds-aurora',
    source: 'terraform-aws-modules/rds-aurora/aws',
    creates: ['aws_rds_cluster'],
    nameInput: 'name',
    docs: 'https://registry.terraform.io/modules/terraform-aws-modules/rds-aurora/aws',
    // Defaults are not relied on: they moved between majors (backup_retention_period 7 in v7.x, null
    // later; storage_encrypted true in v7.x, unverified before), so the fix sets the input explicitly.
    rules: {
      'rds-storage-encryption': {
        strategy: 'inputs',
        settings: [flag('storage_encrypted', true)],
        explanation: 'Encrypts the cluster storage at rest (AWS managed KMS key unless kms_key_id is set).',
        breakingChanges: [RDS_ENCRYPTION_BREAKING],
      },
      'rds-deletion-protection': {
        strategy: 'inputs',
        settings: [flag('deletion_protection', true, [{ value: false }])],
        explanation: 'Turns on deletion protection so the cluster cannot be deleted by accident.',
      },
      'rds-backup-retention': {
        strategy: 'inputs',
        settings: [atLeast('backup_retention_period', 7)],
        explanation: 'Keeps automated backups for 7 days so the cluster can be restored to a point in time.',
      },
    },
  },
  {
    id: 'security-group',
    kind: 'security-group',
    source: 'terraform-aws-modules/security-group/aws',
    creates: ['aws_security_group'],
    nameInput: 'name',
    // The preset submodules (//modules/ssh, //modules/rdp, //modules/http-80 ...) wrap the root module
    // with `auto_ingress_rules`; they take the same rule inputs.
    submodules: 'any',
    docs: 'https://registry.terraform.io/modules/terraform-aws-modules/security-group/aws',
    rules: {
      'sg-ssh-restricted': { strategy: 'open-ingress', port: 22, label: 'SSH' },
      'sg-rdp-restricted': { strategy: 'open-ingress', port: 3389, label: 'RDP' },
    },
  },
  {
    id: 'vpc',
    kind: 'vpc',
    source: 'terraform-aws-modules/vpc/aws',
    creates: ['aws_vpc'],
    nameInput: 'name',
    docs: 'https://registry.terraform.io/modules/terraform-aws-modules/vpc/aws',
    rules: {
      'vpc-flow-logs': {
        strategy: 'inputs',
        // vpc-flow-logs.tf: the CloudWatch log group and role are created only when asked for; an
        // existing destination (flow_log_destination_arn) or role ARN, or an S3 destination, replaces them.
        settings: [
          flag('enable_flow_log', true, [{ value: false }]),
          {
            ...flag('create_flow_log_cloudwatch_log_group', true, [{ value: false }]),
            needed: (i) => !i.has('flow_log_destination_arn'),
          },
          {
            ...flag('create_flow_log_cloudwatch_iam_role', true, [{ value: false }]),
            needed: (i) =>
              !i.has('flow_log_cloudwatch_iam_role_arn') && i.value('flow_log_destination_type') !== 's3',
          },
        ],
        explanation:
          'Enables VPC flow logs through the module: all traffic is recorded to a CloudWatch log group written by a dedicated IAM role, both created by the module.',
        additionalRequirements: [
          'The module creates the flow-log CloudWatch log group and IAM role; CloudWatch ingestion is billed per GB. Set flow_log_cloudwatch_log_group_retention_in_days to bound retention.',
        ],
      },
    },
  },
  {
    id: 'ec2-instance',
    kind: 'ec2-instance',
    source: 'terraform-aws-modules/ec2-instance/aws',
    creates: ['aws_instance'],
    nameInput: 'name',
    docs: 'https://registry.terraform.io/modules/terraform-aws-modules/ec2-instance/aws',
    rules: {
      'ec2-imdsv2': {
        strategy: 'inputs',
        settings: [ec2MetadataOptions],
        explanation:
          'Requires session tokens for the instance metadata service (IMDSv2), which blocks SSRF-style credential theft through IMDSv1.',
        additionalRequirements: [
          'Software on the instance that calls IMDSv1 without a token (very old AWS SDKs/CLIs) must be updated; the setting is applied in place without a restart.',
        ],
      },
    },
  },
  {
    id: 'cloudtrail-cloudposse',
    kind: 'cloudtrail',
    source: 'cloudposse/cloudtrail/aws',
    creates: ['aws_cloudtrail'],
    nameInput: 'name',
    docs: 'https://registry.terraform.io/modules/cloudposse/cloudtrail/aws',
    rules: {
      'cloudtrail-log-file-validation': {
        strategy: 'inputs',
        settings: [flag('enable_log_file_validation', true, [{ value: true }])],
        explanation:
          'Turns on log file integrity validation so tampering with delivered logs can be detected.',
      },
      'cloudtrail-multi-region': {
        strategy: 'inputs',
        // Unlike aws_cloudtrail (include_global_service_events defaults to true), the module defaults
        // both inputs to false.
        settings: [
          flag('is_multi_region_trail', true, [{ value: false }]),
          flag('include_global_service_events', true, [{ value: false }]),
        ],
        explanation:
          'Makes the trail record API activity in every region, including global services such as IAM.',
      },
    },
  },
  {
    id: 'cloudtrail-trussworks',
    kind: 'cloudtrail',
    source: 'trussworks/cloudtrail/aws',
    creates: ['aws_cloudtrail'],
    nameInput: 'trail_name',
    docs: 'https://registry.terraform.io/modules/trussworks/cloudtrail/aws',
    rules: {
      'cloudtrail-log-file-validation': {
        strategy: 'enforced',
        reason: 'trussworks/cloudtrail/aws hard-codes enable_log_file_validation = true',
      },
      'cloudtrail-multi-region': {
        strategy: 'enforced',
        reason:
          'trussworks/cloudtrail/aws hard-codes is_multi_region_trail = true (global service events: provider default true)',
      },
      'cloudtrail-kms-encryption': {
        strategy: 'inputs',
        // The module creates the KMS key (with the CloudTrail key policy) when encrypt_cloudtrail is true.
        settings: [flag('encrypt_cloudtrail', true, [{ value: false }])],
        explanation:
          'Encrypts delivered CloudTrail log files with the customer managed KMS key the module creates (key rotation on).',
        breakingChanges: [
          "Anyone reading the trail's log files (SIEM, Athena, auditors) needs kms:Decrypt on the new key after the change; grant it before merging.",
        ],
      },
    },
  },
  {
    id: 'alb',
    kind: 'alb',
    source: 'terraform-aws-modules/alb/aws',
    creates: ['aws_lb', 'aws_alb'],
    nameInput: 'name',
    docs: 'https://registry.terraform.io/modules/terraform-aws-modules/alb/aws',
    rules: {},
  },
  {
    id: 'lambda',
    kind: 'lambda',
    source: 'terraform-aws-modules/lambda/aws',
    creates: ['aws_lambda_function'],
    nameInput: 'function_name',
    docs: 'https://registry.terraform.io/modules/terraform-aws-modules/lambda/aws',
    rules: {},
  },
];

/** A module source split into its registry address, submodule path and git ref (lower-cased address). */
export interface ParsedSource {
  address: string;
  submodule: string | null;
  ref: string | null;
}

/**
 * Parses a module source in the registry form (`ns/name/provider`, optionally with a registry host)
 * or the GitHub forms (`github.com/ns/terraform-provider-name`, `git::https://…`, `git@github.com:…`),
 * each with an optional `//submodule` and `?ref=`.
 */
export function parseModuleSource(source: string): ParsedSource {
  let s = source.trim().replace(/^git::/, '');
  const ref = /[?&]ref=([^&]+)/.exec(s)?.[1] ?? null;
  s = s.replace(/\?.*$/, '');
  s = s.replace(/^[a-z]+:\/\//i, '').replace(/^git@github\.com:/i, 'github.com/');
  const sub = /^(.*?[^/:])\/\/(.+)$/.exec(s);
  const base = (sub ? sub[1] : s).replace(/\.git$/i, '').replace(/\/+$/, '');
  const submodule = sub ? sub[2].replace(/\/+$/, '') : null;
  const gh = /^github\.com\/([^/]+)\/terraform-([a-z0-9]+)-(.+)$/i.exec(base);
  let address: string;
  if (gh) address = `${gh[1]}/${gh[3]}/${gh[2]}`;
  else {
    const parts = base.split('/');
    address = (parts.length === 4 && parts[0].includes('.') ? parts.slice(1) : parts).join('/');
  }
  return { address: address.toLowerCase(), submodule, ref };
}

/** The table entry for a module source (undefined for other modules and for submodules that create other things). */
export function registryModule(source: string): ModuleSpec | undefined {
  const p = parseModuleSource(source);
  const spec = MODULE_SPECS.find((m) => m.source === p.address);
  if (!spec || !p.submodule) return spec;
  const subs = spec.submodules ?? [];
  return subs === 'any' || subs.includes(p.submodule) ? spec : undefined;
}

/** The entries whose module creates `resourceType`. */
export function moduleSpecsCreating(resourceType: string): ModuleSpec[] {
  return MODULE_SPECS.filter((m) => m.creates.includes(resourceType));
}

/**
 * The entry for a located module target: by its source; a source the table does not know at all (a
 * private mirror of the module) falls back to the first entry of the target's kind. A known module's
 * submodule that creates something else has no entry.
 */
export function moduleSpecFor(m: { source: string; kind: string }): ModuleSpec | undefined {
  const address = parseModuleSource(m.source).address;
  if (MODULE_SPECS.some((s) => s.source === address)) return registryModule(m.source);
  return MODULE_SPECS.find((s) => s.kind === m.kind);
}

/** The module kinds, the types they create, their name inputs and sources (for docs and locate). */
export const MODULE_KINDS: readonly {
  kind: string;
  sources: string[];
  creates: string[];
  nameInputs: string[];
}[] = [...new Set(MODULE_SPECS.map((m) => m.kind))].map((kind) => {
  const of = MODULE_SPECS.filter((m) => m.kind === kind);
  return {
    kind,
    sources: of.map((m) => m.source),
    creates: [...new Set(of.flatMap((m) => m.creates))],
    nameInputs: [...new Set(of.map((m) => m.nameInput))],
  };
});
