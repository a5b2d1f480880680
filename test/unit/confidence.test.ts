/** An LLM fix's confidence is capped unless a rule re-check or terraform validate passed on it. */
import { cappedConfidence, impactOf } from '../../src/remediation/engine';
import { draftReasons } from '../../src/pullRequests/content';
import type { VerifiedFix } from '../../src/contracts';

it('caps an LLM fix: low when nothing re-checked it, at most medium otherwise; rules keep theirs', () => {
  expect(cappedConfidence('llm', 'high', ['parse', 'guardrails'])).toBe('low');
  expect(cappedConfidence('llm', 'high', ['parse', 'check:s3-versioning'])).toBe('medium');
  expect(cappedConfidence('llm', 'high', ['terraform validate (.)'])).toBe('medium');
  expect(cappedConfidence('llm', 'low', ['check:x'])).toBe('low');
  expect(cappedConfidence('rule', 'high', ['parse'])).toBe('high');
});

it('says why a PR opens as a draft', () => {
  const fix = {
    engine: 'rule',
    breakingChanges: [],
    validation: { ran: ['check:rds-multi-az'], skipped: [] },
  } as unknown as VerifiedFix;
  expect(draftReasons(fix)).toEqual([]);
  expect(draftReasons({ ...fix, engine: 'llm', validation: { ran: ['parse'], skipped: [] } })).toEqual([
    'a model wrote this fix and no TerraFix rule re-checked it',
  ]);
  expect(
    draftReasons({ ...fix, breakingChanges: ['doubles the cost'], reviewReasons: ['no HTTPS listener'] }),
  ).toEqual(['the change may replace or interrupt a resource (see Breaking changes)', 'no HTTPS listener']);
});

it('reads a structured impact from breaking changes when the rule gives none', () => {
  const base = {
    edits: [],
    explanation: '',
    changedAttributes: [],
    confidence: 'high' as const,
    additionalRequirements: [],
  };
  expect(impactOf({ ...base, breakingChanges: [] })).toBeUndefined();
  expect(
    impactOf({
      ...base,
      breakingChanges: ['Encrypting an existing cluster replaces it (a new cluster from a snapshot).'],
    }),
  ).toEqual({
    replacement: 'Encrypting an existing cluster replaces it (a new cluster from a snapshot).',
  });
  expect(impactOf({ ...base, breakingChanges: ['The instance restarts to apply it.'] })).toEqual({
    downtime: 'The instance restarts to apply it.',
  });
  expect(impactOf({ ...base, impact: { cost: 'doubles' }, breakingChanges: ['replaces it'] })).toEqual({
    cost: 'doubles',
  });
});
