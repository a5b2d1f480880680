/**
 * Redshift clusters log connections and user activity. An existing `logging` block is turned on in
 * place (keeping its bucket or destination); a cluster without one logs to CloudWatch Logs, which
 * needs no bucket or policy the team would have to choose.
 */
import type { Rule } from '../types';
import { isTrue, nestedAt, need, patch, read, result, setAttr, show } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable audit logging';

/** The block written when the cluster has no logging configuration. */
const CLOUDWATCH_LOGGING = [
  'logging {',
  '  enable               = true',
  '  log_destination_type = "cloudwatch"',
  '  log_exports          = ["connectionlog", "userlog", "useractivitylog"]',
  '}',
].join('\n');

export const rule: Rule = {
  id: 'redshift-audit-logging',
  title: 'Redshift audit logging',
  requirement: 'logging { enable = true } on the Redshift cluster.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_71'],
  resourceTypes: ['aws_redshift_cluster'],
  keywords: /redshift.*(log|audit)/i,
  responseTypes: /redshift|warehouse/i,
  breaking: false,
  impactNote: 'CloudWatch Logs ingestion and storage (billed per GB).',
  check(ctx) {
    need(ctx);
    const r = read(ctx, 'logging.enable');
    const ok = r.set && r.known && isTrue(r.value);
    return result(ok ? [] : [`logging.enable is ${show(r)}, expected true`], 'logging.enable = true');
  },
  fix(ctx) {
    const b = need(ctx);
    const before = show(read(ctx, 'logging.enable'));
    if (nestedAt(b, ['logging']))
      return patch({
        edits: [setAttr(ctx, b, ['logging', 'enable'], 'true')],
        explanation: `Turns on the cluster's audit logging to its configured destination. Applied online. Changed: logging.enable (${before} → true).`,
        changedAttributes: ['logging.enable'],
      });
    return patch({
      edits: [
        {
          kind: 'add_nested_block',
          file: b.file,
          address: b.localAddress,
          path: [],
          text: CLOUDWATCH_LOGGING,
        },
      ],
      explanation:
        'Turns on audit logging (connection, user and user-activity logs) to CloudWatch Logs, which needs no S3 bucket. Applied online. Changed: logging (unset → enable = true, log_destination_type = "cloudwatch").',
      changedAttributes: ['logging.enable', 'logging.log_destination_type', 'logging.log_exports'],
      additionalRequirements: [
        'The user-activity log is written only when the cluster parameter group sets enable_user_activity_logging = true.',
        'CloudWatch creates the /aws/redshift/cluster/... log groups without retention or KMS unless they exist: declare them if your policy requires it.',
      ],
    });
  },
};
