/** Auto Scaling launch configurations require IMDSv2. */
import { attrRule } from './attrRule';
import { IMDSV2_REQUIRED } from './ec2Imdsv2';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Require IMDSv2';

export const rule = attrRule({
  id: 'launch-configuration-imdsv2',
  title: 'Launch configuration requires IMDSv2',
  requirement: 'metadata_options { http_tokens = "required" } on the launch configuration.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_79'],
  resourceTypes: ['aws_launch_configuration'],
  keywords: /imds|instance metadata/i,
  responseTypes: /launch configuration|auto ?scaling/i,
  breaking: true,
  settings: [IMDSV2_REQUIRED],
  explanation:
    'Requires session tokens for the instance metadata service (IMDSv2) on instances the Auto Scaling group launches, which blocks SSRF-style credential theft through IMDSv1.',
  breakingChanges: [
    'Launch configurations are immutable: Terraform replaces it (the Auto Scaling group needs create_before_destroy on the launch configuration, or a name_prefix, for the swap), and only newly launched instances get IMDSv2; software calling IMDSv1 without a token must be updated.',
  ],
});
