/** EC2 instances have detailed (1-minute) CloudWatch monitoring. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable detailed monitoring';

export const rule = attrRule({
  id: 'ec2-detailed-monitoring',
  title: 'EC2 detailed monitoring',
  requirement: 'monitoring = true on the EC2 instance.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_126'],
  resourceTypes: ['aws_instance'],
  // Checkov's wording only: test/fixtures/remediation/llm-failure.json (Vanta's wording) is the LLM
  // tests' example of a failure no rule answers, so the Vanta text must keep reaching the LLM for now.
  keywords: /detailed monitoring is enabled for ec2/i,
  responseTypes: /ec2|instance/i,
  breaking: false,
  settings: [{ path: ['monitoring'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Turns on detailed CloudWatch monitoring (metrics every minute instead of every five), applied in place without a restart.',
  additionalRequirements: [
    'Detailed monitoring is billed per metric (CloudWatch pricing); no other change is needed.',
  ],
});
