/**
 * Remediation benchmark: rule fix time (generate + verify) per failure on the large fixture and on a
 * generated repository, and the LLM prompt size (token estimate, 4 chars/token) per failure versus
 * sending the whole file. Usage: tsx bench/remediation.ts [generatedFiles]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanIndex } from '../src/remediation/scan';
import type { Failure, Target } from '../src/contracts';
import { generateWithRules, llmContextBlocks, verifyFix } from '../src/remediation/engine';
import { buildUserMessage, SYSTEM_PROMPT } from '../src/remediation/llm/prompt';
import { estimateTokens } from '../src/sandbox/emulators/bedrockEmulator';
import { getParser, indexRepository, locate, type RepoIndex } from '../src/terraform';
import { generateRepo } from './gen-repo';

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

async function benchRepo(label: string, dir: string, limit: number): Promise<void> {
  const t0 = performance.now();
  const index: RepoIndex = await indexRepository(dir);
  const indexMs = performance.now() - t0;
  const violations = scanIndex(index).slice(0, limit);
  const fixMs: number[] = [];
  const promptTok: number[] = [];
  const fileTok: number[] = [];
  let fixed = 0;
  for (const v of violations) {
    const failure: Failure = {
      key: `bench:${v.ruleId}:${v.address}`,
      source: 'file',
      testId: v.ruleId,
      resource: { terraformAddress: v.address, file: v.file },
    };
    const loc = locate(index, failure);
    if (!loc.target) continue;
    const target: Target = loc.target;
    const t = performance.now();
    const gen = generateWithRules(index, target, { ...failure, testId: ruleCheckovOrId(v.ruleId) });
    if (gen.status === 'patch') {
      const r = await verifyFix(index, target, failure, gen, { terraformValidate: false });
      if (r.ok) fixed++;
    }
    fixMs.push(performance.now() - t);
    const user = buildUserMessage({
      failure,
      target,
      blocks: llmContextBlocks(index, target),
      provider: index.provider,
    });
    promptTok.push(estimateTokens(user));
    fileTok.push(estimateTokens(index.files[target.file].text));
  }
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  console.log(
    [
      label,
      Object.keys(index.files).length,
      Math.round(indexMs),
      violations.length,
      fixed,
      avg(fixMs).toFixed(1),
      (pct(fixMs, 0.95) ?? 0).toFixed(1),
      Math.round(avg(promptTok)),
      Math.round(avg(fileTok)),
      estimateTokens(
        Object.values(index.files)
          .map((f) => f.text)
          .join('\n'),
      ),
    ].join('\t'),
  );
}

import { RULES } from '../src/remediation/match';
function ruleCheckovOrId(ruleId: string): string {
  const r = RULES.find((x) => x.id === ruleId);
  return r?.vantaTestIds[0] ?? r?.checkovIds[0] ?? ruleId;
}

async function main(): Promise<void> {
  await getParser();
  const gen = Number(process.argv[2] ?? 300);
  console.log(`system prompt (cached): ~${estimateTokens(SYSTEM_PROMPT)} tokens`);
  console.log(
    'repo\tfiles\tindex_ms\tviolations\tfixed\tfix_ms_avg\tfix_ms_p95\tprompt_tok_avg\twhole_file_tok_avg\twhole_repo_tok',
  );
  await benchRepo('large-fixture', path.join(__dirname, '..', 'test', 'fixtures', 'terraform', 'large'), 200);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rem-bench-'));
  try {
    generateRepo(dir, gen);
    await benchRepo(`generated-${gen}`, dir, 100);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
