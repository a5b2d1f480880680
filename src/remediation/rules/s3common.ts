/**
 * S3 settings that live inline in aws_s3_bucket on AWS provider v3 and in separate aws_s3_bucket_*
 * resources on v4+: one place decides which form to check and which to edit.
 */
import type { Patch, PatchEdit } from '../../contracts';
import type { HclBlock } from '../../terraform';
import type { CheckResult, RuleContext } from '../types';
import { instanceRef, insertAfterTarget, need, newLabel, patch, referencing } from './helpers';

export interface S3SettingSpec {
  /** v4+ configuration resource type, e.g. aws_s3_bucket_versioning. */
  configType: string;
  /** Problems of the inline (v3) form; [] when compliant. */
  inlineProblems(ctx: RuleContext): string[];
  /** True when the bucket has the inline form at all. */
  hasInline(ctx: RuleContext): boolean;
  /** Problems of one configuration resource; [] when compliant. */
  configProblems(ctx: RuleContext, cfg: HclBlock): string[];
  /** Edits fixing an existing configuration resource in place. */
  fixConfig(ctx: RuleContext, cfg: HclBlock): PatchEdit[];
  /** Edits adding/fixing the inline form (v3, or v4 when the bucket already uses the inline form). */
  fixInline(ctx: RuleContext): PatchEdit[];
  /** Body of a new configuration resource (without the resource header), given the bucket expression. */
  newConfigBody(ctx: RuleContext, bucketExpr: string): string;
  /** Extra blocks a new configuration needs (log bucket...), inserted with it. */
  extraBlocks?(ctx: RuleContext): string[];
  /** The setting is a separate resource on every provider version (no inline form). */
  alwaysSeparate?: boolean;
  explanation: string;
  changedAttributes: string[];
  breakingChanges?: string[];
  additionalRequirements?(ctx: RuleContext): string[];
}

/** Compliance of an S3 setting in whichever form the bucket uses. */
export function s3Check(ctx: RuleContext, spec: S3SettingSpec, okReason: string): CheckResult {
  const cfgs = referencing(ctx, spec.configType);
  for (const c of cfgs) {
    if (spec.configProblems(ctx, c).length === 0)
      return { status: 'compliant', reasons: [`${okReason} (${c.localAddress})`] };
  }
  if (spec.hasInline(ctx) && spec.inlineProblems(ctx).length === 0)
    return { status: 'compliant', reasons: [`${okReason} (inline)`] };
  const problems = cfgs.length
    ? cfgs.flatMap((c) => spec.configProblems(ctx, c).map((p) => `${c.localAddress}: ${p}`))
    : spec.hasInline(ctx)
      ? spec.inlineProblems(ctx)
      : [`no ${spec.configType} for this bucket`];
  return { status: 'non_compliant', reasons: problems };
}

/** The fix in the form the pinned provider expects, editing what exists before adding anything. */
export function s3Fix(ctx: RuleContext, spec: S3SettingSpec): Patch {
  const cfgs = referencing(ctx, spec.configType);
  let edits: PatchEdit[];
  let form: string;
  if (cfgs.length) {
    edits = spec.fixConfig(ctx, cfgs[0]);
    form = `the existing ${cfgs[0].localAddress}`;
  } else if (!spec.alwaysSeparate && (ctx.providerMajor < 4 || spec.hasInline(ctx))) {
    edits = spec.fixInline(ctx);
    form =
      ctx.providerMajor < 4
        ? 'an inline block (AWS provider v3)'
        : 'the inline block the bucket already uses';
  } else {
    const { meta, ref } = instanceRef(ctx);
    const label = newLabel(ctx, spec.configType);
    const bucketExpr = `${ref}.id`;
    const body = spec.newConfigBody(ctx, bucketExpr);
    const block = `resource "${spec.configType}" "${label}" {\n  ${meta ? meta + '  ' : ''}${body.trim().replace(/\n/g, '\n  ')}\n}`;
    edits = [insertAfterTarget(ctx, [...(spec.extraBlocks?.(ctx) ?? []), block])];
    form = `a new ${spec.configType}.${label} resource (AWS provider v${ctx.providerMajor})`;
  }
  need(ctx);
  return patch({
    edits,
    explanation: `${spec.explanation} Applied through ${form}.`,
    changedAttributes: spec.changedAttributes,
    breakingChanges: spec.breakingChanges,
    additionalRequirements: spec.additionalRequirements?.(ctx) ?? [],
  });
}
