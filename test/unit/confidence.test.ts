/** An LLM fix's confidence is capped unless a rule re-check or terraform validate passed on it. */
import { cappedConfidence } from '../../src/remediation/engine';
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
