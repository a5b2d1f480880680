/**
 * Resolves which repository holds the Terraform for a failure, from GITHUB_REPO_MAPPING:
 * `accounts` (AWS account id) first, then `resourceTypes` (Vanta responseType such as "S3 bucket",
 * a CloudFormation type, or a Terraform resource type), then `prefixes` (longest prefix of the
 * resource display name, ARN resource part or Terraform address), then `default`.
 */
import type { Failure, RepoRef } from '../contracts';
import type { RepoMapping } from '../config';
import { RepoNotMappedError } from '../errors';

const NAME_RE = /^[A-Za-z0-9_.-]+$/;

/** Parses "owner/name" or "owner/name:subdir" into a RepoRef; throws on anything else. */
export function parseRepoSpec(spec: string): RepoRef {
  const m = /^([^/:\s]+)\/([^/:\s]+)(?::(.+))?$/.exec(spec.trim());
  if (!m || !NAME_RE.test(m[1]!) || !NAME_RE.test(m[2]!)) {
    throw new RepoNotMappedError(
      `invalid repository "${spec}": expected "owner/name" or "owner/name:subdir"`,
    );
  }
  const ref: RepoRef = { owner: m[1]!, name: m[2]! };
  if (m[3] !== undefined) {
    const sub = m[3].replace(/^\/+|\/+$/g, '');
    if (!sub || sub.split('/').some((s) => s === '..' || s === '.' || s === '')) {
      throw new RepoNotMappedError(`invalid subdirectory in repository "${spec}"`);
    }
    ref.path = sub;
  }
  return ref;
}

function norm(s: string): string {
  return s.trim().toLowerCase();
}

/** The resource part of an ARN (after the service-specific prefix), e.g. "logs-bucket". */
function arnResource(arn: string | undefined): string | undefined {
  if (!arn?.startsWith('arn:')) return undefined;
  const parts = arn.split(':');
  const res = parts.slice(5).join(':');
  return res.includes('/') ? res.slice(res.indexOf('/') + 1) : res;
}

/** The AWS account id of a failure: the explicit field, else the one in its ARN. */
function accountOf(failure: Failure): string | undefined {
  if (failure.resource.accountId) return failure.resource.accountId;
  const parts = failure.resource.arn?.split(':');
  return parts && parts.length > 4 && /^\d{12}$/.test(parts[4]!) ? parts[4] : undefined;
}

/** Resolves the repository for a failure; throws RepoNotMappedError explaining what was tried. */
export function resolveRepo(failure: Failure, mapping: RepoMapping | undefined): RepoRef {
  if (!mapping) {
    throw new RepoNotMappedError(
      'GITHUB_REPO_MAPPING is not set: set it to JSON such as {"default":"org/infra"} to say which repository holds the Terraform',
    );
  }
  const account = accountOf(failure);
  if (account && mapping.accounts?.[account]) return parseRepoSpec(mapping.accounts[account]);

  const r = failure.resource;
  const types = [r.responseType, r.terraformAddress?.split('.').find((s) => s.startsWith('aws_'))]
    .filter((t): t is string => Boolean(t))
    .map(norm);
  for (const [type, spec] of Object.entries(mapping.resourceTypes ?? {})) {
    if (types.includes(norm(type))) return parseRepoSpec(spec);
  }

  const names = [r.displayName, arnResource(r.arn), r.terraformAddress]
    .filter((n): n is string => Boolean(n))
    .map(norm);
  const prefixes = Object.entries(mapping.prefixes ?? {}).sort((a, b) => b[0].length - a[0].length);
  for (const [prefix, spec] of prefixes) {
    if (names.some((n) => n.startsWith(norm(prefix)))) return parseRepoSpec(spec);
  }

  if (mapping.default) return parseRepoSpec(mapping.default);
  const tried = [
    `account ${account ?? '(none)'}`,
    `resource type ${r.responseType ?? '(none)'}`,
    `names ${names.length ? names.join(', ') : '(none)'}`,
  ].join('; ');
  throw new RepoNotMappedError(
    `no repository mapped for failure ${failure.key} (${tried}) and GITHUB_REPO_MAPPING has no "default"`,
  );
}

/**
 * The AWS account ids a repository can hold: the `accounts` entries of GITHUB_REPO_MAPPING routed to
 * it (same owner, name and path), else AWS_ACCOUNT_IDS. Locate resolves an account id exactly when
 * there is one, and matches only these when there are several.
 */
export function accountIdsOf(
  repo: RepoRef,
  mapping: RepoMapping | undefined,
  awsAccountIds: string[] = [],
): string[] {
  const same = (spec: string) => {
    try {
      const r = parseRepoSpec(spec);
      return r.owner === repo.owner && r.name === repo.name && (r.path ?? '') === (repo.path ?? '');
    } catch {
      return false;
    }
  };
  const mine = Object.entries(mapping?.accounts ?? {})
    .filter(([id, spec]) => /^\d{12}$/.test(id) && same(spec))
    .map(([id]) => id);
  return mine.length > 0 ? mine.sort() : [...awsAccountIds];
}
