/** The IAM account password policy meets CIS/SOC 2 expectations. */
import { accountRule } from './accountCommon';
import { atLeast, eq } from './attrRule';

const T = { ok: eq(true), value: 'true', expect: 'true' };

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enforce a strong IAM password policy';

export const rule = accountRule({
  id: 'iam-password-policy',
  title: 'IAM account password policy',
  requirement: 'Minimum length 14, all character classes, reuse prevention 24, max age 90 days.',
  vantaTestIds: [],
  checkovIds: [
    'CKV_AWS_9',
    'CKV_AWS_10',
    'CKV_AWS_11',
    'CKV_AWS_12',
    'CKV_AWS_13',
    'CKV_AWS_14',
    'CKV_AWS_15',
  ],
  resourceTypes: ['aws_iam_account_password_policy'],
  keywords: /password policy/i,
  responseTypes: /account|iam/i,
  breaking: false,
  type: 'aws_iam_account_password_policy',
  settings: [
    { path: ['minimum_password_length'], ok: atLeast(14), value: '14', expect: '>= 14' },
    { path: ['require_lowercase_characters'], ...T },
    { path: ['require_uppercase_characters'], ...T },
    { path: ['require_numbers'], ...T },
    { path: ['require_symbols'], ...T },
    { path: ['password_reuse_prevention'], ok: atLeast(24), value: '24', expect: '>= 24' },
    {
      path: ['max_password_age'],
      ok: (v) => Number(v) > 0 && Number(v) <= 90,
      value: '90',
      expect: '1..90',
    },
    { path: ['allow_users_to_change_password'], ...T },
  ],
  explanation:
    'Sets the IAM password policy to a 14-character minimum with all character classes, blocks reuse of the last 24 passwords and expires passwords after 90 days. Existing passwords stay valid until they are changed or expire.',
});
