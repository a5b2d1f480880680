/** Shared helpers for remediation tests: copy a fixture, index it, locate a target, write a fix. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Failure, Target } from '../../src/contracts';
import { indexRepository, locate, type RepoIndex } from '../../src/terraform';
import { createBedrockPatchModel, type PatchModel } from '../../src/remediation/llm/bedrock';
import { startBedrockEmulator, type BedrockEmulator } from '../../src/sandbox/emulators/bedrockEmulator';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'remediation');

/** Copies a fixture directory (or writes the given files) to a fresh temp dir. */
export function scratchRepo(src: string | Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-rem-'));
  if (typeof src === 'string') fs.cpSync(src, dir, { recursive: true });
  else
    for (const [p, t] of Object.entries(src)) {
      fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      fs.writeFileSync(path.join(dir, p), t);
    }
  return dir;
}

export function failureFor(
  testId: string,
  extra: Partial<Failure> = {},
  resource: Failure['resource'] = {},
): Failure {
  return { key: `file:${testId}`, source: 'file', testId, resource, ...extra };
}

/** Indexes a repo and locates the failure's target (throws when not found). */
export async function indexAndLocate(
  dir: string,
  failure: Failure,
): Promise<{ index: RepoIndex; target: Target }> {
  const index = await indexRepository(dir);
  const loc = locate(index, failure);
  if (!loc.target) throw new Error(`not located: ${loc.reasons.join('; ')}`);
  return { index, target: loc.target };
}

/** Writes the files of a fix into the repo. */
export function writeFiles(dir: string, files: { path: string; content: string }[]): void {
  for (const f of files) fs.writeFileSync(path.join(dir, f.path), f.content);
}

/** A Bedrock emulator and the real Bedrock client pointed at it (dummy credentials, 2 attempts). */
export async function startLlmEmulator(): Promise<{ emu: BedrockEmulator; client: PatchModel }> {
  const emu = await startBedrockEmulator();
  const client = createBedrockPatchModel({
    endpoint: emu.url,
    credentials: { accessKeyId: 'AKIDEMU', secretAccessKey: 'emu' },
    maxAttempts: 2,
    env: {},
  });
  return { emu, client };
}
