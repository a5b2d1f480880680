/**
 * S3 buckets have a lifecycle configuration with an enabled, bucket-wide rule that aborts incomplete
 * multipart uploads. The fix adds only that rule (7 days, the AWS-recommended value): it never expires
 * or transitions objects, whose retention is the team's choice. Existing lifecycle rules are kept; the
 * new rule joins the bucket's lifecycle configuration (v4+) or its inline lifecycle_rule blocks (v3).
 */
import type { PatchEdit } from '../../contracts';
import type { HclBlock, HclNestedBlock } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { need, nestedAll } from './helpers';
import { s3Check, s3Fix, type S3SettingSpec } from './s3common';

const RULE_ID = 'abort-incomplete-multipart-uploads';

/** The resolved value of a nested block's attribute, undefined when unset or unknown. */
function val(n: HclNestedBlock | HclBlock, name: string): unknown {
  const a = n.attributes[name];
  return a && a.value.known ? a.value.value : undefined;
}

/** A filter (or top-level prefix) that narrows the rule to part of the bucket. */
function scoped(r: HclNestedBlock): boolean {
  const prefix = val(r, 'prefix');
  if (typeof prefix === 'string' && prefix !== '') return true;
  return nestedAll(r, 'filter').some(
    (f) =>
      f.blocks.length > 0 ||
      Object.values(f.attributes).some(
        (a) => !(a.value.known && (a.value.value === '' || a.value.value === null)),
      ),
  );
}

/** A v4+ rule that is enabled, bucket-wide and aborts incomplete uploads. */
function abortsV4(r: HclNestedBlock): boolean {
  const abort = nestedAll(r, 'abort_incomplete_multipart_upload')[0];
  return (
    val(r, 'status') === 'Enabled' &&
    Boolean(abort && Number(val(abort, 'days_after_initiation')) > 0) &&
    !scoped(r)
  );
}

/** A v3 inline lifecycle_rule that is enabled, bucket-wide and aborts incomplete uploads. */
function abortsV3(r: HclNestedBlock): boolean {
  const enabled = val(r, 'enabled');
  return (
    (enabled === true || enabled === 'true') &&
    Number(val(r, 'abort_incomplete_multipart_upload_days')) > 0 &&
    !scoped(r)
  );
}

const V4_RULE = `rule {\n  id     = "${RULE_ID}"\n  status = "Enabled"\n\n  filter {}\n\n  abort_incomplete_multipart_upload {\n    days_after_initiation = 7\n  }\n}`;

const V3_RULE = `lifecycle_rule {\n  id                                     = "${RULE_ID}"\n  enabled                                = true\n  abort_incomplete_multipart_upload_days = 7\n}`;

/** Edit adding a whole nested block to the top level of a block. */
const addBlock = (b: HclBlock, text: string): PatchEdit => ({
  kind: 'add_nested_block',
  file: b.file,
  address: b.localAddress,
  path: [],
  text,
});

const spec: S3SettingSpec = {
  configType: 'aws_s3_bucket_lifecycle_configuration',
  hasInline: (ctx: RuleContext) => Boolean(ctx.block && nestedAll(ctx.block, 'lifecycle_rule').length),
  inlineProblems: (ctx) =>
    nestedAll(need(ctx), 'lifecycle_rule').some(abortsV3)
      ? []
      : ['no enabled bucket-wide lifecycle_rule sets abort_incomplete_multipart_upload_days'],
  configProblems: (_ctx, cfg) =>
    nestedAll(cfg, 'rule').some(abortsV4)
      ? []
      : ['no enabled bucket-wide rule with abort_incomplete_multipart_upload'],
  fixConfig: (_ctx, cfg) => [addBlock(cfg, V4_RULE)],
  fixInline: (ctx) => [addBlock(need(ctx), V3_RULE)],
  newConfigBody: (_ctx, bucket) => `bucket = ${bucket}\n\n${V4_RULE}`,
  explanation:
    'Adds a lifecycle rule that aborts multipart uploads still incomplete after 7 days, so their orphaned parts stop being billed. It applies to the whole bucket and never expires or moves stored objects; existing lifecycle rules are unchanged.',
  changedAttributes: ['lifecycle_rule'],
};

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Add a lifecycle rule';

/** The rule (check and fix) registered in the storage family. */
export const rule: Rule = {
  id: 's3-lifecycle-configuration',
  title: 'S3 bucket lifecycle configuration',
  requirement:
    'The bucket has a lifecycle configuration with an enabled, bucket-wide rule that aborts incomplete multipart uploads.',
  vantaTestIds: [],
  checkovIds: ['CKV2_AWS_61', 'CKV_AWS_300'],
  resourceTypes: ['aws_s3_bucket'],
  keywords: /\bs3\b.*(lifecycle|multipart)|(lifecycle|multipart).*\b(s3|bucket)/i,
  responseTypes: /s3/i,
  breaking: false,
  check: (ctx) => s3Check(ctx, spec, 'a lifecycle rule aborts incomplete multipart uploads'),
  fix: (ctx) => s3Fix(ctx, spec),
};
