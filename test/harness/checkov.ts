/**
 * Checkov, the independent judge of fixes: finds the binary (CHECKOV_BIN, the cached virtual
 * environment scripts/setup.sh builds, or PATH), runs it offline on a directory with an allowlisted
 * environment, and returns its failed and passed checks by file and resource.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One check result: its id, the resource address Checkov names and the file relative to the root. */
export interface Finding {
  checkId: string;
  resource: string;
  file: string;
}

/** Every check Checkov evaluated on a directory, split by outcome. */
export interface CheckovReport {
  failed: Finding[];
  passed: Finding[];
}

/** The Checkov executable, or undefined when it is not installed. */
export function findCheckov(): string | undefined {
  const cache = process.env.TERRAFIX_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'terrafix');
  const candidates = [process.env.CHECKOV_BIN, path.join(cache, 'checkov-venv', 'bin', 'checkov')];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  const which = spawnSync('sh', ['-c', 'command -v checkov'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

interface RawCheck {
  check_id: string;
  resource: string;
  file_path: string;
}

const toFindings = (list: RawCheck[] | undefined): Finding[] =>
  (list ?? []).map((f) => ({
    checkId: f.check_id,
    resource: f.resource,
    file: f.file_path.replace(/^\//, ''),
  }));

/**
 * Runs Checkov on `dir` (Terraform only, no network, no module downloads) and returns every failed
 * and passed check. Passed checks are listed too (no `--quiet`): a fix is proven by a check that
 * Checkov evaluated and passed, not by a resource that simply disappeared.
 */
export function runCheckov(bin: string, dir: string): CheckovReport {
  const r = spawnSync(
    bin,
    ['-d', dir, '--framework', 'terraform', '-o', 'json', '--compact', '--skip-download'],
    {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      // An allowlisted environment: no tokens, no proxies; Checkov must not phone home.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: os.tmpdir(),
        LANG: 'C.UTF-8',
        BC_SKIP_MAPPING: 'TRUE',
        CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: 'false',
        LOG_LEVEL: 'ERROR',
      },
    },
  );
  if (r.error) throw r.error;
  // Exit 1 means "some checks failed"; anything else without JSON is a crash.
  const text = r.stdout.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) {
    if (text === '' && r.status === 0) return { failed: [], passed: [] };
    throw new Error(`checkov failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  }
  const doc = JSON.parse(text) as unknown;
  const reports = (Array.isArray(doc) ? doc : [doc]) as {
    results?: { failed_checks?: RawCheck[]; passed_checks?: RawCheck[] };
  }[];
  return {
    failed: reports.flatMap((rep) => toFindings(rep.results?.failed_checks)),
    passed: reports.flatMap((rep) => toFindings(rep.results?.passed_checks)),
  };
}
