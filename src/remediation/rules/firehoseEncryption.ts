/**
 * Kinesis Data Firehose delivery streams encrypt data at rest (server-side encryption with the AWS
 * owned key). Streams fed by a Kinesis data stream take the source stream's encryption instead: no fix.
 */
import type { Rule } from '../types';
import { attrRule, eq } from './attrRule';
import { need, nestedAt } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable encryption at rest';

const base = attrRule({
  id: 'firehose-encryption',
  title: 'Firehose delivery stream encryption',
  requirement: 'server_side_encryption { enabled = true } on Direct PUT delivery streams.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_240'],
  resourceTypes: ['aws_kinesis_firehose_delivery_stream'],
  keywords: /firehose.*encrypt|encrypt.*firehose/i,
  responseTypes: /firehose|delivery stream/i,
  breaking: false,
  prerequisites: 'A Direct PUT delivery stream (no fix when fed by a Kinesis stream).',
  impactNote: 'None: AWS owned key, applied online.',
  settings: [{ path: ['server_side_encryption', 'enabled'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation: 'Encrypts records at rest in the delivery stream with an AWS owned key (no key to manage).',
});

export const rule: Rule = {
  ...base,
  fix(ctx) {
    if (nestedAt(need(ctx), ['kinesis_source_configuration']))
      throw new Error(
        'the delivery stream reads from a Kinesis data stream: server-side encryption cannot be set on it; encrypt the source stream instead',
      );
    return base.fix(ctx);
  },
};
