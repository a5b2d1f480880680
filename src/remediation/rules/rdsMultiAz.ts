/** RDS instances run Multi-AZ. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable Multi-AZ';

export const rule = attrRule({
  id: 'rds-multi-az',
  title: 'RDS Multi-AZ',
  requirement: 'multi_az = true on the DB instance.',
  vantaTestIds: ['aws-rds-multi-az-redundancy'],
  checkovIds: ['CKV_AWS_157'],
  resourceTypes: ['aws_db_instance'],
  keywords: /multi[- ]?az|redundan/i,
  responseTypes: /rds|database|db/i,
  breaking: false,
  impactNote: 'cost roughly doubles (a standby instance); applied online',
  settings: [{ path: ['multi_az'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Runs the database with a synchronous standby in another availability zone so it survives an AZ failure.',
  impact: {
    cost: 'roughly doubles the instance cost (a standby instance of the same class, and its storage)',
    downtime:
      'none expected: applied online, with a brief I/O suspension while the standby is created (apply in a maintenance window if unsure)',
  },
});
