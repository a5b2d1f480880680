/** GuardDuty is enabled. */
import { accountRule } from './accountCommon';
import { eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable GuardDuty';

export const rule = accountRule({
  id: 'guardduty-enabled',
  title: 'GuardDuty enabled',
  requirement: 'aws_guardduty_detector with enable = true.',
  vantaTestIds: [],
  // CKV_AWS_238: the detector is enabled. CKV2_AWS_3 is not claimed: it also needs an
  // aws_guardduty_organization_configuration (organization auto-enable, set up in the delegated
  // administrator account), which this rule never adds; an enabled detector without one still fails it.
  checkovIds: ['CKV_AWS_238'],
  resourceTypes: ['aws_guardduty_detector'],
  keywords: /guard ?duty|threat detection|intrusion detection/i,
  responseTypes: /account|guardduty/i,
  breaking: false,
  type: 'aws_guardduty_detector',
  settings: [{ path: ['enable'], ok: eq(true), value: 'true', unsetOk: true, expect: 'true (default)' }],
  explanation:
    'Enables the GuardDuty detector for threat detection in this account and region (billed by analysed volume).',
});
