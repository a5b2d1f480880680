/** CloudWatch log groups keep logs at least 365 days. */
import type { HclValue } from '../../terraform';
import { attrRule } from './attrRule';

const retained = (v: HclValue) => Number(v) === 0 || Number(v) >= 365;

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Retain logs for 12 months';

export const rule = attrRule({
  id: 'cloudwatch-log-retention',
  title: 'CloudWatch log retention of at least 12 months',
  requirement: 'retention_in_days is 0/unset (never expire) or at least 365.',
  vantaTestIds: ['logs-retained-for-twelve-months-config'],
  checkovIds: ['CKV_AWS_338'],
  resourceTypes: ['aws_cloudwatch_log_group'],
  keywords: /log.*retain|retention|twelve months|12 months/i,
  responseTypes: /log group|cloudwatch/i,
  breaking: false,
  settings: [{ path: ['retention_in_days'], ok: retained, value: '365', unsetOk: true, expect: '>= 365' }],
  explanation:
    "Keeps the log group's events for 365 days, the minimum most audit frameworks require. Storage costs grow with retention.",
});
