import { createMetrics } from '../../src/workers/metrics';

it('exposes stage latency, poll counts, PRs, fixes, tokens and external errors in Prometheus text', async () => {
  const m = createMetrics();
  m.observeStage('analyze', 0.2, true);
  m.observeStage('openPullRequest', 1.5, false);
  m.observeError('openPullRequest', 'GitHubApiError');
  m.observeError('analyze', 'ResourceNotFoundError'); // not an external service: not counted
  m.observePoll({ found: 10, started: 6, alreadyRunning: 1, suppressed: 3, invalid: 0 });
  m.prs.inc({ action: 'created' });
  m.fixes.inc({ engine: 'rule', verification: 'verified' });
  m.llmTokens.inc({ kind: 'input' }, 1200);
  const text = await m.registry.metrics();
  expect(text).toContain('terrafix_stage_duration_seconds_count{stage="analyze",result="ok"} 1');
  expect(text).toContain('terrafix_stage_duration_seconds_count{stage="openPullRequest",result="error"} 1');
  expect(text).toContain('terrafix_failures_total{event="seen"} 10');
  expect(text).toContain('terrafix_failures_total{event="started"} 6');
  expect(text).toContain('terrafix_failures_total{event="deduped"} 1');
  expect(text).toContain('terrafix_failures_total{event="suppressed"} 3');
  expect(text).toContain('terrafix_pull_requests_total{action="created"} 1');
  expect(text).toContain('terrafix_fixes_total{engine="rule",verification="verified"} 1');
  expect(text).toContain('terrafix_llm_tokens_total{kind="input"} 1200');
  expect(text).toContain('terrafix_external_errors_total{service="github",kind="GitHubApiError"} 1');
  expect(text).not.toContain('ResourceNotFoundError');
});
