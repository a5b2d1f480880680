/** CodeBuild projects keep artifact encryption on. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable artifact encryption';

export const rule = attrRule({
  id: 'codebuild-artifact-encryption',
  title: 'CodeBuild artifact encryption not disabled',
  requirement: 'artifacts { encryption_disabled = false } (or unset).',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_78'],
  resourceTypes: ['aws_codebuild_project'],
  keywords: /codebuild.*(encrypt|artifact)/i,
  responseTypes: /codebuild|build project/i,
  breaking: false,
  impactNote: 'None.',
  settings: [
    {
      path: ['artifacts', 'encryption_disabled'],
      ok: eq(false),
      value: 'false',
      unsetOk: true,
      expect: 'false',
    },
  ],
  explanation:
    "Encrypts the project's build artifacts again (with the project's encryption_key, else the AWS managed key for S3).",
});
