/**
 * RDS instances send enhanced monitoring metrics. Enhanced monitoring needs an IAM role RDS can
 * assume: the fix reuses the role another database of the module already uses, else a role in the
 * module that trusts monitoring.rds.amazonaws.com; with neither, there is no fix (the role is the
 * team's choice).
 */
import type { HclValue } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { moduleBlocks, need, patch, policyText, read, result, setAttr, show, single } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable enhanced monitoring';

/** Intervals (seconds) that turn enhanced monitoring on. */
const INTERVALS = [1, 5, 10, 15, 30, 60];
const DB_TYPES = ['aws_db_instance', 'aws_rds_cluster_instance'];

const monitoring = (v: HclValue): boolean => INTERVALS.includes(Number(v));

/** The monitoring role expression to use, and where it comes from; undefined when the repository has none. */
function monitoringRole(ctx: RuleContext): { expr: string; from: string } | undefined {
  const blocks = moduleBlocks(ctx);
  for (const b of blocks) {
    const a = b.attributes.monitoring_role_arn;
    if (!DB_TYPES.includes(b.labels[0]) || b === ctx.block || !a) continue;
    // An expression bound to the other block's own instance (each./count.) means nothing here.
    if (!/\b(each|count|self)\./.test(a.exprText))
      return { expr: a.exprText, from: `the role ${b.localAddress} uses` };
  }
  for (const b of blocks)
    if (
      b.labels[0] === 'aws_iam_role' &&
      single(b) &&
      policyText(ctx, b, 'assume_role_policy').includes('monitoring.rds.amazonaws.com')
    )
      return { expr: `${b.localAddress}.arn`, from: `the existing monitoring role ${b.localAddress}` };
  return undefined;
}

export const rule: Rule = {
  id: 'rds-enhanced-monitoring',
  title: 'RDS enhanced monitoring',
  requirement: 'monitoring_interval in 1, 5, 10, 15, 30 or 60 with a monitoring_role_arn on the DB instance.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_118'],
  resourceTypes: DB_TYPES,
  keywords: /enhanced monitoring/i,
  responseTypes: /rds|database|db/i,
  breaking: false,
  prerequisites:
    "An existing monitoring role (another database's monitoring_role_arn, or an IAM role trusted by monitoring.rds.amazonaws.com); else no fix.",
  impactNote: 'CloudWatch Logs ingestion of RDSOSMetrics (billed per GB).',
  check(ctx) {
    need(ctx);
    const i = read(ctx, 'monitoring_interval');
    const ok = i.set && i.known && monitoring(i.value);
    const problems = ok ? [] : [`monitoring_interval is ${show(i)}, expected one of ${INTERVALS.join(', ')}`];
    if (!read(ctx, 'monitoring_role_arn').set) problems.push('monitoring_role_arn is unset');
    return result(problems, 'enhanced monitoring is on with a monitoring role');
  },
  fix(ctx) {
    const b = need(ctx);
    const edits = [];
    const changed: string[] = [];
    const i = read(ctx, 'monitoring_interval');
    if (!(i.set && i.known && monitoring(i.value))) {
      edits.push(setAttr(ctx, b, ['monitoring_interval'], '60'));
      changed.push(`monitoring_interval (${show(i)} → 60)`);
    }
    let from = 'the role the instance already names';
    if (!read(ctx, 'monitoring_role_arn').set) {
      const role = monitoringRole(ctx);
      if (!role)
        throw new Error(
          'enhanced monitoring needs an IAM role trusted by monitoring.rds.amazonaws.com (with AmazonRDSEnhancedMonitoringRole) and the module has none: add one, then re-run',
        );
      edits.push(setAttr(ctx, b, ['monitoring_role_arn'], role.expr));
      changed.push(`monitoring_role_arn (unset → ${role.expr})`);
      from = role.from;
    }
    return patch({
      edits,
      explanation: `Sends OS-level metrics every 60 seconds to CloudWatch Logs (RDSOSMetrics) through ${from}. Applied online. Changed: ${changed.join(', ')}.`,
      changedAttributes: changed.map((c) => c.split(' ')[0]),
    });
  },
};
