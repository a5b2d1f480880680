/** The Vanta emulator itself: the sharp edges the client relies on, checked with plain fetch. */
import fs from 'node:fs';
import path from 'node:path';
import { testTmpDir } from '../harness/env';
import {
  generateSeed,
  startVantaEmulator,
  type VantaEmulator,
} from '../../src/sandbox/emulators/vantaEmulator';
import { APP } from './helpers';

let emu: VantaEmulator | undefined;
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});

async function token(e: VantaEmulator, body: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${e.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: APP.clientId,
      client_secret: APP.clientSecret,
      scope: 'vanta-api.all:read',
      grant_type: 'client_credentials',
      ...body,
    }),
  });
}
const get = (e: VantaEmulator, p: string, tok: string) =>
  fetch(`${e.url}${p}`, { headers: { authorization: `Bearer ${tok}` } });

test('issuing a token revokes the previous one at once', async () => {
  emu = await startVantaEmulator();
  const a = (await (await token(emu)).json()) as {
    access_token: string;
    expires_in: number;
    token_type: string;
  };
  expect(a).toMatchObject({ expires_in: 3600, token_type: 'Bearer' });
  expect((await get(emu, '/v1/tests', a.access_token)).status).toBe(200);
  const b = (await (await token(emu)).json()) as { access_token: string };
  expect((await get(emu, '/v1/tests', a.access_token)).status).toBe(401);
  expect((await get(emu, '/v1/tests', b.access_token)).status).toBe(200);
  expect(emu.tokensIssued).toBe(2);
});

test('the token endpoint allows 5 requests per minute, then 429 with Retry-After', async () => {
  emu = await startVantaEmulator();
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 6; i++) {
    const r = await token(emu);
    statuses.push(r.status);
    retryAfter = r.headers.get('retry-after');
  }
  expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  expect(Number(retryAfter)).toBeGreaterThan(0);
  expect((await token(emu, { client_secret: 'nope' })).status).toBe(401);
  expect((await token(emu, { grant_type: 'password' })).status).toBe(400);
});

test('the per-application request limit answers 429 with Retry-After', async () => {
  emu = await startVantaEmulator({ requestsPerMinute: 3, rateLimitRetryAfterSec: 2 });
  const { access_token } = (await (await token(emu)).json()) as { access_token: string };
  const rs = [];
  for (let i = 0; i < 4; i++) rs.push(await get(emu, '/v1/tests', access_token));
  expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 429]);
  expect(rs[3].headers.get('retry-after')).toBe('2');
});

test('paging: pageSize 1..100, opaque cursors, hasNextPage false on the last page', async () => {
  emu = await startVantaEmulator({ seed: generateSeed({ tests: 1, entitiesPerTest: 3 }) });
  const { access_token } = (await (await token(emu)).json()) as { access_token: string };
  expect((await get(emu, '/v1/tests?pageSize=101', access_token)).status).toBe(400);
  const ids: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const q = `pageSize=2${cursor ? `&pageCursor=${cursor}` : ''}`;
    const body = (await (await get(emu, `/v1/tests/gen-test-000/entities?${q}`, access_token)).json()) as {
      results: { pageInfo: { hasNextPage: boolean; endCursor: string }; data: { id: string }[] };
    };
    ids.push(...body.results.data.map((d) => d.id));
    if (!body.results.pageInfo.hasNextPage) break;
    cursor = body.results.pageInfo.endCursor;
  }
  expect(ids).toEqual(['gen-test-000-ent-0000', 'gen-test-000-ent-0001', 'gen-test-000-ent-0002']);
});

test('seeds load from JSON files and merge; setFailing changes status and lastTestRunDate', async () => {
  const file = path.join(testTmpDir(), `vanta-seed-${process.pid}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      tests: [
        {
          id: 'custom-test',
          name: 'Custom',
          integrations: ['aws'],
          entities: [{ id: 'e1', displayName: 'x', responseType: 'S3 bucket', entityStatus: 'FAILING' }],
        },
      ],
    }),
  );
  emu = await startVantaEmulator({ seed: [file, generateSeed({ tests: 1, entitiesPerTest: 1 })] });
  const { access_token } = (await (await token(emu)).json()) as { access_token: string };
  const list = async () =>
    (
      (await (await get(emu!, '/v1/tests?statusFilter=NEEDS_ATTENTION', access_token)).json()) as {
        results: { data: { id: string; lastTestRunDate: string }[] };
      }
    ).results.data;
  const before = await list();
  expect(before.map((t) => t.id).sort()).toEqual(['custom-test', 'gen-test-000']);
  emu.setFailing('custom-test', []);
  const after = await list();
  expect(after.map((t) => t.id)).toEqual(['gen-test-000']);
  const all = (
    (await (await get(emu, '/v1/tests', access_token)).json()) as {
      results: { data: { id: string; status: string; lastTestRunDate: string }[] };
    }
  ).results.data;
  const custom = all.find((t) => t.id === 'custom-test')!;
  expect(custom.status).toBe('OK');
  expect(custom.lastTestRunDate > before.find((t) => t.id === 'custom-test')!.lastTestRunDate).toBe(true);
});
