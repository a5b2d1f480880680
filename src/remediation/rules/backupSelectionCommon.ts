/**
 * A factory for "the resource is in an AWS Backup plan" controls (EBS, EFS): the check looks for an
 * aws_backup_selection of the module whose resources reference the target (or whose selection_tag
 * matches a tag of the target); the fix adds one only when
 * the module already backs something up, reusing that selection's plan and IAM role. Which plan,
 * schedule and retention protect the data is the team's choice, so without one the fix is refused.
 */
import { collectRefs, isRefTo, type HclBlock } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import {
  insertAfterTarget,
  moduleBlocks,
  need,
  nestedAll,
  newLabel,
  patch,
  q,
  read,
  result,
  single,
} from './helpers';

/** What a backup-selection rule declares besides the common rule fields. */
export type BackupSelectionSpec = Omit<Rule, 'check' | 'fix' | 'breaking'> & { explanation: string };

/** References of an attribute of a block. */
const refsOf = (b: HclBlock, attr: string): string[] =>
  b.attributes[attr] ? collectRefs(b.attributes[attr].expr) : [];

/** Selections of the module whose resources reference the target block. */
function selecting(ctx: RuleContext): HclBlock[] {
  const own = need(ctx).localAddress;
  return moduleBlocks(ctx).filter(
    (s) => s.labels[0] === 'aws_backup_selection' && refsOf(s, 'resources').some((r) => isRefTo(r, own)),
  );
}

/** Selections of the module that pick the target by a tag it carries (selection_tag STRINGEQUALS). */
function selectingByTag(ctx: RuleContext): HclBlock[] {
  const tags = read(ctx, 'tags');
  if (!tags.set || !tags.known || typeof tags.value !== 'object' || tags.value === null) return [];
  const own = tags.value as Record<string, unknown>;
  return moduleBlocks(ctx).filter(
    (s) =>
      s.labels[0] === 'aws_backup_selection' &&
      nestedAll(s, 'selection_tag').some((t) => {
        const key = t.attributes.key?.value;
        const value = t.attributes.value?.value;
        return key?.known && value?.known && String(own[String(key.value)]) === String(value.value);
      }),
  );
}

/** An existing single selection with a plan and an IAM role to reuse. */
function template(ctx: RuleContext): HclBlock | undefined {
  return moduleBlocks(ctx).find(
    (s) =>
      s.labels[0] === 'aws_backup_selection' &&
      single(s) &&
      refsOf(s, 'plan_id').some((r) => r.startsWith('aws_backup_plan.')) &&
      Boolean(s.attributes.iam_role_arn),
  );
}

/** The target's ARNs as a list expression, following its count/for_each. */
function resourcesExpr(b: HclBlock): string {
  const own = b.localAddress;
  if (b.attributes.count) return `${own}[*].arn`;
  if (b.attributes.for_each) return `[for r in ${own} : r.arn]`;
  return `[${own}.arn]`;
}

/** Builds a rule that adds the target to the module's existing AWS Backup plan. */
export function backupSelectionRule(spec: BackupSelectionSpec): Rule {
  const { explanation, ...meta } = spec;
  return {
    ...meta,
    breaking: false,
    check(ctx) {
      const found = [...selecting(ctx), ...selectingByTag(ctx)];
      return result(
        found.length ? [] : ['no aws_backup_selection of the module selects this resource'],
        `selected for backup by ${found.map((s) => s.localAddress).join(', ')}`,
      );
    },
    fix(ctx) {
      const b = need(ctx);
      const t = template(ctx);
      if (!t)
        throw new Error(
          `the module has no AWS Backup plan with a selection and IAM role to reuse for ${b.localAddress}: the backup schedule, retention and role are the team's choice`,
        );
      const label = newLabel(ctx, 'aws_backup_selection');
      const name = `${b.labels[1]}-${b.labels[0].replace(/^aws_/, '').replace(/_/g, '-')}`.slice(0, 50);
      const block = [
        `resource "aws_backup_selection" "${label}" {`,
        `  name         = ${q(name)}`,
        `  plan_id      = ${t.attributes.plan_id.exprText}`,
        `  iam_role_arn = ${t.attributes.iam_role_arn.exprText}`,
        `  resources    = ${resourcesExpr(b)}`,
        '}',
      ].join('\n');
      return patch({
        edits: [insertAfterTarget(ctx, [block])],
        explanation: `${explanation} Adds aws_backup_selection.${label} to the plan and role ${t.localAddress} already uses (${t.attributes.plan_id.exprText}); the plan's schedule and retention apply.`,
        changedAttributes: ['aws_backup_selection.resources'],
        confidence: 'medium',
        additionalRequirements: [
          `Backups of ${b.localAddress} are billed by stored size under the plan's retention; the role ${t.attributes.iam_role_arn.exprText} must be allowed to back it up (AWSBackupServiceRolePolicyForBackup covers EBS and EFS).`,
        ],
      });
    },
  };
}
