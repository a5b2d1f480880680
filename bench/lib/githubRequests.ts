/**
 * Classifies the GitHub emulator's request log (method + path, as `github.requests` records them)
 * into REST reads, git transport (fetch/clone), content-creating writes and the rest, and
 * summarises them per opened pull request.
 */

/** One recorded request (the emulator's RecordedRequest; the path has no query string). */
export interface GitHubRequestLike {
  method: string;
  path: string;
  status?: number;
}

/**
 * read: REST GET/HEAD; git: smart-HTTP fetch/clone traffic (info/refs, git-upload-pack);
 * write: content-creating requests (blobs, trees, commits, refs, pulls, labels, reviewers,
 * assignees, comments, contents, git-receive-pack); other: anything else (token exchange, ...).
 */
export type GitHubRequestKind = 'read' | 'git' | 'write' | 'other';

const GIT_TRANSPORT = /^\/git\/[^/]+\/[^/]+\.git\//;
const CONTENT_WRITE =
  /^\/repos\/[^/]+\/[^/]+\/(git\/(blobs|trees|commits|refs)(\/|$)|pulls(\/\d+(\/(requested_reviewers|comments|reviews|merge))?)?$|labels(\/|$)|issues(\/\d+(\/(labels|comments|assignees))?)?(\/|$)|contents\/)/;
const MUTATING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** The kind of one request (see GitHubRequestKind). */
export function classifyGitHubRequest(r: GitHubRequestLike): GitHubRequestKind {
  const method = r.method.toUpperCase();
  if (GIT_TRANSPORT.test(r.path)) {
    return r.path.endsWith('/git-receive-pack') ? 'write' : 'git';
  }
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (MUTATING.has(method) && CONTENT_WRITE.test(r.path)) return 'write';
  return 'other';
}

/** The request's endpoint with owner, repository, SHAs, numbers and free-form names replaced. */
export function endpointOf(r: GitHubRequestLike): string {
  const method = r.method.toUpperCase();
  let p = r.path;
  const git = /^\/git\/[^/]+\/[^/]+\.git(\/.*)$/.exec(p);
  if (git) return `${method} /git/:owner/:repo.git${git[1]}`;
  const repo = /^\/repos\/[^/]+\/[^/]+(\/.*)?$/.exec(p);
  if (repo) {
    p = (repo[1] ?? '')
      .replace(/^\/git\/(refs?)\/.+$/, '/git/$1/:ref')
      .replace(/^\/(labels|contents|branches|commits)\/.+$/, '/$1/:name')
      .replace(/\/[0-9a-f]{40}(?=\/|$)/g, '/:sha')
      .replace(/\/\d+(?=\/|$)/g, '/:n');
    return `${method} /repos/:owner/:repo${p}`;
  }
  return `${method} ${p.replace(/\/\d+(?=\/|$)/g, '/:n')}`;
}

export interface GitHubRequestStats {
  total: number;
  reads: number;
  /** git fetch/clone requests (info/refs + git-upload-pack) */
  git: number;
  /** git-upload-pack POSTs: the fetches and clones themselves */
  gitFetches: number;
  writes: number;
  other: number;
  /** PRs the counts are divided by (0: no per-PR numbers) */
  prs: number;
  perPr?: { reads: number; git: number; writes: number; other: number; total: number };
  /** Requests that got a 4xx/5xx answer (status 0: not finished when the log was read) */
  errors: number;
  /** Error answers by status code */
  errorStatuses: Record<string, number>;
  /** The most frequent endpoints: [endpoint, count, kind] */
  top: { endpoint: string; kind: GitHubRequestKind; count: number; perPr?: number }[];
}

/** Counts of each kind, per PR when `prs` > 0, and the `topN` most frequent endpoints. */
export function summarizeGitHubRequests(
  requests: readonly GitHubRequestLike[],
  prs: number,
  topN = 5,
): GitHubRequestStats {
  const kinds: Record<GitHubRequestKind, number> = { read: 0, git: 0, write: 0, other: 0 };
  const endpoints = new Map<string, { kind: GitHubRequestKind; count: number }>();
  let gitFetches = 0;
  let errors = 0;
  const errorStatuses: Record<string, number> = {};
  for (const r of requests) {
    const kind = classifyGitHubRequest(r);
    kinds[kind] += 1;
    if (kind === 'git' && r.path.endsWith('/git-upload-pack')) gitFetches += 1;
    if ((r.status ?? 0) >= 400) {
      errors += 1;
      errorStatuses[String(r.status)] = (errorStatuses[String(r.status)] ?? 0) + 1;
    }
    const ep = endpointOf(r);
    const e = endpoints.get(ep) ?? { kind, count: 0 };
    e.count += 1;
    endpoints.set(ep, e);
  }
  const per = (n: number) => (prs > 0 ? n / prs : undefined);
  const total = requests.length;
  return {
    total,
    reads: kinds.read,
    git: kinds.git,
    gitFetches,
    writes: kinds.write,
    other: kinds.other,
    prs,
    perPr:
      prs > 0
        ? {
            reads: kinds.read / prs,
            git: kinds.git / prs,
            writes: kinds.write / prs,
            other: kinds.other / prs,
            total: total / prs,
          }
        : undefined,
    errors,
    errorStatuses,
    top: [...endpoints.entries()]
      .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
      .slice(0, topN)
      .map(([endpoint, e]) => ({ endpoint, kind: e.kind, count: e.count, perPr: per(e.count) })),
  };
}
