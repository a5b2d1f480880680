/** CloudTrail trails record every region. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable multi-region logging';

export const rule = attrRule({
  id: 'cloudtrail-multi-region',
  title: 'CloudTrail multi-region trail',
  requirement: 'is_multi_region_trail = true (and global service events included).',
  vantaTestIds: ['infra-activity-tracked-config'],
  checkovIds: ['CKV_AWS_67'],
  resourceTypes: ['aws_cloudtrail'],
  keywords: /cloudtrail|activity.*track|audit log/i,
  responseTypes: /trail/i,
  breaking: false,
  settings: [
    { path: ['is_multi_region_trail'], ok: eq(true), value: 'true', expect: 'true' },
    {
      path: ['include_global_service_events'],
      ok: eq(true),
      value: 'true',
      unsetOk: true,
      expect: 'true (default)',
    },
  ],
  explanation: 'Makes the trail record API activity in every region, including global services such as IAM.',
});
