/** CodeBuild projects that write build logs to S3 keep their encryption on. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt S3 build logs';

export const rule = attrRule({
  id: 'codebuild-s3-logs-encryption',
  title: 'CodeBuild S3 build logs encrypted',
  requirement: 'logs_config { s3_logs { encryption_disabled = false } } (or unset).',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_311'],
  resourceTypes: ['aws_codebuild_project'],
  keywords: /codebuild.*s3 log.*encrypt|codebuild.*log.*encrypt/i,
  responseTypes: /codebuild|build project/i,
  breaking: false,
  impactNote: 'None.',
  settings: [
    {
      path: ['logs_config', 's3_logs', 'encryption_disabled'],
      ok: eq(false),
      value: 'false',
      unsetOk: true,
      expect: 'false',
    },
  ],
  explanation: 'Encrypts the build logs CodeBuild writes to S3 again.',
});
