/**
 * The cross-run remediation record in Redis: one JSON value per failure key, with a TTL.
 * Claims are atomic (a Lua script), so two runs can never both believe they own a failure.
 */
import type Redis from 'ioredis';
import type { RecordStatus, RemediationRecord } from '../contracts';

/** Statuses that stop a new remediation from starting while the record lives. */
export const BLOCKING_STATUSES: ReadonlySet<RecordStatus> = new Set<RecordStatus>([
  'in_progress',
  'pr_open',
  'already_compliant',
  'not_found',
  'no_fix',
  'fix_rejected',
  'rejected',
  'resolved',
  'resolved_elsewhere',
  'stale',
  'failed',
]);

/** Outcomes decided on one commit: a new commit on the default branch makes them worth another try. */
export const RECHECK_ON_NEW_COMMIT: ReadonlySet<RecordStatus> = new Set<RecordStatus>([
  'not_found',
  'no_fix',
  'fix_rejected',
]);

// KEYS[1] = record key, ARGV[1] = the record JSON last read: deletes it only if nothing rewrote it.
const DELETE_IF_SAME = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local ok, a = pcall(cjson.decode, cur)
local ok2, b = pcall(cjson.decode, ARGV[1])
if ok and ok2 and a['runId'] == b['runId'] and a['status'] == b['status'] and a['updatedAt'] == b['updatedAt'] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

// KEYS[1] = record key. ARGV: workflowId, runId, nowIso, ttlSeconds, newRecordJson.
// Claimed when there is no record, when the record belongs to this run (an activity retry), or when
// it is an in_progress claim of an earlier run of the same workflow id: Temporal allows one open run
// per workflow id, so that run has ended (terminated or crashed) and its claim is stale.
// Returns "1" or the existing record JSON.
const CLAIM_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, rec = pcall(cjson.decode, cur)
  if ok and type(rec) == 'table' then
    if rec['runId'] == ARGV[2] then return '1' end
    if not (rec['workflowId'] == ARGV[1] and rec['status'] == 'in_progress') then
      return cur
    end
  end
end
redis.call('SET', KEYS[1], ARGV[5], 'EX', tonumber(ARGV[4]))
return '1'
`;

export interface RecordStoreOptions {
  /** Default TTL for records (STATE_RETENTION_DAYS). */
  ttlSeconds: number;
  prefix?: string;
}

export class RecordStore {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RecordStoreOptions,
  ) {
    this.prefix = opts.prefix ?? 'terrafix:record:';
  }

  private key(failureKey: string): string {
    return this.prefix + failureKey;
  }

  /** Atomically claims a failure for a workflow run; returns the blocking record when someone else holds it. */
  async claim(input: {
    failureKey: string;
    workflowId: string;
    runId: string;
  }): Promise<{ claimed: true } | { claimed: false; existing: RemediationRecord }> {
    const now = new Date().toISOString();
    const rec: RemediationRecord = {
      failureKey: input.failureKey,
      status: 'in_progress',
      workflowId: input.workflowId,
      runId: input.runId,
      stage: 'claim',
      createdAt: now,
      updatedAt: now,
    };
    const res = (await this.redis.eval(
      CLAIM_SCRIPT,
      1,
      this.key(input.failureKey),
      input.workflowId,
      input.runId,
      now,
      String(this.opts.ttlSeconds),
      JSON.stringify(rec),
    )) as string;
    if (res === '1') return { claimed: true };
    return { claimed: false, existing: parseRecord(res, input.failureKey) };
  }

  /** Writes the record (keeping createdAt), with the given or default TTL. */
  async put(
    input: Omit<RemediationRecord, 'createdAt' | 'updatedAt'> & { ttlSeconds?: number },
  ): Promise<RemediationRecord> {
    const { ttlSeconds, ...fields } = input;
    const prev = await this.get(input.failureKey);
    const now = new Date().toISOString();
    const rec: RemediationRecord = {
      ...fields,
      createdAt: prev && prev.runId === input.runId ? prev.createdAt : now,
      updatedAt: now,
    };
    await this.redis.set(
      this.key(input.failureKey),
      JSON.stringify(rec),
      'EX',
      ttlSeconds ?? this.opts.ttlSeconds,
    );
    return rec;
  }

  async get(failureKey: string): Promise<RemediationRecord | undefined> {
    const raw = await this.redis.get(this.key(failureKey));
    return raw ? parseRecord(raw, failureKey) : undefined;
  }

  /** Records for many keys in one round trip (missing keys are absent from the map). */
  async getMany(keys: string[]): Promise<Map<string, RemediationRecord>> {
    const out = new Map<string, RemediationRecord>();
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      const vals = await this.redis.mget(...chunk.map((k) => this.key(k)));
      vals.forEach((v, j) => {
        if (v) out.set(chunk[j]!, parseRecord(v, chunk[j]!));
      });
    }
    return out;
  }

  /**
   * Keys whose record blocks a new remediation. With `headOf`, a not_found / no_fix / fix_rejected
   * record stops blocking (and is deleted) once its repository's default branch has moved past the
   * commit it was decided on: the repository changed, so the answer may have too.
   */
  async suppressed(
    keys: string[],
    opts: { headOf?: (repo: string) => Promise<string | undefined> } = {},
  ): Promise<string[]> {
    const recs = await this.getMany(keys);
    const heads = new Map<string, Promise<string | undefined>>();
    const headOf = (repo: string) => {
      let h = heads.get(repo);
      if (!h) {
        // A lookup that fails keeps the record: the TTL still ends it.
        h = opts.headOf!(repo).catch(() => undefined);
        heads.set(repo, h);
      }
      return h;
    };
    const out: string[] = [];
    for (const k of keys) {
      const r = recs.get(k);
      if (r === undefined || !BLOCKING_STATUSES.has(r.status)) continue;
      if (opts.headOf && RECHECK_ON_NEW_COMMIT.has(r.status) && r.repo && r.sha) {
        const head = await headOf(r.repo);
        if (head && head !== r.sha) {
          await this.redis.eval(DELETE_IF_SAME, 1, this.key(k), JSON.stringify(r));
          continue;
        }
      }
      out.push(k);
    }
    return out;
  }

  async delete(failureKey: string): Promise<void> {
    await this.redis.del(this.key(failureKey));
  }

  /** Seconds left on a record (-2 when absent). */
  ttl(failureKey: string): Promise<number> {
    return this.redis.ttl(this.key(failureKey));
  }
}

function parseRecord(raw: string, failureKey: string): RemediationRecord {
  try {
    return JSON.parse(raw) as RemediationRecord;
  } catch {
    return {
      failureKey,
      status: 'failed',
      workflowId: '',
      runId: '',
      reason: 'unreadable record',
      createdAt: '',
      updatedAt: '',
    };
  }
}
