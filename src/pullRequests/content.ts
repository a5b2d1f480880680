/**
 * What a TerraFix pull request says: branch name, title, body, labels and commit message. Pure
 * functions, shared by the GitHub and the local code host. Every piece of text that comes from the
 * failure, the repository or the model is treated as untrusted: credentials are redacted, absolute
 * paths of the worker are removed, Markdown and HTML are escaped outside code spans (code spans and
 * fences hold their content verbatim, with a fence longer than any backtick run inside) and HTML
 * comments cannot hide the rest of the body.
 */
import { createHash } from 'node:crypto';
import { INJECTION_LABEL } from '../security/injection';
import os from 'node:os';
import type { Failure, Target, VerifiedFix } from '../contracts';
import { prActionFor, RULES } from '../remediation/rules';
import type { Rule } from '../remediation/types';
import { redactCredentials } from '../security/redact';
import { groupWorkflowId, remediationWorkflowId } from '../failure/ids';

export const BRANCH_PREFIX = 'terrafix/';
export const MARKER_PREFIX = '<!-- terrafix:failure-key=';
/** Trailer in every TerraFix commit message; a branch head without it was edited by someone else. */
export const COMMIT_TRAILER = 'TerraFix-Failure-Key';
/** Key prefix of the synthetic failure a group PR is opened for (`groupFailure` in src/remediation/group.ts). */
export const GROUP_KEY_PREFIX = 'group:';
/** GitHub shows about this many characters of a title in lists; longer titles are shortened. */
export const TITLE_MAX = 72;

const MAX_DIFF_LINES = 200;
const MAX_BODY_CHARS = 60_000;

/** Lower-case slug of at most `max` characters (letters, digits, dashes). */
export function slugify(s: string, max = 40): string {
  const slug = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
  return slug || 'fix';
}

/** Short, stable hash of a failure key (distinct resources → distinct branches). */
export function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 10);
}

/** Branch `terrafix/<rule-or-test-slug>/<short hash of the failure key>`. */
export function branchName(failure: Failure, fix?: Pick<VerifiedFix, 'ruleId'>): string {
  return `${BRANCH_PREFIX}${slugify(fix?.ruleId ?? failure.testId)}/${shortHash(failure.key)}`;
}

/** The human name of the failing resource. */
export function resourceLabel(failure: Failure, target?: Target): string {
  const r = failure.resource;
  return r.displayName ?? r.terraformAddress ?? target?.address ?? r.arn ?? 'resource';
}

function oneLine(s: string, max: number): string {
  const t = s
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** Removes credentials and absolute paths of the worker (no Markdown handling). */
function scrub(text: string, extraPaths: string[] = []): string {
  let out = redactCredentials(text).text.replace(/__TERRAFIX_SECRET_\d+__/g, '«redacted»');
  const paths = [...extraPaths, os.tmpdir(), os.homedir()]
    .filter((p) => p && p.length > 1)
    .sort((a, b) => b.length - a.length);
  for (const p of paths) out = out.split(p).join('…');
  return out;
}

/** Removes credentials and absolute paths of the worker from text that goes into a PR. */
export function sanitizeForPr(text: string, extraPaths: string[] = []): string {
  return scrub(text, extraPaths).replace(/<!--/g, '&lt;!--');
}

// ---------------------------------------------------------------------------------------------
// Markdown building blocks

/**
 * Inline Markdown text: one line, every character that could start emphasis, a link, a code span,
 * a table cell, strikethrough, an HTML tag or an entity is backslash-escaped. Never use inside a
 * code span (CommonMark does not process escapes there).
 */
export function escapeMarkdown(s: string): string {
  return oneLine(s, 500).replace(/([\\`*_[\]<>|~&])/g, '\\$1');
}

/** escapeMarkdown for text that starts a line: also escapes a leading heading/quote/list marker. */
function escapeMarkdownLine(s: string): string {
  return escapeMarkdown(s)
    .replace(/^(\d+)([.)])/, '$1\\$2')
    .replace(/^([#>+=-])/, '\\$1');
}

function longestRun(s: string, ch: string): number {
  let max = 0;
  let run = 0;
  for (const c of s) {
    run = c === ch ? run + 1 : 0;
    if (run > max) max = run;
  }
  return max;
}

/**
 * A CommonMark code span holding `s` verbatim (newlines become spaces): the fence is one backtick
 * longer than the longest backtick run inside, and a space pads each side when the content starts
 * or ends with a backtick (or with spaces on both sides, which CommonMark would otherwise strip).
 */
export function codeSpan(s: string): string {
  const content = s.replace(/\r\n|\r|\n/g, ' ');
  if (content === '') return '` `';
  const fence = '`'.repeat(longestRun(content, '`') + 1);
  const pad =
    content.startsWith('`') ||
    content.endsWith('`') ||
    (content.startsWith(' ') && content.endsWith(' ') && content.trim() !== '');
  return pad ? `${fence} ${content} ${fence}` : `${fence}${content}${fence}`;
}

/**
 * A fenced code block holding `content` verbatim: the fence is longer than any backtick run inside,
 * so no line of the content can close it.
 */
export function codeBlock(content: string, info = ''): string {
  const fence = '`'.repeat(Math.max(3, longestRun(content, '`') + 1));
  return `${fence}${info}\n${content}\n${fence}`;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;

/**
 * What must be appended to `text` so that no fenced code block and no `<details>` of ours is left
 * open (e.g. after truncation, or a model's explanation with an unclosed fence): an unclosed fence
 * would turn the rest of the body — checklist, marker — into code.
 */
function closers(text: string): string {
  let open: { ch: string; len: number } | undefined;
  let details = 0;
  for (const line of text.split('\n')) {
    const m = FENCE_OPEN.exec(line);
    if (open) {
      if (m && m[1]![0] === open.ch && m[1]!.length >= open.len && line.trim() === m[1]) open = undefined;
      continue;
    }
    if (m && !(m[1]![0] === '`' && line.slice(m[0].length).includes('`'))) {
      open = { ch: m[1]![0]!, len: m[1]!.length };
      continue;
    }
    if (line.startsWith('<details>')) details += 1;
    else if (line.startsWith('</details>')) details = Math.max(0, details - 1);
  }
  const out: string[] = [];
  if (open) out.push(open.ch.repeat(open.len));
  for (let i = 0; i < details; i += 1) out.push('</details>');
  return out.length ? `\n${out.join('\n')}` : '';
}

/** Applies `fn` to the parts of `text` outside code spans and fences (backtick runs of equal length). */
function outsideCode(text: string, fn: (s: string) => string): string {
  let out = '';
  let last = 0;
  const run = /`+/g;
  let m: RegExpExecArray | null;
  while ((m = run.exec(text))) {
    const close = new RegExp(`(?<!\`)\`{${m[0].length}}(?!\`)`, 'g');
    close.lastIndex = m.index + m[0].length;
    const c = close.exec(text);
    if (!c) continue; // literal backticks
    const end = c.index + m[0].length;
    out += fn(text.slice(last, m.index)) + text.slice(m.index, end);
    last = end;
    run.lastIndex = end;
  }
  return out + fn(text.slice(last));
}

/**
 * Markdown written by a rule or the model (the explanation): Markdown stays, raw HTML (tags,
 * comments) outside code is shown as text, and an unclosed fence is closed. Code spans are matched
 * within a paragraph, as CommonMark does; fenced blocks are left verbatim.
 */
function safeMarkdown(text: string): string {
  const neutralise = (s: string) => s.replace(/<(?=[A-Za-z/!?])/g, '&lt;');
  const out: string[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) out.push(outsideCode(para.join('\n'), neutralise));
    para = [];
  };
  let open: { ch: string; len: number } | undefined;
  for (const line of text.split('\n')) {
    const m = FENCE_OPEN.exec(line);
    if (open) {
      out.push(line);
      if (m && m[1]![0] === open.ch && m[1]!.length >= open.len && line.trim() === m[1]) open = undefined;
    } else if (m && !(m[1]![0] === '`' && line.slice(m[0].length).includes('`'))) {
      flush();
      out.push(neutralise(line));
      open = { ch: m[1]![0]!, len: m[1]!.length };
    } else if (line.trim() === '') {
      flush();
      out.push(line);
    } else para.push(line);
  }
  flush();
  if (open) out.push(open.ch.repeat(open.len));
  return out.join('\n');
}

/** An http(s) URL without credentials, normalised (no spaces or angle brackets), or undefined. */
function httpUrl(s: string | undefined): URL | undefined {
  if (!s) return undefined;
  try {
    const u = new URL(s.trim());
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    u.username = '';
    u.password = '';
    return u;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Title

/** Terraform type → what a reviewer calls it. */
const RESOURCE_KINDS: Record<string, string> = {
  aws_s3_bucket: 'S3 bucket',
  aws_security_group: 'security group',
  aws_security_group_rule: 'security group rule',
  aws_vpc_security_group_ingress_rule: 'security group rule',
  aws_vpc_security_group_egress_rule: 'security group rule',
  aws_db_instance: 'RDS instance',
  aws_rds_cluster: 'RDS cluster',
  aws_rds_cluster_instance: 'RDS cluster instance',
  aws_cloudtrail: 'CloudTrail trail',
  aws_cloudwatch_log_group: 'CloudWatch log group',
  aws_dynamodb_table: 'DynamoDB table',
  aws_ebs_volume: 'EBS volume',
  aws_ebs_snapshot: 'EBS snapshot',
  aws_ebs_encryption_by_default: 'EBS default encryption setting',
  aws_instance: 'EC2 instance',
  aws_launch_template: 'launch template',
  aws_ecr_repository: 'ECR repository',
  aws_efs_file_system: 'EFS file system',
  aws_eks_cluster: 'EKS cluster',
  aws_elasticache_replication_group: 'ElastiCache replication group',
  aws_elasticache_cluster: 'ElastiCache cluster',
  aws_guardduty_detector: 'GuardDuty detector',
  aws_iam_account_password_policy: 'IAM password policy',
  aws_iam_role: 'IAM role',
  aws_iam_user: 'IAM user',
  aws_iam_policy: 'IAM policy',
  aws_iam_group: 'IAM group',
  aws_kms_key: 'KMS key',
  aws_lb: 'load balancer',
  aws_alb: 'load balancer',
  aws_lb_listener: 'load balancer listener',
  aws_alb_listener: 'load balancer listener',
  aws_lambda_function: 'Lambda function',
  aws_sns_topic: 'SNS topic',
  aws_sqs_queue: 'SQS queue',
  aws_vpc: 'VPC',
  aws_subnet: 'subnet',
  aws_flow_log: 'VPC flow log',
  aws_network_acl: 'network ACL',
  aws_cloudfront_distribution: 'CloudFront distribution',
  aws_redshift_cluster: 'Redshift cluster',
  aws_opensearch_domain: 'OpenSearch domain',
  aws_elasticsearch_domain: 'OpenSearch domain',
  aws_secretsmanager_secret: 'Secrets Manager secret',
  aws_api_gateway_rest_api: 'API Gateway REST API',
  aws_ecs_cluster: 'ECS cluster',
  aws_ecs_task_definition: 'ECS task definition',
};

interface Kind {
  one: string;
  many: string;
  /** The Terraform type the noun was taken from. */
  type?: string;
}

function pluralOf(noun: string): string {
  if (/[^aeiou]y$/i.test(noun)) return `${noun.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/i.test(noun)) return `${noun}es`;
  return `${noun}s`;
}

/** The reviewer's noun for a Terraform type ("S3 bucket"); the type itself when unknown. */
export function resourceKind(type: string): string {
  return RESOURCE_KINDS[type] ?? type;
}

function kindOfType(type: string): Kind {
  const known = RESOURCE_KINDS[type];
  return known ? { one: known, many: pluralOf(known), type } : { one: type, many: `${type} resources`, type };
}

/** The resource type of a Terraform address (`module.a.aws_s3_bucket.b["k"]` → `aws_s3_bucket`). */
function typeOfAddress(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const parts = address.replace(/\[[^\]]*\]/g, '').split('.');
  let i = 0;
  while (parts[i] === 'module') i += 2;
  if (parts[i] === 'data') i += 1;
  const t = parts[i];
  return t && parts.length === i + 2 && /^[a-z][a-z0-9]*_[a-z0-9_]+$/.test(t) ? t : undefined;
}

/** Text for a title: one line, no credentials, control/bidi/zero-width characters or backticks. */
function titleText(s: string, max = 200): string {
  return oneLine(
    scrub(s)
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
      .replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g, '')
      .replace(/`/g, "'"),
    max,
  );
}

/**
 * The resource's name for a title: the display name, else its Terraform address without the type
 * the kind already says (`module.net.aws_security_group.web` → `web in module.net`).
 */
function titleName(failure: Failure, target: Target | undefined, kind: Kind | undefined): string {
  const label = resourceLabel(failure, target);
  const m = /^((?:module\.[^.[\]]+(?:\[[^\]]*\])?\.)*)([a-z][a-z0-9]*_[a-z0-9_]+)\.(.+)$/.exec(label);
  const isAddress = label === failure.resource.terraformAddress || label === target?.address;
  if (!isAddress || !m || !kind?.type || m[2] !== kind.type) return titleText(label);
  return titleText(m[1] ? `${m[3]} in ${m[1].slice(0, -1)}` : m[3]!);
}

function shorten(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(1, max - 1)).trimEnd()}…` : s;
}

/** `head` + `name`, the name shortened so the whole fits TITLE_MAX (keeping at least `minName`). */
function fit(head: string, name: string, minName = 16): string {
  return head + shorten(name, Math.max(TITLE_MAX - head.length, minName));
}

/** The rule a fix came from (by id; for rule fixes also by a Vanta test id). */
function ruleOf(failure: Failure, fix?: Pick<VerifiedFix, 'engine' | 'ruleId'>): Rule | undefined {
  if (!fix) return undefined;
  const byId = fix.ruleId ? RULES.find((r) => r.id === fix.ruleId) : undefined;
  if (byId || fix.engine !== 'rule') return byId;
  const testIds = [fix.ruleId, failure.testId].filter((x): x is string => Boolean(x));
  return RULES.find((r) => r.vantaTestIds.some((t) => testIds.includes(t)));
}

function kindOf(failure: Failure, target: Target | undefined, rule: Rule | undefined): Kind | undefined {
  const type =
    target?.resourceType ||
    typeOfAddress(failure.resource.terraformAddress) ||
    typeOfAddress(target?.address) ||
    (rule?.resourceTypes.length === 1 ? rule.resourceTypes[0] : undefined);
  if (type) return kindOfType(type);
  const rt = failure.resource.responseType ? titleText(failure.resource.responseType, 40) : '';
  return rt ? { one: rt, many: pluralOf(rt) } : undefined;
}

function accountOf(failure: Failure): string | undefined {
  const r = failure.resource;
  const id = r.accountId ?? /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(r.arn ?? '')?.[1];
  return id && /^\d{12}$/.test(id) ? id : undefined;
}

/**
 * The PR title says what changes: `<rule action> on <kind> <name>` ("Block public access on S3
 * bucket acme-data"), `Fix "<test name>" on <kind> <name>` for a fix no rule describes, `<rule
 * action> in AWS account <id>` for account-level controls, `<action> on <n> <kinds>` for a group
 * PR. One line of at most TITLE_MAX characters where possible; untrusted text is sanitised.
 */
export function prTitle(
  failure: Failure,
  target?: Target,
  fix?: Pick<VerifiedFix, 'engine' | 'ruleId'>,
): string {
  const rule = ruleOf(failure, fix);
  const action = rule ? prActionFor(rule.id) : undefined;
  const kind = kindOf(failure, target, rule);
  const test = titleText(failure.testName ?? failure.testId).replace(/"/g, "'");
  const llmHead = (rest: string) => {
    const room = TITLE_MAX - 'Fix "" on '.length - rest.length;
    return `Fix "${shorten(test, Math.max(room, 24))}" on `;
  };

  if (failure.key.startsWith(GROUP_KEY_PREFIX)) {
    const n = Number(/^(\d+) resources?$/.exec(failure.resource.displayName ?? '')?.[1] ?? NaN);
    const k = kind ?? { one: 'resource', many: 'resources' };
    const what = Number.isFinite(n) ? `${n} ${n === 1 ? k.one : k.many}` : k.many;
    return oneLine(action ? `${action} on ${what}` : `${llmHead(what)}${what}`, 200);
  }
  if (action && rule?.accountLevel) {
    const account = accountOf(failure);
    return oneLine(account ? `${action} in AWS account ${account}` : action, 200);
  }
  const name = titleName(failure, target, kind);
  const kindPart = kind ? `${kind.one} ` : '';
  if (action) return oneLine(fit(`${action} on ${kindPart}`, name), 200);
  return oneLine(fit(`${llmHead(`${kindPart}${name.slice(0, 24)}`)}${kindPart}`, name), 200);
}

// ---------------------------------------------------------------------------------------------
// Marker, diff, validation wording

/** Hidden marker that lets TerraFix find its own PRs. The key is URI-encoded so `-->` cannot appear. */
export function failureMarker(failureKey: string): string {
  return `${MARKER_PREFIX}${encodeURIComponent(failureKey)} -->`;
}

/**
 * Extracts the failure key from a PR body, if it carries the marker. The last marker wins: TerraFix
 * writes its own at the very end, after any (verbatim) code span that might imitate one.
 */
export function parseFailureMarker(body: string | null | undefined): string | undefined {
  const all = [...(body ?? '').matchAll(/<!-- terrafix:failure-key=(\S+) -->/g)];
  const m = all.at(-1);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
}

const CONFIDENCE_MEANING: Record<VerifiedFix['confidence'], string> = {
  high: 'the change is mechanical and matches the control exactly; a quick review should suffice',
  medium: 'the change is likely right but depends on context TerraFix could not fully see; review the values',
  low: 'TerraFix is unsure; review carefully and adjust before merging',
};

/** Diff excerpt for the body: redacted, fenced (verbatim), truncated to MAX_DIFF_LINES lines. */
export function diffExcerpt(diff: string, extraPaths: string[] = []): string {
  const lines = scrub(diff, extraPaths).split('\n');
  const cut = lines.length > MAX_DIFF_LINES;
  const shown = lines.slice(0, MAX_DIFF_LINES).join('\n');
  return `${codeBlock(shown, 'diff')}${cut ? `\n_(diff truncated: ${lines.length - MAX_DIFF_LINES} more lines in the Files tab)_` : ''}`;
}

function diffStat(diff: string, code: (s: string) => string): string {
  const files = new Map<string, { add: number; del: number }>();
  let current: { add: number; del: number } | undefined;
  for (const line of diff.split('\n')) {
    const m = /^\+\+\+ (?:b\/)?(.+)$/.exec(line);
    if (m) {
      const name = m[1]!.trim();
      current = files.get(name) ?? { add: 0, del: 0 };
      files.set(name, current);
      continue;
    }
    if (!current || line.startsWith('---')) continue;
    if (line.startsWith('+')) current.add += 1;
    else if (line.startsWith('-')) current.del += 1;
  }
  return [...files.entries()].map(([f, s]) => `- ${code(f)}: +${s.add} −${s.del}`).join('\n');
}

/**
 * Internal validation step ids (src/remediation/engine.ts verifyFix, src/terraform/validate.ts) →
 * what the reviewer reads, in the order shown; null: not worth a line (applying the patch is
 * implied by the PR). `check:<rule id>` is the rule re-check; `terraform validate (<dir>)` is
 * reported separately.
 */
const CHECK_WORDING: Record<string, string | null> = {
  apply: null,
  parse: 're-parsed',
  'hcl-reparse': "re-parsed by HashiCorp's HCL parser",
  guardrails: 'guardrails held',
  'untouched-blocks': 'other blocks unchanged',
  references: 'references resolve',
  'check:': 'rule re-checked',
  'no-new-findings': 'no new findings (the whole rule catalog on every changed file)',
};
const CHECK_ORDER = Object.values(CHECK_WORDING).filter((w): w is string => Boolean(w));
/** Names of skipped steps (`<name>: <why>`, `<name> (<where>): <why>`, `<name> (<why>)`) → reviewer wording. */
const SKIP_WORDING: Record<string, string> = {
  'terraform validate': 'terraform validate',
  'hcl-reparse': "HashiCorp's HCL parser",
  'rule check': 'rule re-check',
};
const STEP = /^([^():]+?)(?: \(([^)]*)\))?(?::\s*([\s\S]*))?$/;

/**
 * The validation section as reviewer-facing lines, each step named once: "re-parsed", "guardrails
 * held", "other blocks unchanged", "references resolve", "rule re-checked", "terraform validate:
 * passed" or "terraform validate: skipped — <the reason validate gave>".
 */
export function validationLines(validation: VerifiedFix['validation'], extraPaths: string[] = []): string[] {
  const text = (s: string) => escapeMarkdown(scrub(s, extraPaths));
  const where = (d: string) => codeSpan(oneLine(scrub(d, extraPaths), 200));
  const passed = new Set<string>();
  const other: string[] = [];
  const tfPassed: string[] = [];
  for (const id of validation.ran) {
    const key = id.startsWith('check:') ? 'check:' : id;
    const tf = STEP.exec(id);
    if (Object.hasOwn(CHECK_WORDING, key)) {
      const w = CHECK_WORDING[key];
      if (w) passed.add(w);
    } else if (tf && tf[1] === 'terraform validate' && tf[3] === undefined) tfPassed.push(tf[2] ?? '.');
    else other.push(text(id));
  }
  const skipped: { name: string; where?: string; reason: string }[] = [];
  const otherSkipped: string[] = [];
  for (const s of validation.skipped) {
    const m = STEP.exec(s);
    const name = m ? (Object.hasOwn(SKIP_WORDING, m[1]!) ? SKIP_WORDING[m[1]!]! : m[1]!) : undefined;
    if (!m || !name || (m[2] === undefined && m[3] === undefined)) otherSkipped.push(`skipped: ${text(s)}`);
    // `<name> (<why>)` has no colon: the parenthesis is the reason, not a place.
    else if (m[3] === undefined) skipped.push({ name, reason: m[2]! });
    else skipped.push({ name, where: m[2], reason: m[3] });
  }
  const lines = [...CHECK_ORDER.filter((w) => passed.has(w)), ...other];
  const passedDirs = [...new Set(tfPassed)];
  if (passedDirs.length) {
    const partly = passedDirs.length > 1 || skipped.some((s) => s.name === 'terraform validate' && s.where);
    lines.push(`terraform validate: passed${partly ? ` in ${passedDirs.map(where).join(', ')}` : ''}`);
  }
  for (const s of skipped)
    lines.push(`${text(s.name)}: skipped${s.where ? ` for ${where(s.where)}` : ''} — ${text(s.reason)}`);
  lines.push(...otherSkipped);
  return [...new Set(lines)];
}

// ---------------------------------------------------------------------------------------------
// Temporal Web UI link

export interface TemporalUiLink {
  /** TEMPORAL_UI_URL: base URL of the Temporal Web UI; no link when unset. */
  temporalUiUrl?: string;
  /** TEMPORAL_NAMESPACE (default "default"). */
  temporalNamespace?: string;
}

/** The id of the workflow behind a PR: the remediation's, or the group's for a group PR. */
export function prWorkflowId(failure: Pick<Failure, 'key'>): string {
  return failure.key.startsWith(GROUP_KEY_PREFIX)
    ? groupWorkflowId(failure.key.slice(GROUP_KEY_PREFIX.length))
    : remediationWorkflowId(failure.key);
}

/**
 * `${TEMPORAL_UI_URL}/namespaces/<namespace>/workflows/<workflow id>` (both URI-encoded), or
 * undefined when TEMPORAL_UI_URL is unset or not an http(s) URL. Credentials, query and fragment of
 * the configured URL are dropped.
 */
export function temporalWorkflowUrl(
  failure: Pick<Failure, 'key'>,
  { temporalUiUrl, temporalNamespace }: TemporalUiLink,
): string | undefined {
  const u = httpUrl(temporalUiUrl);
  if (!u) return undefined;
  const base = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  return `${base}/namespaces/${encodeURIComponent(temporalNamespace || 'default')}/workflows/${encodeURIComponent(prWorkflowId(failure))}`;
}

// ---------------------------------------------------------------------------------------------
// Body

export interface PrBodyInput extends TemporalUiLink {
  failure: Failure;
  target?: Target;
  fix: VerifiedFix;
  /** Absolute paths to strip (workspace dir...). */
  localPaths?: string[];
}

/** The PR description (markdown). */
export function prBody(input: PrBodyInput): string {
  const body = renderBody(input, true);
  if (body.length <= MAX_BODY_CHARS) return body;
  // Too long: drop the diff excerpt (the Files tab has it), then cut, keeping the tail.
  const short = renderBody(input, false);
  if (short.length <= MAX_BODY_CHARS) return short;
  const tail = tailLines(input).join('\n');
  const head = short.slice(0, MAX_BODY_CHARS - tail.length - 200);
  return `${head}${closers(head)}\n\n_(truncated)_\n\n${tail}`;
}

/** The end of every body: the Fixes line (Vanta links the PR by it) and the hidden marker. */
function tailLines({ failure }: PrBodyInput): string[] {
  const testUrl = httpUrl(failure.testUrl);
  return [...(testUrl ? [`Fixes: ${testUrl.href}`, ''] : []), failureMarker(failure.key)];
}

function renderBody(input: PrBodyInput, showDiff: boolean): string {
  const { failure, target, fix, localPaths = [] } = input;
  const md = (s: string) => escapeMarkdown(scrub(s, localPaths));
  const code = (s: string) => codeSpan(oneLine(scrub(s, localPaths), 500));
  const out: string[] = [];
  const draft = draftReasons(fix);
  if (draft.length > 0) {
    out.push(
      '> [!CAUTION]',
      '> **Draft: needs a careful review** (`terrafix:needs-review`)',
      ...draft.map((d) => `> - ${md(d)}`),
      '',
    );
  }
  if (fix.breakingChanges.length > 0) {
    out.push('> [!WARNING]', '> **Breaking changes**', ...fix.breakingChanges.map((b) => `> - ${md(b)}`), '');
  }
  const impact = fix.impact;
  if (impact && (impact.cost || impact.downtime || impact.replacement || impact.removal)) {
    out.push(
      '> [!IMPORTANT]',
      '> **Impact of merging**',
      ...(impact.cost ? [`> - **Cost:** ${md(impact.cost)}`] : []),
      ...(impact.downtime ? [`> - **Downtime:** ${md(impact.downtime)}`] : []),
      ...(impact.replacement ? [`> - **Replacement:** ${md(impact.replacement)}`] : []),
      ...(impact.removal ? [`> - **Deletion:** ${md(impact.removal)}`] : []),
      '',
    );
  }
  if (fix.additionalRequirements.length > 0) {
    out.push(
      '> [!IMPORTANT]',
      '> **Additional requirements before merging**',
      ...fix.additionalRequirements.map((b) => `> - ${md(b)}`),
      '',
    );
  }
  const r = failure.resource;
  out.push('## Compliance failure', '');
  out.push(`- **Test:** ${md(failure.testName ?? failure.testId)} (${code(failure.testId)})`);
  if (failure.severity) out.push(`- **Severity:** ${md(failure.severity)}`);
  if (failure.frameworks?.length) out.push(`- **Frameworks:** ${failure.frameworks.map(md).join(', ')}`);
  out.push(
    `- **Resource:** ${md(resourceLabel(failure, target))}${r.responseType ? ` (${md(r.responseType)})` : ''}`,
  );
  if (r.arn) out.push(`- **ARN:** ${code(r.arn)}`);
  if (target)
    out.push(
      `- **Terraform:** ${code(target.address)} in ${code(target.file)} (lines ${target.startLine}–${target.endLine})`,
    );
  if (failure.testUrl) {
    const u = httpUrl(failure.testUrl);
    out.push(`- **Vanta:** ${u ? `<${u.href}>` : md(failure.testUrl)}`);
  }
  if (failure.description) out.push('', escapeMarkdownLine(scrub(failure.description, localPaths)));
  out.push('', '## What changed and why', '', safeMarkdown(scrub(fix.explanation, localPaths)));
  if (fix.changedAttributes.length) {
    out.push('', `**Changed attributes:** ${fix.changedAttributes.map(code).join(', ')}`);
  }
  out.push('', '## Diff summary', '', diffStat(fix.diff, code) || '_(no textual diff)_');
  if (showDiff)
    out.push('', '<details><summary>Diff</summary>', '', diffExcerpt(fix.diff, localPaths), '', '</details>');
  else out.push('', '_(diff too large to show here: see the Files tab)_');
  out.push('', '## Confidence', '', `**${fix.confidence}**: ${CONFIDENCE_MEANING[fix.confidence]}.`);
  if (fix.warnings.length) out.push('', '**Warnings:**', ...fix.warnings.map((w) => `- ${md(w)}`));
  out.push('', '## Validation', '');
  const checks = validationLines(fix.validation, localPaths);
  out.push(...(checks.length ? checks.map((c) => `- ${c}`) : ['- nothing ran']));
  out.push('', '## Review checklist', '');
  out.push(
    '- [ ] The change matches the intent of the control for this resource',
    '- [ ] `terraform plan` shows only the expected in-place changes (no unexpected replacement)',
  );
  if (fix.breakingChanges.length) out.push('- [ ] The breaking changes above are acceptable or scheduled');
  if (fix.additionalRequirements.length) out.push('- [ ] The additional requirements above are met');
  out.push('- [ ] Dependent resources, modules and environments are not affected');
  out.push('', '## Fix engine', '');
  const rule = fix.ruleId ? RULES.find((x) => x.id === fix.ruleId) : undefined;
  if (fix.engine === 'rule')
    out.push(`Deterministic rule ${code(fix.ruleId ?? 'unknown')}${rule ? ` (${md(rule.title)})` : ''}.`);
  else {
    out.push(`Model ${code(fix.modelId ?? 'unknown')}.`);
    if (fix.tokens) {
      const t = fix.tokens;
      out.push(
        `Tokens: ${t.input} input, ${t.output} output, ${t.cacheRead} cache read${t.cacheWrite !== undefined ? `, ${t.cacheWrite} cache write` : ''}.`,
      );
    }
  }
  const ui = temporalWorkflowUrl(failure, input);
  if (ui) out.push('', `**Temporal:** [${code(prWorkflowId(failure))}](<${ui}>) in the Temporal Web UI.`);
  out.push('', '---', '_Opened by TerraFix. Close this PR to reject the fix; TerraFix will not reopen it._');
  out.push('', ...tailLines(input));
  return out.join('\n');
}

/** Label name → colour; created in the repository when missing. */
export function prLabels(
  failure: Failure,
  fix: VerifiedFix,
): { name: string; color: string; description: string }[] {
  const labels = [
    { name: 'compliance', color: '0e8a16', description: 'Compliance remediation' },
    { name: 'terrafix', color: '5319e7', description: 'Opened by TerraFix' },
  ];
  if (failure.severity) {
    labels.push({
      name: `severity:${failure.severity}`,
      color: failure.severity === 'critical' || failure.severity === 'high' ? 'b60205' : 'fbca04',
      description: 'Severity of the compliance failure',
    });
  }
  for (const f of failure.frameworks ?? []) {
    const name = `framework:${slugify(f, 40)}`;
    if (!labels.some((l) => l.name === name))
      labels.push({ name, color: 'c5def5', description: 'Compliance framework' });
  }
  if (fix.promptInjection?.length) labels.push({ ...INJECTION_LABEL });
  if (fix.breakingChanges.length)
    labels.push({
      name: 'breaking-change',
      color: 'd93f0b',
      description: 'May replace or disrupt a resource',
    });
  if (draftReasons(fix).length) labels.push({ ...NEEDS_REVIEW_LABEL });
  return labels;
}

/** The label of a PR opened as a draft because its fix needs a careful review. */
export const NEEDS_REVIEW_LABEL = {
  name: 'terrafix:needs-review',
  color: 'fbca04',
  description: 'Draft: TerraFix is not sure enough of this fix to ask for a plain review',
};

/**
 * Why a fix's PR opens as a draft (empty: a normal PR): an LLM fix no rule re-checked, a fix with
 * breaking impact, or a rule whose prerequisites are only partly met (the rule says so).
 */
export function draftReasons(fix: VerifiedFix): string[] {
  const out: string[] = [];
  if (fix.engine === 'llm' && !fix.validation.ran.some((r) => r.startsWith('check:')))
    out.push('a model wrote this fix and no TerraFix rule re-checked it');
  if (fix.breakingChanges.length)
    out.push('the change may replace or interrupt a resource (see Breaking changes)');
  if (fix.impact?.replacement) out.push(`merging replaces the resource: ${fix.impact.replacement}`);
  if (fix.impact?.removal) out.push(`merging deletes a resource: ${fix.impact.removal}`);
  for (const r of fix.reviewReasons ?? []) out.push(r);
  return out;
}

/** Commit message: the PR title as subject, the explanation, and the TerraFix trailer. */
export function commitMessage(failure: Failure, fix: VerifiedFix, target?: Target): string {
  const subject = prTitle(failure, target, fix);
  const why = scrub(fix.explanation).slice(0, 2000);
  return `${subject}\n\n${why}\n\n${COMMIT_TRAILER}: ${encodeURIComponent(failure.key)}\n`;
}
