/**
 * The Web UI dashboard links: every query is accepted by the real Temporal visibility store (the
 * harness dev server) and selects what its title says; values are quoted so hostile repository
 * names match only themselves; URLs carry the query; `terrafix dashboard` prints them.
 */
import { Command } from 'commander';
import type { Client, Connection } from '@temporalio/client';
import * as defs from '../../src/workflows/definitions';
import { SA } from '../../src/workflows/definitions';
import {
  DEFAULT_UI_URL,
  REMEDIATION_WORKFLOW_TYPE,
  dashboardLinks,
  quoteValue,
  repoLink,
  testLink,
  workflowsUrl,
} from '../../src/cli/dashboard';
import { dashboardJson, register, runDashboard } from '../../src/cli/commands/dashboard';
import { testClient, uniqueName } from '../harness/env';

const UI = 'http://localhost:8233';
const byTitle = (title: string) => {
  const l = dashboardLinks(UI, 'default').find((x) => x.title.startsWith(title));
  if (!l) throw new Error(`no link titled ${title}`);
  return l;
};

describe('dashboard links (pure)', () => {
  it('answers each common question with a remediation-scoped query', () => {
    const links = dashboardLinks(UI, 'default');
    const titles = links.map((l) => l.title);
    for (const t of [
      'All remediations',
      'In progress',
      'Pull requests open',
      'Merged, awaiting the Vanta re-check',
      'Failed',
      'Resource not found',
      'No fix / fix rejected',
      'By repository',
      'By test id',
    ]) {
      expect(titles.some((x) => x.startsWith(t))).toBe(true);
    }
    expect(new Set(titles).size).toBe(titles.length);
    for (const l of links)
      expect(l.query.startsWith(`WorkflowType = '${REMEDIATION_WORKFLOW_TYPE}'`)).toBe(true);
    expect(byTitle('All remediations').query).toBe(`WorkflowType = 'remediateFailureWorkflow'`);
    expect(byTitle('In progress').query).toContain(`ExecutionStatus = 'Running'`);
    expect(byTitle('Pull requests open').query).toContain(`TerraFixOutcome IN ('pr_open', 'pr_opened')`);
    expect(byTitle('Failed (').query).toContain(`TerraFixOutcome = 'failed'`);
    expect(byTitle('By repository').query).toContain(`TerraFixRepo = 'OWNER/NAME'`);
  });

  it('gives every outcome a link', () => {
    // LIVE_OUTCOMES (definitions.ts) lists every TerraFixOutcome value, final and live.
    const outcomes = (defs as { LIVE_OUTCOMES?: readonly string[] }).LIVE_OUTCOMES ?? [
      ...['pr_opened', 'already_compliant', 'not_found', 'no_fix', 'fix_rejected', 'skipped', 'failed'],
      ...[
        'resolved',
        'rejected',
        'stale',
        'resolved_elsewhere',
        'rejected_by_reviewer',
        'pr_open',
        'awaiting_vanta',
      ],
    ];
    const queries = dashboardLinks(UI, 'default').map((l) => l.query);
    for (const o of outcomes) {
      expect({ o, linked: queries.some((q) => q.includes(`'${o}'`)) }).toEqual({ o, linked: true });
    }
  });

  it('builds the workflows-page URL with the query encoded', () => {
    for (const l of dashboardLinks('https://temporal.example.com/', 'team a/b')) {
      expect(l.url.startsWith('https://temporal.example.com/namespaces/team%20a%2Fb/workflows?query=')).toBe(
        true,
      );
      const u = new URL(l.url);
      expect(u.searchParams.get('query')).toBe(l.query);
      expect(u.hash).toBe('');
      expect([...u.searchParams.keys()]).toEqual(['query']);
    }
    const q = `TerraFixRepo = 'a&b=c#d'`;
    expect(workflowsUrl(UI, 'default', q)).toBe(
      `${UI}/namespaces/default/workflows?query=TerraFixRepo%20%3D%20'a%26b%3Dc%23d'`,
    );
  });

  it('quotes values so they cannot end the literal', () => {
    expect(quoteValue('acme/infra')).toBe(`'acme/infra'`);
    expect(quoteValue(`o'brien/infra`)).toBe(`'o\\'brien/infra'`);
    expect(quoteValue('back\\slash')).toBe(`'back\\\\slash'`);
    expect(quoteValue(`x\\' OR 1=1`)).toBe(`'x\\\\\\' OR 1=1'`);
    expect(repoLink(UI, 'default', `x' OR TerraFixRepo != '`).query).toBe(
      `WorkflowType = 'remediateFailureWorkflow' AND TerraFixRepo = 'x\\' OR TerraFixRepo != \\''`,
    );
  });
});

describe('dashboard links against Temporal visibility', () => {
  let client: Client;
  let connection: Connection;
  const taskQueue = uniqueName('dashboard');
  /** Scopes every query to this test's workflows (other test files share the server). */
  const scope = uniqueName('dash-test');
  const started: string[] = [];

  /** A remediation workflow that never runs (no worker on its queue), with the given search attributes. */
  async function startWith(id: string, attrs: { outcome?: string; repo?: string; testId?: string }) {
    const workflowId = `${scope}/${id}`;
    await client.workflow.start(REMEDIATION_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [],
      typedSearchAttributes: [
        { key: SA.testId, value: attrs.testId ?? scope },
        ...(attrs.outcome ? [{ key: SA.outcome, value: attrs.outcome }] : []),
        ...(attrs.repo ? [{ key: SA.repo, value: attrs.repo }] : []),
      ],
    });
    started.push(workflowId);
    return workflowId;
  }

  async function ids(query: string): Promise<string[]> {
    const out: string[] = [];
    for await (const w of client.workflow.list({ query })) out.push(w.workflowId);
    return out.sort();
  }

  /** Visibility is eventually consistent: waits until `query` returns `expected`. */
  async function expectIds(query: string, expected: string[]): Promise<void> {
    const want = [...expected].sort();
    const deadline = Date.now() + 15_000;
    let got = await ids(query);
    while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      got = await ids(query);
    }
    expect({ query, ids: got }).toEqual({ query, ids: want });
  }

  beforeAll(async () => {
    ({ client, connection } = await testClient());
  });
  afterAll(async () => {
    for (const id of started)
      await client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    await connection?.close();
  });

  it('every link query parses (and a broken one is refused)', async () => {
    const queries = [
      ...dashboardLinks(UI, 'default').map((l) => l.query),
      repoLink(UI, 'default', `o'brien\\x/infra`).query,
      testLink(UI, 'default', `t' OR '1' = '1`).query,
    ];
    for (const query of queries) {
      await expect(ids(query)).resolves.toEqual(expect.any(Array));
    }
    await expect(ids(`WorkflowType = 'remediateFailureWorkflow' AND TerraFixRepo = 'x`)).rejects.toThrow();
    await expect(ids(`TerraFixNoSuchAttribute = 'x'`)).rejects.toThrow();
  });

  it('each link selects the remediations its title names', async () => {
    const w = {
      prOpen: await startWith('pr-open', { outcome: 'pr_open' }),
      prOpened: await startWith('pr-opened', { outcome: 'pr_opened' }),
      awaitingVanta: await startWith('awaiting-vanta', { outcome: 'awaiting_vanta' }),
      failed: await startWith('failed', { outcome: 'failed' }),
      notFound: await startWith('not-found', { outcome: 'not_found' }),
      noFix: await startWith('no-fix', { outcome: 'no_fix' }),
      fixRejected: await startWith('fix-rejected', { outcome: 'fix_rejected' }),
      stale: await startWith('stale', { outcome: 'stale' }),
      resolved: await startWith('resolved', { outcome: 'resolved' }),
      skipped: await startWith('skipped', { outcome: 'skipped' }),
      compliant: await startWith('compliant', { outcome: 'already_compliant' }),
      queued: await startWith('queued', {}),
    };
    await client.workflow.getHandle(w.stale).terminate('terminated by the test');
    const all = Object.values(w);
    const within = (q: string) => `${q} AND TerraFixTestId = ${quoteValue(scope)}`;
    const expectations: [string, string[]][] = [
      ['All remediations', all],
      ['In progress', all.filter((x) => x !== w.stale)],
      ['Pull requests open', [w.prOpen, w.prOpened]],
      ['Merged, awaiting the Vanta re-check', [w.awaitingVanta]],
      ['Failed (', [w.failed]],
      ['Workflow failed, timed out or terminated', [w.stale]],
      ['Resource not found', [w.notFound]],
      ['No fix / fix rejected', [w.noFix, w.fixRejected]],
      ['PR closed unmerged or stale', [w.stale]],
      ['Resolved', [w.resolved]],
      ['Skipped', [w.skipped]],
      ['Already compliant', [w.compliant]],
    ];
    for (const [title, expected] of expectations) await expectIds(within(byTitle(title).query), expected);
    await expectIds(testLink(UI, 'default', scope).query, all);
  });

  it('hostile repository names match only themselves', async () => {
    const hostile = [
      `o'brien/infra`,
      `x' OR TerraFixRepo != 'y`,
      `a/b') OR ('1' = '1`,
      `x' OR WorkflowType = 'remediateFailureWorkflow`,
      `a%_*/b`,
    ];
    // Temporal's SQL visibility cannot match these with `=` (it trims a value's outer single quotes and
    // over-escapes \ and " for SQLite): their links must parse and find nothing else.
    const unmatchable = [`x' OR TerraFixRepo != '`, `'lead/x`, `back\\slash/x`, `dq"x/y`, `trailing\\`];
    const byRepo = new Map<string, string>();
    for (const [i, repo] of [...hostile, ...unmatchable].entries()) {
      byRepo.set(repo, await startWith(`hostile-${i}`, { repo }));
    }
    const within = (repo: string) =>
      `${repoLink(UI, 'default', repo).query} AND TerraFixTestId = ${quoteValue(scope)}`;
    for (const repo of hostile) await expectIds(within(repo), [byRepo.get(repo)!]);
    for (const repo of unmatchable) {
      const own = byRepo.get(repo)!;
      await expectIds(`WorkflowId = ${quoteValue(own)}`, [own]);
      const got = await ids(within(repo));
      expect({ repo, others: got.filter((id) => id !== own) }).toEqual({ repo, others: [] });
    }
  });
});

describe('terrafix dashboard', () => {
  const env = { ...process.env };
  afterEach(() => {
    process.env = { ...env };
    jest.restoreAllMocks();
  });

  it('defaults to the dev server UI and says so', () => {
    const r = runDashboard({}, { TEMPORAL_UI_URL: undefined, TEMPORAL_NAMESPACE: 'default' });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(`TEMPORAL_UI_URL is not set: using ${DEFAULT_UI_URL}`);
    for (const l of dashboardLinks(DEFAULT_UI_URL, 'default')) {
      expect(r.stdout).toContain(l.title);
      expect(r.stdout).toContain(l.query);
      expect(r.stdout).toContain(l.url);
    }
  });

  it('uses TEMPORAL_UI_URL and the namespace; --repo / --test add their links; --json is stable', () => {
    const config = { TEMPORAL_UI_URL: 'https://ui.example.com', TEMPORAL_NAMESPACE: 'prod' };
    const d = dashboardJson(config, { repo: 'acme/infra', test: 'aws-s3-public' });
    expect(d).toMatchObject({ uiUrl: 'https://ui.example.com', defaultUiUrl: false, namespace: 'prod' });
    expect(d.links.at(-2)).toEqual(repoLink('https://ui.example.com', 'prod', 'acme/infra'));
    expect(d.links.at(-1)).toEqual(testLink('https://ui.example.com', 'prod', 'aws-s3-public'));
    const r = runDashboard({ json: true, repo: 'acme/infra' }, config);
    expect(r.stderr).toBe('');
    const parsed = JSON.parse(r.stdout) as typeof d;
    expect(parsed.links.map((l) => l.title)).toContain('Repository acme/infra');
    for (const l of parsed.links)
      expect(l.url.startsWith('https://ui.example.com/namespaces/prod/workflows?query=')).toBe(true);
  });

  it('is registered as a command that prints the links for the environment', async () => {
    process.env.TEMPORAL_UI_URL = 'http://127.0.0.1:18233';
    process.env.TEMPORAL_NAMESPACE = 'default';
    const program = new Command('terrafix').exitOverride();
    register(program);
    let stdout = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    await program.parseAsync(['node', 'terrafix', 'dashboard', '--repo', `o'brien/infra`, '--json']);
    const parsed = JSON.parse(stdout) as { links: { title: string; url: string }[] };
    const repo = parsed.links.find((l) => l.title === `Repository o'brien/infra`);
    expect(repo?.url).toBe(repoLink('http://127.0.0.1:18233', 'default', `o'brien/infra`).url);
    expect(process.exitCode ?? 0).toBe(0);
  });
});
