/** EC2 instances and launch templates require IMDSv2. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Require IMDSv2';

/** The setting every IMDSv2 rule requires (instances, launch templates, launch configurations). */
export const IMDSV2_REQUIRED = {
  path: ['metadata_options', 'http_tokens'],
  ok: eq('required'),
  value: '"required"',
  expect: '"required"',
};

export const rule = attrRule({
  id: 'ec2-imdsv2',
  title: 'EC2 instance metadata service v2 required',
  requirement: 'metadata_options { http_tokens = "required" }.',
  vantaTestIds: ['infra-ec2instances-imdsv1-disabled'],
  checkovIds: ['CKV_AWS_79'],
  resourceTypes: ['aws_instance', 'aws_launch_template'],
  keywords: /imds|instance metadata/i,
  responseTypes: /ec2|instance/i,
  breaking: false,
  settings: [IMDSV2_REQUIRED],
  explanation:
    'Requires session tokens for the instance metadata service (IMDSv2), which blocks SSRF-style credential theft through IMDSv1.',
  additionalRequirements: [
    'Software on the instance that calls IMDSv1 without a token (very old AWS SDKs/CLIs) must be updated; the setting is applied in place without a restart.',
  ],
});
