import { activityTimings, summarizeActivities } from '../../bench/lib/activityHistory';
import { findBottleneck } from '../../bench/lib/bottleneck';
import { classifyGitHubRequest, endpointOf, summarizeGitHubRequests } from '../../bench/lib/githubRequests';

const sha = 'a'.repeat(40);

describe('classifyGitHubRequest', () => {
  it.each([
    ['GET', '/repos/acme/infra', 'read'],
    ['HEAD', '/repos/acme/infra/pulls/3', 'read'],
    ['GET', `/repos/acme/infra/git/commits/${sha}`, 'read'],
    ['GET', '/git/acme/infra.git/info/refs', 'git'],
    ['POST', '/git/acme/infra.git/git-upload-pack', 'git'],
    ['POST', '/git/acme/infra.git/git-receive-pack', 'write'],
    ['POST', '/repos/acme/infra/git/blobs', 'write'],
    ['POST', '/repos/acme/infra/git/trees', 'write'],
    ['POST', '/repos/acme/infra/git/commits', 'write'],
    ['POST', '/repos/acme/infra/git/refs', 'write'],
    ['PATCH', '/repos/acme/infra/git/refs/heads/terrafix/x', 'write'],
    ['DELETE', '/repos/acme/infra/git/refs/heads/terrafix/x', 'write'],
    ['POST', '/repos/acme/infra/pulls', 'write'],
    ['PATCH', '/repos/acme/infra/pulls/7', 'write'],
    ['POST', '/repos/acme/infra/pulls/7/requested_reviewers', 'write'],
    ['POST', '/repos/acme/infra/labels', 'write'],
    ['POST', '/repos/acme/infra/issues/7/labels', 'write'],
    ['POST', '/repos/acme/infra/issues/7/assignees', 'write'],
    ['POST', '/repos/acme/infra/issues/7/comments', 'write'],
    ['POST', '/app/installations/1/access_tokens', 'other'],
    ['POST', '/graphql', 'other'],
  ])('%s %s is %s', (method, path, kind) => {
    expect(classifyGitHubRequest({ method, path })).toBe(kind);
  });
});

describe('endpointOf', () => {
  it('replaces owner, repository, SHAs, numbers and ref names', () => {
    expect(endpointOf({ method: 'get', path: `/repos/acme/infra/git/commits/${sha}` })).toBe(
      'GET /repos/:owner/:repo/git/commits/:sha',
    );
    expect(endpointOf({ method: 'PATCH', path: '/repos/a/b/git/refs/heads/terrafix/fix-1' })).toBe(
      'PATCH /repos/:owner/:repo/git/refs/:ref',
    );
    expect(endpointOf({ method: 'GET', path: '/repos/a/b/git/ref/heads/main' })).toBe(
      'GET /repos/:owner/:repo/git/ref/:ref',
    );
    expect(endpointOf({ method: 'POST', path: '/repos/a/b/issues/12/labels' })).toBe(
      'POST /repos/:owner/:repo/issues/:n/labels',
    );
    expect(endpointOf({ method: 'GET', path: '/repos/a/b/labels/terrafix' })).toBe(
      'GET /repos/:owner/:repo/labels/:name',
    );
    expect(endpointOf({ method: 'GET', path: '/repos/a/b' })).toBe('GET /repos/:owner/:repo');
    expect(endpointOf({ method: 'POST', path: '/git/a/b.git/git-upload-pack' })).toBe(
      'POST /git/:owner/:repo.git/git-upload-pack',
    );
  });
});

describe('summarizeGitHubRequests', () => {
  it('counts kinds per PR and ranks endpoints', () => {
    const log = [
      { method: 'GET', path: '/repos/a/b', status: 200 },
      { method: 'GET', path: '/repos/a/c', status: 200 },
      { method: 'GET', path: '/git/a/b.git/info/refs', status: 200 },
      { method: 'POST', path: '/git/a/b.git/git-upload-pack', status: 200 },
      { method: 'POST', path: '/repos/a/b/git/blobs', status: 201 },
      { method: 'POST', path: '/repos/a/b/git/blobs', status: 201 },
      { method: 'POST', path: '/repos/a/c/git/blobs', status: 201 },
      { method: 'POST', path: '/repos/a/b/pulls', status: 201 },
      { method: 'POST', path: '/repos/a/b/pulls', status: 403 },
      { method: 'POST', path: '/app/installations/1/access_tokens', status: 201 },
    ];
    const s = summarizeGitHubRequests(log, 2, 2);
    expect(s).toMatchObject({ total: 10, reads: 2, git: 2, gitFetches: 1, writes: 5, other: 1, errors: 1 });
    expect(s.errorStatuses).toEqual({ '403': 1 });
    expect(s.perPr).toEqual({ reads: 1, git: 1, writes: 2.5, other: 0.5, total: 5 });
    expect(s.top).toEqual([
      { endpoint: 'POST /repos/:owner/:repo/git/blobs', kind: 'write', count: 3, perPr: 1.5 },
      { endpoint: 'GET /repos/:owner/:repo', kind: 'read', count: 2, perPr: 1 },
    ]);
  });

  it('has no per-PR numbers without PRs', () => {
    const s = summarizeGitHubRequests([{ method: 'GET', path: '/repos/a/b' }], 0);
    expect(s.perPr).toBeUndefined();
    expect(s.top[0].perPr).toBeUndefined();
  });
});

describe('activityTimings', () => {
  const at = (ms: number) => ({
    seconds: { toNumber: () => Math.floor(ms / 1000) },
    nanos: (ms % 1000) * 1e6,
  });
  const events = [
    {
      eventId: 5,
      eventTime: at(1_000),
      activityTaskScheduledEventAttributes: { activityType: { name: 'prepare' } },
    },
    {
      eventId: 6,
      eventTime: at(1_250),
      activityTaskStartedEventAttributes: { scheduledEventId: 5, attempt: 1 },
    },
    { eventId: 7, eventTime: at(2_250), activityTaskCompletedEventAttributes: { scheduledEventId: 5 } },
    {
      eventId: '11',
      eventTime: at(3_000),
      activityTaskScheduledEventAttributes: { activityType: { name: 'analyze' } },
    },
    {
      eventId: 12,
      eventTime: at(5_000),
      activityTaskStartedEventAttributes: { scheduledEventId: '11', attempt: 2 },
    },
    { eventId: 13, eventTime: at(5_100), activityTaskFailedEventAttributes: { scheduledEventId: 11 } },
    {
      eventId: 14,
      eventTime: at(6_000),
      activityTaskScheduledEventAttributes: { activityType: { name: 'validate' } },
    },
  ];

  it('pairs scheduled, started and closed events by scheduled event id', () => {
    expect(activityTimings(events)).toEqual([
      {
        type: 'prepare',
        scheduledMs: 1_000,
        startedMs: 1_250,
        closedMs: 2_250,
        outcome: 'completed',
        attempt: 1,
      },
      {
        type: 'analyze',
        scheduledMs: 3_000,
        startedMs: 5_000,
        closedMs: 5_100,
        outcome: 'failed',
        attempt: 2,
      },
      { type: 'validate', scheduledMs: 6_000, outcome: 'open', attempt: 1 },
    ]);
  });

  it('summarises execution and queue wait per type, leaving out unfinished activities', () => {
    const s = summarizeActivities([...activityTimings(events), ...activityTimings(events)]);
    expect(Object.keys(s)).toEqual(['prepare', 'analyze']);
    expect(s.prepare).toMatchObject({ count: 2, failed: 0, retried: 0 });
    expect(s.prepare.execution).toMatchObject({ p50: 1000, p95: 1000, count: 2 });
    expect(s.prepare.queueWait).toMatchObject({ p50: 250 });
    expect(s.analyze).toMatchObject({ count: 2, failed: 2, retried: 2 });
    expect(s.analyze.execution.p99).toBe(100);
    expect(s.analyze.queueWait.p50).toBe(2000);
  });
});

describe('findBottleneck', () => {
  it('ranks processes by CPU share and names the top one', () => {
    const b = findBottleneck(
      [
        { pid: 1, label: 'worker-1', cpuSeconds: 26, cpuPctAvg: 26, peakRssMb: 300 },
        { pid: 2, label: 'temporal dev server', cpuSeconds: 10, cpuPctAvg: 10, peakRssMb: 100 },
        { pid: 3, label: 'harness + emulators', cpuSeconds: 78, cpuPctAvg: 78, peakRssMb: 200 },
      ],
      2,
    )!;
    expect(b.top).toBe('harness + emulators');
    expect(b.processes.map((p) => p.role)).toEqual(['harness', 'worker', 'temporal']);
    expect(b.verdict).toBe(
      'bottleneck: emulators (harness + emulators) 78 % of a core; worker-1 26 %, temporal dev server 10 %',
    );
    expect(findBottleneck([], 2)).toBeUndefined();
    const idle = findBottleneck(
      [{ pid: 1, label: 'worker-1', cpuSeconds: 4, cpuPctAvg: 9, peakRssMb: 1 }],
      2,
    )!;
    expect(idle.verdict).toMatch(/^bottleneck: none on CPU .*worker-1 9 % of a core$/);
  });
});
