/**
 * End to end over the locate corpus (test/fixtures/terraform/corpus): for each repository, a sandbox
 * whose Vanta emulator serves the corpus failures with exactly the documented entity fields, whose
 * GitHub emulator holds the repository, and the production worker (src/workers/main.ts) configured
 * as that repository's team would (GITHUB_REPO_MAPPING with its account ids, rules only). One poll
 * runs every failure; each must be located at the expected block, or end not_found with a reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import pino from 'pino';
import type { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config';
import { readTree, startSandbox, type OrgDefinition, type Sandbox } from '../../src/sandbox/sandbox';
import type { EmulatorTest } from '../../src/sandbox/emulators/vantaEmulator';
import { dataConverterFor } from '../../src/temporal/codec';
import { createVantaApi } from '../../src/vanta';
import { vantaFailureKey } from '../../src/vanta/failures';
import {
  remediationWorkflowId,
  statusQuery,
  type RemediationResult,
  type RemediationStatus,
} from '../../src/workflows/definitions';
import {
  testClient,
  testRedisUrl,
  testTemporalAddress,
  testTmpDir,
  testWorkflowBundle,
  uniqueName,
} from '../harness/env';

jest.setTimeout(600_000);

interface Case {
  id: string;
  repo: string;
  accounts?: string[];
  failure: { displayName: string; responseType: string; testId: string };
  expect: { status: 'found'; address: string; binding?: string } | { status: 'ambiguous' | 'not_found' };
}

const CORPUS = path.join(__dirname, '..', 'fixtures', 'terraform', 'corpus');
const cases = JSON.parse(fs.readFileSync(path.join(CORPUS, 'cases.json'), 'utf8')) as Case[];
const repos = [...new Set(cases.map((c) => c.repo))].sort();
/** The entity fields Vanta documents for GET /v1/tests/{id}/entities, and nothing else. */
const DOCUMENTED = [
  'createdDate',
  'deactivatedReason',
  'displayName',
  'entityStatus',
  'id',
  'lastUpdatedDate',
  'responseType',
];

/** The organisation of one corpus repository: its Vanta tests and the team's mapping. */
function orgFor(repo: string): OrgDefinition {
  const mine = cases.filter((c) => c.repo === repo);
  const tests = new Map<string, EmulatorTest>();
  for (const c of mine) {
    const t = tests.get(c.failure.testId) ?? {
      id: c.failure.testId,
      name: c.failure.testId.replace(/-/g, ' '),
      integrations: ['aws'],
      entities: [],
    };
    t.entities.push({
      id: `ent-${c.id}`,
      displayName: c.failure.displayName,
      responseType: c.failure.responseType,
      entityStatus: 'FAILING',
    });
    tests.set(t.id, t);
  }
  const accounts = [...new Set(mine.flatMap((c) => c.accounts ?? []))];
  return {
    owner: 'corpus',
    repos: [{ name: repo, files: readTree(path.join(CORPUS, repo)) }],
    mapping: {
      default: `corpus/${repo}`,
      ...(accounts.length
        ? { accounts: Object.fromEntries(accounts.map((a) => [a, `corpus/${repo}`])) }
        : {}),
    },
    seed: { tests: [...tests.values()] },
    recordings: [],
    expected: [],
  };
}

const outcomes = new Map<string, { result: RemediationResult; status: RemediationStatus }>();
let entityFields = new Set<string>();

beforeAll(async () => {
  for (const repo of repos) {
    const taskQueue = uniqueName('corpus');
    const sandbox: Sandbox = await startSandbox({
      org: orgFor(repo),
      temporalAddress: testTemporalAddress(),
      redisUrl: testRedisUrl(),
      taskQueue,
      entityIdSuffix: `-${taskQueue}`,
      dir: path.join(testTmpDir(), taskQueue),
      env: { FIX_ENGINE: 'rules', LLM_ENABLED: 'false' },
      logger: pino({ level: 'silent' }),
    });
    let connection: Connection | undefined;
    try {
      const worker = await sandbox.startWorker({ workflowBundlePath: testWorkflowBundle().codePath });
      let client: Client;
      ({ client, connection } = await testClient(dataConverterFor(sandbox.config)));
      // What the Vanta API sends for an entity: exactly the documented fields.
      const redis = new Redis(testRedisUrl(), { keyPrefix: `${taskQueue}:` });
      const api = createVantaApi(loadConfig(sandbox.env), { redis, logger: pino({ level: 'silent' }) });
      for (const t of orgFor(repo).seed.tests) {
        const raw = (await api.request('GET', `/v1/tests/${encodeURIComponent(t.id)}/entities`)) as {
          results: { data: Record<string, unknown>[] };
        };
        for (const e of raw.results.data) for (const k of Object.keys(e)) entityFields.add(k);
      }
      redis.disconnect();

      await client.workflow.execute('pollFailuresWorkflow', {
        taskQueue,
        workflowId: uniqueName('poll'),
        args: [{ options: { followUp: false } }],
      });
      for (const c of cases.filter((x) => x.repo === repo)) {
        const key = vantaFailureKey(c.failure.testId, `ent-${c.id}-${taskQueue}`);
        const h = client.workflow.getHandle(remediationWorkflowId(key));
        const result = (await h.result()) as RemediationResult;
        outcomes.set(c.id, { result, status: await h.query(statusQuery) });
      }
      await worker.shutdown();
    } finally {
      await connection?.close();
      await sandbox.stop();
    }
  }
  entityFields = new Set([...entityFields].sort());
  const found = cases.filter((c) => outcomes.get(c.id)?.status.target).length;
  process.stdout.write(
    `corpus end to end: ${cases.length} failures over ${repos.length} repositories; located ${found}, ended not_found ${
      cases.length - found
    }; outcomes ${JSON.stringify(
      [...outcomes.values()].reduce<Record<string, number>>((m, o) => {
        m[o.result.outcome] = (m[o.result.outcome] ?? 0) + 1;
        return m;
      }, {}),
    )}\n`,
  );
});

it('the Vanta emulator sends exactly the documented entity fields', () => {
  expect([...entityFields]).toEqual(DOCUMENTED);
});

it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
  const o = outcomes.get(c.id);
  expect(o).toBeDefined();
  if (c.expect.status === 'found') {
    // Located at the expected block; what happens next depends on the rule catalog.
    expect(o!.status.target?.split(': ').slice(1).join(': ')).toBe(c.expect.address);
    expect(o!.result.outcome).not.toBe('not_found');
  } else {
    expect(o!.result.outcome).toBe('not_found');
    expect(o!.result.reason).toBeTruthy();
  }
});
