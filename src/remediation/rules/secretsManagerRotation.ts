/** Secrets Manager secrets rotate automatically with a rotation Lambda the module already has. */
import type { Rule, RuleContext } from '../types';
import { hasCompanion, insertAfterTarget, instanceRef, newLabel, patch } from './helpers';
import { soleResource, str } from './platformCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable automatic rotation';

/** The secret has an aws_secretsmanager_secret_rotation. */
function rotated(ctx: RuleContext): boolean {
  return hasCompanion(ctx, ['aws_secretsmanager_secret_rotation'], 'secret_id');
}

export const rule: Rule = {
  id: 'secretsmanager-rotation',
  title: 'Secrets Manager automatic rotation',
  requirement: 'An aws_secretsmanager_secret_rotation with an existing rotation Lambda rotates the secret.',
  vantaTestIds: [],
  checkovIds: ['CKV2_AWS_57'],
  resourceTypes: ['aws_secretsmanager_secret'],
  keywords: /secret.*rotat|rotat.*secret/i,
  responseTypes: /secret/i,
  breaking: true,
  prerequisites: 'An existing rotation Lambda in the module (a function named for rotation).',
  impactNote: 'The secret rotates right away, then every 30 days.',
  check(ctx) {
    return rotated(ctx)
      ? { status: 'compliant', reasons: ['the secret has a rotation schedule'] }
      : { status: 'non_compliant', reasons: ['no aws_secretsmanager_secret_rotation for the secret'] };
  },
  fix(ctx) {
    const fn = soleResource(ctx, 'aws_lambda_function', (b) =>
      /rotat/i.test(`${b.labels[1]} ${str(ctx, b, 'function_name')}`),
    );
    if (!fn)
      throw new Error(
        "the module has no rotation Lambda (a function named for rotation): how the secret rotates is the team's choice",
      );
    const label = newLabel(ctx, 'aws_secretsmanager_secret_rotation');
    const { meta, ref } = instanceRef(ctx);
    const text = [
      `resource "aws_secretsmanager_secret_rotation" "${label}" {`,
      ...(meta ? [`  ${meta.trimEnd()}`] : []),
      `  secret_id           = ${ref}.id`,
      `  rotation_lambda_arn = ${fn.localAddress}.arn`,
      '',
      '  rotation_rules {',
      '    automatically_after_days = 30',
      '  }',
      '}',
    ].join('\n');
    return patch({
      edits: [insertAfterTarget(ctx, [text])],
      explanation: `Rotates the secret every 30 days with the existing rotation function ${fn.localAddress} (aws_secretsmanager_secret_rotation.${label}).`,
      changedAttributes: [],
      confidence: 'medium',
      breakingChanges: [
        "Secrets Manager rotates the secret right away: applications that cache the value must re-read it, and the function must support this secret's engine.",
      ],
      additionalRequirements: [
        `Secrets Manager must be allowed to invoke ${fn.localAddress} (aws_lambda_permission for secretsmanager.amazonaws.com), and the function needs network access to the database and the Secrets Manager API.`,
      ],
    });
  },
};
