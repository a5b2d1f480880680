/** RDS instances and Aurora clusters accept IAM database authentication. */
import type { RuleContext } from '../types';
import { attrRule, eq } from './attrRule';
import { read } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable IAM database authentication';

/** Engines that support IAM authentication (MySQL, MariaDB, PostgreSQL and their Aurora editions). */
const IAM_ENGINES = /^(mysql|mariadb|postgres|aurora|aurora-mysql|aurora-postgresql)$/;

/** An engine that cannot use IAM authentication (e.g. Oracle, SQL Server) is out of scope. */
function unsupportedEngine(ctx: RuleContext): string | null {
  const e = read(ctx, 'engine');
  if (!e.set || !e.known || IAM_ENGINES.test(String(e.value))) return null;
  return `engine ${String(e.value)} does not support IAM database authentication`;
}

export const rule = attrRule({
  id: 'rds-iam-authentication',
  title: 'RDS IAM database authentication',
  requirement: 'iam_database_authentication_enabled = true on the DB instance or cluster.',
  vantaTestIds: [],
  // CKV_AWS_161: aws_db_instance; CKV_AWS_162: aws_rds_cluster.
  checkovIds: ['CKV_AWS_161', 'CKV_AWS_162'],
  resourceTypes: ['aws_db_instance', 'aws_rds_cluster'],
  keywords: /iam (database )?auth/i,
  responseTypes: /rds|database|db/i,
  breaking: false,
  settings: [{ path: ['iam_database_authentication_enabled'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Lets database users authenticate with short-lived IAM tokens instead of long-lived passwords (password logins keep working). Applied online.',
  notApplicable: unsupportedEngine,
});
