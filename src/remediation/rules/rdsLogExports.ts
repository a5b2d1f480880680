/**
 * RDS instances and Aurora clusters export their database logs to CloudWatch Logs. The log types
 * depend on the engine, so the fix writes the engine's set; an engine the repository does not state
 * (or that the rule does not know) gets no fix.
 */
import type { HclValue } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { need, patch, read, result, setAttr, show } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Export database logs to CloudWatch';

/** Log types each engine can export, as the fix writes them. */
const LOG_TYPES: Record<string, string[]> = {
  postgres: ['postgresql', 'upgrade'],
  'aurora-postgresql': ['postgresql'],
  mysql: ['audit', 'error', 'general', 'slowquery'],
  mariadb: ['audit', 'error', 'general', 'slowquery'],
  aurora: ['audit', 'error', 'general', 'slowquery'],
  'aurora-mysql': ['audit', 'error', 'general', 'slowquery'],
};

const ATTR = 'enabled_cloudwatch_logs_exports';

/** MySQL-family cluster engines, whose exports must include the audit log (CKV_AWS_325). */
const MYSQL_CLUSTER = new Set(['aurora', 'aurora-mysql', 'mysql']);

/** Why the exports fall short: none at all, or a MySQL-family cluster without the audit log. */
function problem(ctx: RuleContext): string | null {
  const r = read(ctx, ATTR);
  if (!r.set || !r.known || !Array.isArray(r.value) || r.value.length === 0)
    return `${ATTR} is ${show(r)}, expected the engine's log types`;
  const e = read(ctx, 'engine');
  const cluster = (ctx.block?.labels[0] ?? ctx.target.resourceType) === 'aws_rds_cluster';
  if (cluster && e.set && e.known && MYSQL_CLUSTER.has(String(e.value)) && !r.value.includes('audit'))
    return `${ATTR} is ${show(r)}, expected it to include "audit" on a MySQL-family cluster`;
  return null;
}

/** The values already exported (kept by the fix), when they are a known list. */
function existing(ctx: RuleContext): HclValue[] {
  const r = read(ctx, ATTR);
  return r.set && r.known && Array.isArray(r.value) ? r.value : [];
}

/** The log types to write for the target's engine, or an error saying why there is no fix. */
function logTypesFor(ctx: RuleContext): string[] {
  const e = read(ctx, 'engine');
  if (!e.set || !e.known) throw new Error(`the engine is ${show(e)}: the log types to export depend on it`);
  const engine = String(e.value);
  const kind = engine.startsWith('oracle') ? 'oracle' : engine.startsWith('sqlserver') ? 'sqlserver' : engine;
  const types =
    kind === 'oracle'
      ? ['alert', 'audit', 'listener', 'trace']
      : kind === 'sqlserver'
        ? ['agent', 'error']
        : LOG_TYPES[kind];
  if (!types) throw new Error(`no known CloudWatch log types for engine ${engine}`);
  return types;
}

export const rule: Rule = {
  id: 'rds-log-exports',
  title: 'RDS log exports to CloudWatch',
  requirement:
    'enabled_cloudwatch_logs_exports lists the engine log types on the DB instance or cluster (including "audit" on a MySQL-family cluster).',
  vantaTestIds: [],
  // CKV_AWS_129: aws_db_instance; CKV_AWS_324: aws_rds_cluster; CKV_AWS_325: audit on MySQL-family clusters.
  checkovIds: ['CKV_AWS_129', 'CKV_AWS_324', 'CKV_AWS_325'],
  resourceTypes: ['aws_db_instance', 'aws_rds_cluster'],
  keywords: /\b(rds|database|db|aurora)\b.*\blog|log (capture|export).*\b(rds|database|db|aurora)\b/i,
  responseTypes: /rds|database|db/i,
  breaking: false,
  prerequisites: 'A literal engine (the log types depend on it); else no fix.',
  impactNote: 'CloudWatch Logs ingestion and storage (billed per GB).',
  check(ctx) {
    need(ctx);
    const p = problem(ctx);
    return result(p ? [p] : [], `${ATTR} is set`);
  },
  fix(ctx) {
    const b = need(ctx);
    const kept = existing(ctx);
    const types = [...kept, ...logTypesFor(ctx).filter((t) => !kept.includes(t))];
    const value = `[${types.map((t) => JSON.stringify(t)).join(', ')}]`;
    return patch({
      edits: [setAttr(ctx, b, [ATTR], value)],
      explanation: `Exports the database logs (${types.join(', ')}) to CloudWatch Logs so they are retained and searchable. Applied online. Changed: ${ATTR} (${show(read(ctx, ATTR))} → ${value}).`,
      changedAttributes: [ATTR],
      additionalRequirements: [
        'CloudWatch creates the /aws/rds/... log groups with no retention or KMS key unless they exist: declare them (retention, kms_key_id) if your policy requires it.',
        'Some log types are written only when the parameter group turns them on (general_log / slow_query_log for MySQL, log_statement for PostgreSQL, an audit plugin for MySQL audit).',
      ],
    });
  },
};
