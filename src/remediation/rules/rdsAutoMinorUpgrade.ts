/** RDS instances take minor engine upgrades automatically. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable automatic minor version upgrades';

export const rule = attrRule({
  id: 'rds-auto-minor-version-upgrade',
  title: 'RDS automatic minor version upgrade',
  requirement: 'auto_minor_version_upgrade = true on the DB instance or Aurora cluster instance.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_226'],
  resourceTypes: ['aws_db_instance', 'aws_rds_cluster_instance'],
  keywords: /minor (engine )?(version )?upgrade/i,
  responseTypes: /rds|database|db/i,
  breaking: false,
  impactNote: 'Minor upgrades restart the instance in its maintenance window.',
  settings: [
    {
      path: ['auto_minor_version_upgrade'],
      ok: eq(true),
      value: 'true',
      // Checkov fails an unset value although the provider defaults to true: writing it is a no-op in AWS.
      expect: 'true',
    },
  ],
  explanation:
    'Lets RDS apply minor engine versions (security patches) automatically during the maintenance window; each upgrade restarts the instance inside that window.',
});
