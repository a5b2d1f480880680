/** CloudTrail log file integrity validation. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable log file validation';

export const rule = attrRule({
  id: 'cloudtrail-log-file-validation',
  title: 'CloudTrail log file validation',
  requirement: 'enable_log_file_validation = true.',
  vantaTestIds: ['cloudtrail-log-file-validation'],
  checkovIds: ['CKV_AWS_36'],
  resourceTypes: ['aws_cloudtrail'],
  keywords: /(cloudtrail|trail).*(validation|integrity)/i,
  responseTypes: /trail/i,
  breaking: false,
  settings: [{ path: ['enable_log_file_validation'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Turns on log file integrity validation so tampering with delivered CloudTrail logs can be detected.',
});
