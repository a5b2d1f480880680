/**
 * Helpers shared by the rule files: reading resolved values, finding configuration resources that
 * reference the target, and building edits that change an existing setting in place instead of
 * adding a duplicate.
 */
import type { Impact, Confidence, Patch, PatchEdit } from '../../contracts';
import {
  attributeValue,
  collectRefs,
  isRefTo,
  type HclBlock,
  type HclNestedBlock,
  type HclValue,
} from '../../terraform';
import type { CheckResult, RuleContext } from '../types';

type WithBody = { attributes: HclBlock['attributes']; blocks: HclNestedBlock[] };

/** Quotes a string as an HCL string literal. */
export const q = (s: string): string => JSON.stringify(s);

/** The block's address inside its module (e.g. aws_s3_bucket.logs). */
export function local(b: HclBlock): string {
  return b.localAddress;
}

/** The target block or an error naming the rule (rules with resource targets need one). */
export function need(ctx: RuleContext): HclBlock {
  if (!ctx.block) throw new Error(`no block found for ${ctx.target.address}`);
  return ctx.block;
}

/** First nested block at a path of block types. */
export function nestedAt(b: WithBody, path: string[]): HclNestedBlock | undefined {
  let cur: WithBody | undefined = b;
  let found: HclNestedBlock | undefined;
  for (const t of path) {
    found = cur?.blocks.find((n) => n.type === t);
    if (!found) return undefined;
    cur = found;
  }
  return found;
}

/** All nested blocks of a type directly inside a body. */
export function nestedAll(b: WithBody, type: string): HclNestedBlock[] {
  return b.blocks.filter((n) => n.type === type);
}

export type Tri =
  | { set: false }
  | { set: true; known: false; text: string }
  | { set: true; known: true; value: HclValue; text: string };

/** Reads an attribute (dotted path through first nested blocks) of a block, resolved for the target instance. */
export function read(ctx: RuleContext, name: string, block: HclBlock | undefined = ctx.block): Tri {
  if (!block) return { set: false };
  const parts = name.split('.');
  const holder = parts.length > 1 ? nestedAt(block, parts.slice(0, -1)) : block;
  const a = holder?.attributes[parts[parts.length - 1]];
  if (!a) return { set: false };
  const inst = block === ctx.block ? ctx.instance : undefined;
  const r = attributeValue(ctx.index, block, name, inst);
  return r.known
    ? { set: true, known: true, value: r.value, text: a.exprText }
    : { set: true, known: false, text: a.exprText };
}

/** True when the attribute resolves to a value accepted by `ok`. */
export function holds(
  ctx: RuleContext,
  name: string,
  ok: (v: HclValue) => boolean,
  block?: HclBlock,
): boolean {
  const r = read(ctx, name, block);
  return r.set && r.known && ok(r.value);
}

export const isTrue = (v: HclValue): boolean => v === true || v === 'true';
export const isFalse = (v: HclValue): boolean => v === false || v === 'false';
export const nonEmptyString = (v: HclValue): boolean => typeof v === 'string' && v.length > 0;

/** Edit that sets `path` (nested block types, then attribute) to `value`, creating missing nested blocks. */
export function setAttr(ctx: RuleContext, block: HclBlock, path: string[], value: string): PatchEdit {
  const nestedPath = path.slice(0, -1);
  let existing = 0;
  let cur: WithBody = block;
  for (const t of nestedPath) {
    const n = cur.blocks.find((x) => x.type === t);
    if (!n) break;
    cur = n;
    existing++;
  }
  if (existing === nestedPath.length)
    return { kind: 'set_attribute', file: block.file, address: local(block), path, value };
  const missing = nestedPath.slice(existing);
  let text = `${path[path.length - 1]} = ${value}`;
  for (const t of [...missing].reverse()) text = `${t} {\n${indent(text)}\n}`;
  return {
    kind: 'add_nested_block',
    file: block.file,
    address: local(block),
    path: nestedPath.slice(0, existing),
    text,
  };
}

/** Edits setting several attributes of one nested block (or of the block itself when nested = []). */
export function setAttrs(
  ctx: RuleContext,
  block: HclBlock,
  nested: string[],
  values: [string, string][],
): PatchEdit[] {
  const holder = nested.length ? nestedAt(block, nested) : block;
  if (holder || nested.length === 0) return values.map(([k, v]) => setAttr(ctx, block, [...nested, k], v));
  // The nested block is missing: add it whole, with every attribute (deepest missing level first).
  let existing = 0;
  let cur: WithBody = block;
  for (const t of nested) {
    const n = cur.blocks.find((x) => x.type === t);
    if (!n) break;
    cur = n;
    existing++;
  }
  let text = values.map(([k, v]) => `${k} = ${v}`).join('\n');
  for (const t of nested.slice(existing).reverse()) text = `${t} {\n${indent(text)}\n}`;
  return [
    {
      kind: 'add_nested_block',
      file: block.file,
      address: local(block),
      path: nested.slice(0, existing),
      text,
    },
  ];
}

/** Indents every non-empty line by two spaces. */
export function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n');
}

/** Blocks by module directory and kind, built once per index (the rules ask for them many times). */
const blocksByModule = new WeakMap<RuleContext['index'], Map<string, HclBlock[]>>();

/** The per-index lists: "dir\0kind" and "dir\0kind\0type" (first label). */
function moduleLists(ctx: RuleContext): Map<string, HclBlock[]> {
  let m = blocksByModule.get(ctx.index);
  if (!m) {
    m = new Map();
    const add = (k: string, b: HclBlock) => {
      const list = m!.get(k);
      if (list) list.push(b);
      else m!.set(k, [b]);
    };
    for (const b of ctx.index.blocks) {
      add(`${b.moduleDir}\u0000${b.kind}`, b);
      add(`${b.moduleDir}\u0000${b.kind}\u0000${b.labels[0] ?? ''}`, b);
    }
    blocksByModule.set(ctx.index, m);
  }
  return m;
}

/** Blocks of the same module (directory) as the target (read-only: shared by every rule on the index). */
export function moduleBlocks(ctx: RuleContext, kind = 'resource'): readonly HclBlock[] {
  return moduleLists(ctx).get(`${ctx.target.moduleDir}\u0000${kind}`) ?? [];
}

/** Resources of one type in the target's module (read-only: shared by every rule on the index). */
export function moduleResources(ctx: RuleContext, type: string): readonly HclBlock[] {
  return moduleLists(ctx).get(`${ctx.target.moduleDir}\u0000resource\u0000${type}`) ?? [];
}

/** A resource of one of `types` in the target's module whose `attr` references the target. */
export function hasCompanion(ctx: RuleContext, types: string[], attr: string): boolean {
  const own = local(need(ctx));
  return types.some((t) =>
    moduleResources(ctx, t).some((c) => {
      const a = c.attributes[attr];
      return Boolean(a && collectRefs(a.expr).some((r) => isRefTo(r, own)));
    }),
  );
}

/** Blocks of type `type` in the target's module whose `attr` references the target (or its resolved name). */
export function referencing(
  ctx: RuleContext,
  type: string,
  attr = 'bucket',
  nameAttr = 'bucket',
): HclBlock[] {
  const b = ctx.block;
  if (!b) return [];
  const own = local(b);
  const name = read(ctx, nameAttr);
  return moduleResources(ctx, type).filter((c) => {
    const a = c.attributes[attr];
    if (!a) return false;
    if (collectRefs(a.expr).some((r) => r === own || r.startsWith(`${own}.`))) return true;
    // for_each over the target: `for_each = aws_s3_bucket.x` + `bucket = each.value.id`
    const fe = c.attributes.for_each;
    if (
      fe &&
      collectRefs(fe.expr).some((r) => r === own || r.startsWith(`${own}.`)) &&
      /\beach\./.test(a.exprText)
    )
      return true;
    if (name.set && name.known && typeof name.value === 'string') {
      const v = attributeValue(ctx.index, c, attr);
      if (v.known && v.value === name.value) return true;
    }
    return false;
  });
}

/** How new companion resources refer to the target, following its count/for_each. */
export function instanceRef(ctx: RuleContext): { meta: string; ref: string } {
  const b = need(ctx);
  const own = local(b);
  if (b.attributes.count) return { meta: `count = length(${own})\n`, ref: `${own}[count.index]` };
  if (b.attributes.for_each) return { meta: `for_each = ${own}\n`, ref: 'each.value' };
  return { meta: '', ref: own };
}

/** A label for a new resource of `type`, named after the target and unique in its module. */
export function newLabel(ctx: RuleContext, type: string, suffix = ''): string {
  const base = `${need(ctx).labels[1] ?? 'this'}${suffix}`;
  const taken = new Set(
    moduleBlocks(ctx)
      .filter((b) => b.labels[0] === type)
      .map((b) => b.labels[1]),
  );
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** Edit inserting new top-level blocks right after the target block. */
export function insertAfterTarget(ctx: RuleContext, blocks: string[]): PatchEdit {
  const b = need(ctx);
  return { kind: 'insert_after', file: b.file, afterAddress: local(b), text: blocks.join('\n\n') };
}

/** Builds a Patch with defaults for the optional lists. */
export function patch(p: {
  edits: PatchEdit[];
  explanation: string;
  changedAttributes: string[];
  confidence?: Confidence;
  breakingChanges?: string[];
  additionalRequirements?: string[];
  impact?: Impact;
  /** A prerequisite was only partly met (the fix supplies the rest): the PR opens as a draft. */
  reviewReasons?: string[];
}): Patch {
  return {
    ...(p.impact ? { impact: p.impact } : {}),
    ...(p.reviewReasons?.length ? { reviewReasons: p.reviewReasons } : {}),
    edits: p.edits,
    explanation: p.explanation,
    changedAttributes: p.changedAttributes,
    confidence: p.confidence ?? 'high',
    breakingChanges: p.breakingChanges ?? [],
    additionalRequirements: p.additionalRequirements ?? [],
  };
}

/** Check result helper: compliant when there are no problems. */
export function result(problems: string[], okReason: string): CheckResult {
  return problems.length
    ? { status: 'non_compliant', reasons: problems }
    : { status: 'compliant', reasons: [okReason] };
}

/** A resolved value rendered for a message. */
export function show(t: Tri): string {
  if (!t.set) return 'unset';
  return t.known ? JSON.stringify(t.value) : t.text;
}

/** Text of a KMS key resource (with rotation) plus an alias, for rules that need a customer managed key. */
export function kmsKeyBlock(label: string, description: string, policy?: string): string {
  const lines = [
    `resource "aws_kms_key" "${label}" {`,
    `  description         = ${q(description)}`,
    '  enable_key_rotation = true',
    '  deletion_window_in_days = 30',
  ];
  if (policy) lines.push(`  policy = ${policy}`);
  lines.push('}');
  return lines.join('\n');
}

/** A KMS key policy letting the account administer the key and an AWS service principal use it. */
export function kmsPolicyFor(servicePrincipal: string, extraCondition = ''): string {
  return `jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:\${data.aws_partition.current.partition}:iam::\${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "AllowService"
        Effect    = "Allow"
        Principal = { Service = ${q(servicePrincipal)} }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"${extraCondition}
      }
    ]
  })`;
}

/** data sources a KMS policy needs, only those the module does not declare yet. */
export function identityDataBlocks(ctx: RuleContext): string[] {
  const have = new Set(
    ctx.index.blocks
      .filter((b) => b.kind === 'data' && b.moduleDir === ctx.target.moduleDir)
      .map((b) => b.localAddress),
  );
  const out: string[] = [];
  if (!have.has('data.aws_caller_identity.current')) out.push('data "aws_caller_identity" "current" {}');
  if (!have.has('data.aws_partition.current')) out.push('data "aws_partition" "current" {}');
  return out;
}

/** Source text of a block (its whole range in its file). */
export function blockText(ctx: RuleContext, b: HclBlock): string {
  return ctx.index.files[b.file]?.text.slice(b.range.startByte, b.range.endByte) ?? '';
}

/**
 * The text of a policy attribute: the expression itself, or the aws_iam_policy_document data source it
 * points to (in the block's module), so reuse decisions can read what a policy allows.
 */
export function policyText(ctx: RuleContext, b: HclBlock, attr: string): string {
  const a = b.attributes[attr];
  if (!a) return '';
  const doc = collectRefs(a.expr).find((r) => r.startsWith('data.aws_iam_policy_document.'));
  if (!doc) return a.exprText;
  const addr = doc.split('.').slice(0, 3).join('.');
  const d = ctx.index.blocks.find(
    (x) => x.kind === 'data' && x.moduleDir === b.moduleDir && x.localAddress === addr,
  );
  return d ? blockText(ctx, d) : a.exprText;
}

/** A resource of the target's module that a companion may reference as one object (no count/for_each). */
export const single = (b: HclBlock): boolean => !b.attributes.count && !b.attributes.for_each;

/** References to the account id, partition and region for policies, and the data blocks still missing. */
export interface IdentityRefs {
  /** HCL expression of the account id, e.g. data.aws_caller_identity.current.account_id. */
  account: string;
  partition: string;
  /** HCL expression of the region name (`name` before provider v6, `region` from v6). */
  region: string;
  /** `data "…" "current" {}` blocks to add for the lookups the module does not declare. */
  blocks: string[];
}

type IdentityPart = 'account' | 'partition' | 'region';

/**
 * Reuses the module's aws_caller_identity / aws_partition / aws_region data sources, else adds them
 * (only those named in `uses`; the others' references are then not to be used).
 */
export function identityRefs(
  ctx: RuleContext,
  uses: IdentityPart[] = ['account', 'partition', 'region'],
): IdentityRefs {
  const blocks: string[] = [];
  const want: Record<string, IdentityPart> = {
    aws_caller_identity: 'account',
    aws_partition: 'partition',
    aws_region: 'region',
  };
  const lookup = (type: string): string => {
    const d = moduleBlocks(ctx, 'data').find((x) => x.labels[0] === type && single(x));
    if (d) return d.localAddress;
    if (uses.includes(want[type])) blocks.push(`data "${type}" "current" {}`);
    return `data.${type}.current`;
  };
  const account = `${lookup('aws_caller_identity')}.account_id`;
  const partition = `${lookup('aws_partition')}.partition`;
  const region = `${lookup('aws_region')}.${ctx.providerMajor >= 6 ? 'region' : 'name'}`;
  return { account, partition, region, blocks };
}

/** One statement of a KMS key policy letting a principal use the key. */
export interface KmsUse {
  sid: string;
  /** HCL object of the principal, e.g. { Service = "logs.amazonaws.com" }. */
  principal: string;
  actions: string[];
  /** HCL object of the condition, e.g. { StringEquals = { … } }. */
  condition?: string;
}

/**
 * A KMS key policy (jsonencode) in which the account root administers the key (so IAM policies of the
 * account apply) and each `use` statement lets one principal use it.
 */
export function kmsKeyPolicy(ids: IdentityRefs, uses: KmsUse[]): string {
  const stmt = (lines: string[]) => `    {\n${lines.map((l) => `      ${l}`).join('\n')}\n    }`;
  const admin = stmt([
    'Sid       = "AccountAdministration"',
    'Effect    = "Allow"',
    `Principal = { AWS = "arn:\${${ids.partition}}:iam::\${${ids.account}}:root" }`,
    'Action    = "kms:*"',
    'Resource  = "*"',
  ]);
  const rest = uses.map((u) =>
    stmt([
      `Sid       = ${q(u.sid)}`,
      'Effect    = "Allow"',
      `Principal = ${u.principal}`,
      `Action    = [${u.actions.map(q).join(', ')}]`,
      'Resource  = "*"',
      ...(u.condition ? [`Condition = ${u.condition}`] : []),
    ]),
  );
  const body = `jsonencode({\n  Version = "2012-10-17"\n  Statement = [\n${[admin, ...rest].join(',\n')}\n  ]\n})`;
  // Indented to sit under an attribute of a resource body (`  policy = jsonencode({`).
  return body.replace(/\n/g, '\n  ');
}

/** Checkov inline skip comments (`#checkov:skip=ID:reason`) for the top of a new block's body. */
export function checkovSkips(skips: { id: string; reason: string }[]): string {
  return skips.map((s) => `  #checkov:skip=${s.id}:${s.reason}\n`).join('');
}

/** A resolved string attribute of a block, or ''. */
export function stringAttr(ctx: RuleContext, b: HclBlock, name: string): string {
  const r = read(ctx, name, b);
  return r.set && r.known && typeof r.value === 'string' ? r.value : '';
}

/**
 * The KMS keys of the target's module a resource can use: one object, enabled, symmetric encryption
 * keys; with `sameProvider`, only keys of the target's provider configuration (a key is regional).
 */
export function usableKmsKeys(ctx: RuleContext, opts: { sameProvider?: boolean } = {}): HclBlock[] {
  const provider = opts.sameProvider ? (need(ctx).attributes.provider?.exprText.trim() ?? '') : undefined;
  return moduleBlocks(ctx).filter((k) => {
    if (k.labels[0] !== 'aws_kms_key' || !single(k)) return false;
    if (provider !== undefined && (k.attributes.provider?.exprText.trim() ?? '') !== provider) return false;
    const usage = stringAttr(ctx, k, 'key_usage');
    const spec = stringAttr(ctx, k, 'customer_master_key_spec') || stringAttr(ctx, k, 'key_spec');
    const enabled = read(ctx, 'is_enabled', k);
    return (
      (!usage || usage === 'ENCRYPT_DECRYPT') &&
      (!spec || spec === 'SYMMETRIC_DEFAULT') &&
      !(enabled.set && enabled.known && (enabled.value === false || enabled.value === 'false'))
    );
  });
}

/** A value only the team can choose (which KMS key, which dead-letter queue), asked for as a variable. */
export interface TeamChoice {
  /** The variable reference to write (var.<name>). */
  ref: string;
  /** The variable block to add after the target (none when the module already declares it). */
  edits: PatchEdit[];
  /** The draft reason and the requirement the PR states. */
  review: string;
  requirement: string;
}

/**
 * Asks the team for a value the repository does not have: declares `variable "<label>_<suffix>"`
 * (string, no default, a description saying what it is for) after the target, or uses the variable of
 * that name the module already declares. The fix then opens as a draft until someone sets it.
 */
export function teamChoice(
  ctx: RuleContext,
  b: HclBlock,
  suffix: string,
  what: string,
  valueKind: 'ARN' | 'ID' = 'ARN',
): TeamChoice {
  const name = `${(b.labels[1] ?? 'this').replace(/[^A-Za-z0-9_]/g, '_')}_${suffix}`;
  const declared = moduleBlocks(ctx, 'variable').some((v) => v.labels[0] === name);
  const description = `${valueKind} of the ${what} for ${b.localAddress} (the team's choice)`;
  return {
    ref: `var.${name}`,
    edits: declared
      ? []
      : [
          {
            kind: 'insert_after',
            file: b.file,
            afterAddress: local(b),
            text: `variable "${name}" {\n  description = ${JSON.stringify(description)}\n  type        = string\n}`,
          },
        ],
    review: `a value only the team can choose: the repository has no ${what} to reuse, so this PR ${declared ? 'uses the declared' : 'declares'} variable "${name}" without a default; set it before merging`,
    requirement: `Set var.${name} (e.g. in terraform.tfvars) to the ${valueKind} of the ${what} for ${b.localAddress}.`,
  };
}

/** A rule's catalog prerequisites, saying what happens without the resource: a draft asks for it. */
export function withTeamChoice(
  prerequisites: string | undefined,
  ask: { suffix: string; what: string },
): string {
  const base = (prerequisites ?? `An existing ${ask.what} in the module.`).replace(
    /\s*\(none is created\)/,
    '',
  );
  return `${base.replace(/\.$/, '')}; without one, a draft PR asks for it as variable "<name>_${ask.suffix}" (none is created).`;
}

/** What a rule asks the team for when the repository has nothing to reuse (see teamChoice). */
export interface TeamAsk {
  suffix: string;
  what: string;
  valueKind?: 'ARN' | 'ID';
}

/**
 * The fix that asks the team for a value: declares (or reuses) the variable, writes its reference with
 * `write`, and opens a draft with low confidence and a requirement to set it.
 */
export function askTeamPatch(
  ctx: RuleContext,
  b: HclBlock,
  ask: TeamAsk,
  o: {
    explanation: string;
    /** The attribute the variable fills, for the explanation. */
    name: string;
    write: (ref: string) => PatchEdit[];
    changedAttributes: string[];
    breakingChanges: string[];
    additionalRequirements?: string[];
    /** How the explanation names what is missing and what the team chooses (default: ask.what, "the one"). */
    lacks?: string;
    chosen?: string;
  },
): Patch {
  const choice = teamChoice(ctx, b, ask.suffix, ask.what, ask.valueKind);
  return patch({
    edits: [...choice.edits, ...o.write(choice.ref)],
    explanation: `${o.explanation} The module has no ${o.lacks ?? ask.what} to reuse, so ${o.name} takes ${choice.ref}, a new variable for ${o.chosen ?? 'the one'} the team chooses.`,
    changedAttributes: o.changedAttributes,
    confidence: 'low',
    breakingChanges: o.breakingChanges,
    additionalRequirements: [choice.requirement, ...(o.additionalRequirements ?? [])],
    reviewReasons: [choice.review],
  });
}
