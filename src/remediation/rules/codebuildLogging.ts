/**
 * CodeBuild projects declare where build logs go. CodeBuild sends logs to CloudWatch Logs unless told
 * otherwise, so the fix writes that default explicitly (cloudwatch_logs { status = "ENABLED" }).
 */
import type { Rule } from '../types';
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Declare build logging';

const base = attrRule({
  id: 'codebuild-logging',
  title: 'CodeBuild project logging configured',
  requirement: 'logs_config with cloudwatch_logs or s3_logs.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_314'],
  resourceTypes: ['aws_codebuild_project'],
  keywords: /codebuild.*log/i,
  responseTypes: /codebuild|build project/i,
  breaking: false,
  impactNote: 'None: CloudWatch logging is already the default; it is now declared.',
  settings: [
    {
      path: ['logs_config', 'cloudwatch_logs', 'status'],
      ok: eq('ENABLED'),
      value: '"ENABLED"',
      expect: '"ENABLED"',
    },
  ],
  explanation: "Declares the project's build logs in CloudWatch Logs (CodeBuild's default, now explicit).",
});

export const rule: Rule = {
  ...base,
  check: (ctx) => {
    const b = ctx.block;
    const logs = b?.blocks.find((n) => n.type === 'logs_config');
    if (logs?.blocks.some((n) => n.type === 's3_logs' || n.type === 'cloudwatch_logs'))
      return { status: 'compliant', reasons: ['logs_config declares cloudwatch_logs or s3_logs'] };
    return base.check(ctx);
  },
};
