/** SQS queues encrypt messages at rest. */
import type { Rule } from '../types';
import { attrRule, eq } from './attrRule';
import { holds, nonEmptyString } from './helpers';

const base = attrRule({
  id: 'sqs-encryption',
  title: 'SQS queue encryption',
  requirement: 'sqs_managed_sse_enabled = true or a kms_master_key_id.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_27'],
  resourceTypes: ['aws_sqs_queue'],
  keywords: /\bsqs\b.*encrypt|encrypt.*\b(sqs|queue)/i,
  responseTypes: /sqs|queue/i,
  breaking: false,
  settings: [{ path: ['sqs_managed_sse_enabled'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation: 'Enables server-side encryption with SQS-managed keys (SSE-SQS) for messages at rest.',
});

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable encryption at rest';

export const rule: Rule = {
  ...base,
  check: (ctx) =>
    holds(ctx, 'kms_master_key_id', nonEmptyString)
      ? { status: 'compliant', reasons: ['encrypted with a KMS key (kms_master_key_id)'] }
      : base.check(ctx),
};
