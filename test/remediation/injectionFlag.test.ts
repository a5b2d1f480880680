/**
 * Prompt injection is visible to reviewers: a repository comment and a Vanta description that address
 * an assistant put a warning naming the file and line into the fix and the PR body, and the PR gets the
 * terrafix:prompt-injection label; a clean input gets neither.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BedrockEmulator } from '../../src/sandbox/emulators/bedrockEmulator';
import type { PatchModel } from '../../src/remediation/llm/bedrock';
import { remediate } from '../../src/remediation/engine';
import { prBody, prLabels } from '../../src/pullRequests/content';
import type { Failure } from '../../src/contracts';
import { FIXTURES, indexAndLocate, scratchRepo, startLlmEmulator } from './helpers';

const answer = {
  edits: [
    {
      kind: 'set_attribute',
      file: 'main.tf',
      address: 'aws_instance.web',
      path: ['monitoring'],
      value: 'true',
    },
  ],
  explanation: 'Enables detailed monitoring.',
  changedAttributes: ['monitoring'],
  confidence: 'medium',
  breakingChanges: [],
  additionalRequirements: [],
};

let emu: BedrockEmulator;
let client: PatchModel;
const dirs: string[] = [];
beforeAll(async () => {
  ({ emu, client } = await startLlmEmulator());
});
afterAll(async () => {
  await emu.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

it('flags the repository comment and the Vanta description, with file and line, in the fix, body and labels', async () => {
  const dir = scratchRepo(path.join(FIXTURES, 'llm'));
  dirs.push(dir);
  const failure = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'llm-failure.json'), 'utf8')) as Failure;
  const { index, target } = await indexAndLocate(dir, failure);
  emu.enqueue({ toolUse: { input: answer } });
  const r = await remediate(index, target, failure, { engine: 'llm', client });
  if (r.status !== 'fixed') throw new Error(JSON.stringify(r.reasons));
  const found = r.fix.promptInjection ?? [];
  expect(found.map((f) => `${f.source}:${f.line}`)).toEqual(
    expect.arrayContaining(['main.tf:6', 'Vanta description:1']),
  );
  expect(r.fix.warnings.join('\n')).toMatch(/Possible prompt injection in main\.tf line 6/);
  expect(prLabels(failure, r.fix).map((l) => l.name)).toContain('terrafix:prompt-injection');
  expect(prBody({ failure, target, fix: r.fix })).toMatch(/Possible prompt injection in main\.tf line 6/);
});

it('a clean repository and failure get no warning and no label', async () => {
  const dir = scratchRepo({
    'main.tf':
      'resource "aws_instance" "web" {\n  ami           = "ami-1"\n  instance_type = "t3.micro"\n}\n',
  });
  dirs.push(dir);
  const failure: Failure = {
    key: 'file:x',
    source: 'file',
    testId: 'aws-ec2-detailed-monitoring',
    description: 'Detailed monitoring is off.',
    resource: { terraformAddress: 'aws_instance.web', file: 'main.tf' },
  };
  const { index, target } = await indexAndLocate(dir, failure);
  emu.enqueue({ toolUse: { input: answer } });
  const r = await remediate(index, target, failure, { engine: 'llm', client });
  if (r.status !== 'fixed') throw new Error(JSON.stringify(r.reasons));
  expect(r.fix.promptInjection).toBeUndefined();
  expect(prLabels(failure, r.fix).map((l) => l.name)).not.toContain('terrafix:prompt-injection');
});
