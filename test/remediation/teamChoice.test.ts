/**
 * A value only the team can choose (which KMS key, which dead-letter queue) is never invented: with
 * nothing in the repository to reuse, the fix declares a clearly named variable for it (or uses the
 * one the module declares), and the PR is a draft saying so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateWithRules, verifyFix, RULES, type PatchResult } from '../../src/remediation/engine';
import { draftReasons } from '../../src/pullRequests/content';
import { copyFixture, failureOf, RULE_FIXTURES } from '../checkov/cases';
import { indexAndLocate } from './helpers';

async function fixShape(ruleId: string, shape: string) {
  const rule = RULES.find((r) => r.id === ruleId)!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-choice-'));
  copyFixture(path.join(RULE_FIXTURES, ruleId, 'shapes', shape), dir);
  const failure = failureOf(rule, dir);
  const { index, target } = await indexAndLocate(dir, failure);
  const gen = generateWithRules(index, target, failure);
  if (gen.status !== 'patch') throw new Error(JSON.stringify(gen));
  const v = await verifyFix(index, target, failure, gen as PatchResult, { terraformValidate: false });
  fs.rmSync(dir, { recursive: true, force: true });
  if (!v.ok) throw new Error(v.errors.join('\n'));
  return {
    gen: gen as PatchResult,
    fix: v.fix,
    text: v.fix.files.find((f) => f.path === 'main.tf')!.content,
  };
}

it('no key to reuse: a variable named for the resource holds the key, the PR is a draft with low confidence', async () => {
  const { fix, text } = await fixShape('efs-cmk-encryption', 'no-key-team-variable');
  expect(text).toMatch(/\n {2}kms_key_id\s+= var\.home_kms_key_arn\n/);
  expect(text).toContain(
    'variable "home_kms_key_arn" {\n  description = "ARN of the customer managed KMS key for aws_efs_file_system.home (the team\'s choice)"\n  type        = string\n}',
  );
  // Only a description and a type: no default the team did not choose.
  expect(text).not.toMatch(/default\s*=/);
  expect(fix.confidence).toBe('low');
  expect(fix.reviewReasons).toEqual([
    'a value only the team can choose: the repository has no customer managed KMS key to reuse, so this PR declares variable "home_kms_key_arn" without a default; set it before merging',
  ]);
  expect(fix.additionalRequirements[0]).toBe(
    'Set var.home_kms_key_arn (e.g. in terraform.tfvars) to the ARN of the customer managed KMS key for aws_efs_file_system.home.',
  );
  expect(draftReasons(fix)).toContain(fix.reviewReasons![0]);
});

it('a variable of that name is already declared: it is used, nothing new is declared', async () => {
  const { gen, text } = await fixShape('secretsmanager-cmk', 'declared-team-variable');
  expect(gen.patch.edits.map((e) => e.kind)).toEqual(['set_attribute']);
  expect(text).toMatch(/kms_key_id\s+= var\.api_key_kms_key_arn/);
  expect(text.match(/variable "api_key_kms_key_arn"/g)).toHaveLength(1);
  expect(gen.patch.reviewReasons?.[0]).toMatch(/uses the declared variable "api_key_kms_key_arn"/);
});

it('nested settings and non-key choices: ECR encryption_configuration, a Lambda dead-letter target', async () => {
  const ecr = await fixShape('ecr-kms-encryption', 'no-key-team-variable');
  expect(ecr.text).toMatch(
    /encryption_configuration \{\s+encryption_type = "KMS"\s+kms_key\s+= var\.worker_kms_key_arn\s+\}/,
  );
  const dlq = await fixShape('lambda-dlq', 'no-queue-team-variable');
  expect(dlq.text).toMatch(
    /dead_letter_config \{\s+target_arn = var\.thumbnails_dead_letter_target_arn\s+\}/,
  );
  expect(dlq.fix.reviewReasons?.[0]).toMatch(/no dead-letter SQS queue or SNS topic to reuse/);
});
