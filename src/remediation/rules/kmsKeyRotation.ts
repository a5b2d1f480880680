/** Symmetric KMS keys rotate yearly. */
import { attrRule, eq } from './attrRule';
import { read } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable key rotation';

export const rule = attrRule({
  id: 'kms-key-rotation',
  title: 'KMS key rotation',
  requirement: 'enable_key_rotation = true on symmetric customer managed keys.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_7'],
  resourceTypes: ['aws_kms_key'],
  keywords: /\bkms\b.*rotat|key rotation/i,
  responseTypes: /kms|key/i,
  breaking: false,
  settings: [{ path: ['enable_key_rotation'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Enables automatic yearly rotation of the KMS key material; existing ciphertext stays decryptable.',
  notApplicable: (ctx) => {
    const spec = read(ctx, 'customer_master_key_spec');
    return spec.set && spec.known && spec.value !== 'SYMMETRIC_DEFAULT'
      ? `automatic rotation applies to symmetric keys only (${String(spec.value)})`
      : null;
  },
});
