/** EBS encryption by default is on for the account/region. */
import { accountRule } from './accountCommon';
import { eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable EBS encryption by default';

export const rule = accountRule({
  id: 'ebs-default-encryption',
  title: 'EBS encryption by default',
  requirement: 'aws_ebs_encryption_by_default with enabled = true.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_106'],
  resourceTypes: ['aws_ebs_encryption_by_default'],
  keywords: /ebs.*default|default.*ebs/i,
  responseTypes: /account|ebs/i,
  breaking: false,
  type: 'aws_ebs_encryption_by_default',
  settings: [{ path: ['enabled'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Turns on EBS encryption by default so every new volume and snapshot copy in the region is encrypted.',
});
