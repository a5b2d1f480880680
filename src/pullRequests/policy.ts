/**
 * TerraFix's pull-request policy, written once over a CodeHostPort (GitHub or local):
 *
 * - One branch per failure key (`terrafix/<rule-or-test>/<hash>`), one PR per branch: a re-run
 *   force-updates TerraFix's own branch and edits the PR instead of opening another.
 * - The fix is committed on the base SHA it was verified on; an unchanged tree on the same single
 *   parent is not committed again (`unchanged`). The default branch is never written to.
 * - A branch whose head commit lacks TerraFix's trailer was edited by someone: never overwritten
 *   (with an open PR both are left untouched; without one the run fails permanently, asking for the
 *   branch to be deleted).
 * - A PR for the failure closed without merge is not reopened: action `rejected_by_reviewer`.
 * - PR_CONCURRENT_LIMIT / PR_HOURLY_LIMIT (TerraFix branches only) throw the retryable
 *   PrLimitReachedError before a new PR is opened. The open count comes from a per-process cache
 *   (./openPulls: listed at most once a minute per repository, corrected by the recent PRs the
 *   hourly limit lists anyway), not from listing every open PR before each new one.
 * - On create: labels and assignees in one request, then reviewers (PR_REVIEWERS, else CODEOWNERS
 *   at the base SHA); reviewer and assignee failures only warn.
 * - Reminders and close comments carry a hidden marker, so a retried activity comments once.
 */
import type { Failure, PreparedRepo, PullRequestResult, RepoRef } from '../contracts';
import { PermanentApiError, redactSecrets } from '../errors';
import type { Logger } from '../logger';
import { CODEOWNERS_PATHS, parseCodeOwners, reviewersFor } from './codeowners';
import { PrLimitReachedError } from './errors';
import { OpenPullCount, type Reservation } from './openPulls';
import { safeRepoPath } from '../security/repoPath';
import {
  BRANCH_PREFIX,
  COMMIT_TRAILER,
  branchName,
  commitMessage,
  draftReasons,
  prBody,
  prLabels,
  prTitle,
  shortHash,
} from './content';
import type {
  CodeHost,
  HeartbeatOption,
  OpenPullRequestRequest,
  PullRequestPolicy,
  PullRequestState,
} from './codeHost';
import type { CodeHostPort, CommitInfo, LabelSpec, PullInfo, ReviewerRequest } from './port';

/** The label a reminder adds to a PR without a review outcome for too long. */
export const STALE_LABEL: LabelSpec = {
  name: 'terrafix:stale',
  color: 'cccccc',
  description: 'TerraFix PR without a review outcome for a long time',
};

/** CODEOWNERS texts kept per repository@SHA. */
const CODEOWNERS_CACHE_MAX = 256;

/** The hidden marker making a comment idempotent: `<!-- terrafix:<kind>:<hash of the text> -->`. */
export function commentMarker(kind: 'reminder' | 'close', text: string): string {
  return `<!-- terrafix:${kind}:${shortHash(text)} -->`;
}

/** Whether a commit was made by TerraFix (it carries the failure-key trailer). */
export function isTerraFixCommit(commit: Pick<CommitInfo, 'message'>): boolean {
  return commit.message.includes(`${COMMIT_TRAILER}:`);
}

export interface PullRequestsOptions<P extends CodeHostPort> {
  port: P;
  policy: PullRequestPolicy;
  logger: Logger;
  /** Clock for the hourly limit and the open-PR cache (tests). */
  now?: () => Date;
  /** How long a listing of a repository's open PRs is used (ms, default 60 s; see ./openPulls). */
  openPullsTtlMs?: number;
}

interface PullContent {
  title: string;
  body: string;
  labels: LabelSpec[];
}

type Outcome = Omit<PullRequestResult, 'branch'>;

const isOurs = (p: PullInfo): boolean => p.branch.startsWith(BRANCH_PREFIX);

/** The CodeHost the activities use: the PR policy over a port, plus the port's repository access. */
export class PullRequests<P extends CodeHostPort = CodeHostPort> implements CodeHost {
  readonly port: P;
  /** Open TerraFix PRs per repository for PR_CONCURRENT_LIMIT (per process; see ./openPulls). */
  readonly openPulls: OpenPullCount;
  private readonly codeOwnersCache = new Map<string, Promise<string | null>>();
  private readonly log: Logger;

  constructor(private readonly o: PullRequestsOptions<P>) {
    this.port = o.port;
    this.log = o.logger.child({ component: 'pull-requests', host: o.port.kind });
    this.openPulls = new OpenPullCount({
      list: (repo) => this.port.listOpenPulls(repo),
      counts: isOurs,
      ttlMs: o.openPullsTtlMs,
      now: () => this.now().getTime(),
    });
  }

  get kind(): P['kind'] {
    return this.port.kind;
  }

  prepare(failure: Failure, opts?: HeartbeatOption): Promise<PreparedRepo> {
    return this.port.prepare(failure, opts);
  }

  defaultBranchHead(repo: RepoRef): Promise<string> {
    return this.port.defaultBranchHead(repo);
  }

  ensureCheckout(repo: RepoRef | PreparedRepo, sha: string, opts?: HeartbeatOption): Promise<string> {
    return this.port.ensureCheckout(repo, sha, opts);
  }

  async openPullRequest(req: OpenPullRequestRequest): Promise<PullRequestResult> {
    const { failure, prepared, fix } = req;
    const repo = prepared.repo;
    const branch = branchName(failure, fix);
    const log = this.log.child({ repo: `${repo.owner}/${repo.name}`, branch, failureKey: failure.key });
    const pulls = await this.port.findPulls(repo, branch);
    const open = pulls.find((p) => p.state === 'open');
    const latest = pulls[0];
    if (!open && latest?.state === 'closed') {
      log.info({ number: latest.number }, 'pull request was closed without merge; not reopening');
      return { action: 'rejected_by_reviewer', url: latest.url, number: latest.number, branch };
    }
    const slot = open ? null : await this.checkLimits(repo);
    try {
      const head = await this.port.getBranchHead(repo, branch);
      if (head && !isTerraFixCommit(head)) {
        if (!open) {
          throw new PermanentApiError(
            `branch ${branch} in ${repo.owner}/${repo.name} holds commits not made by TerraFix and has no open pull request; delete the branch to let TerraFix recreate it`,
          );
        }
        log.warn({ number: open.number }, 'branch has commits not made by TerraFix; leaving it untouched');
        return { action: 'unchanged', url: open.url, number: open.number, branch };
      }
      const changed = await this.writeFix(req, branch, head);
      const content = this.content(req);
      const r = open
        ? await this.update(repo, open, content, changed)
        : await this.create(req, branch, content, slot);
      log.info({ number: r.number, action: r.action }, 'pull request ready');
      return { ...r, branch };
    } finally {
      slot?.release();
    }
  }

  async getPullRequestState(prepared: PreparedRepo, number: number): Promise<PullRequestState> {
    const state = (await this.port.getPull(prepared.repo, number))?.state ?? 'missing';
    if (state !== 'open') this.openPulls.closed(prepared.repo, number);
    return state;
  }

  /** Comments once (marker) on an open PR and labels it `terrafix:stale`; other states: nothing. */
  async remindPullRequest(prepared: PreparedRepo, number: number, comment: string): Promise<void> {
    const repo = prepared.repo;
    const pr = await this.port.getPull(repo, number);
    if (pr?.state !== 'open') {
      this.log.info({ number, state: pr?.state ?? 'missing' }, 'pull request not open; no reminder');
      return;
    }
    if (comment) await this.commentOnce(repo, number, commentMarker('reminder', comment), comment);
    await this.applyLabels(repo, pr, [STALE_LABEL]);
  }

  /**
   * Comments once (marker), closes and deletes TerraFix's branch. A retry after the close still
   * deletes the branch; a PR merged, missing or closed by someone else is left as it is.
   */
  async closePullRequest(prepared: PreparedRepo, number: number, comment: string): Promise<void> {
    const repo = prepared.repo;
    const pr = await this.port.getPull(repo, number);
    if (!pr || pr.state === 'merged') {
      this.log.info({ number, state: pr?.state ?? 'missing' }, 'pull request not open; nothing to close');
      return;
    }
    const marker = comment ? commentMarker('close', comment) : null;
    const commented = marker !== null && (await this.hasMarker(repo, number, marker));
    if (pr.state === 'closed' && !commented) return;
    if (marker && !commented) await this.port.comment(repo, number, withMarker(comment, marker));
    if (pr.state === 'open') await this.port.closePull(repo, number);
    this.openPulls.closed(repo, number);
    if (isOurs(pr)) await this.port.deleteBranch(repo, pr.branch);
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  private content(req: OpenPullRequestRequest): PullContent {
    const { failure, target, fix } = req;
    return {
      title: prTitle(failure, target, fix),
      body: prBody({
        failure,
        target,
        fix,
        localPaths: this.port.localPaths,
        temporalUiUrl: req.temporalUiUrl,
        temporalNamespace: req.temporalNamespace,
      }),
      labels: prLabels(failure, fix),
    };
  }

  /**
   * Throws PrLimitReachedError when a new TerraFix PR would exceed the configured limits; otherwise
   * reserves a slot for it (release it once the PR is created or the attempt fails). The open count
   * may be up to a minute old for PRs beyond the newest 100 (see ./openPulls for why that is fine).
   */
  private async checkLimits(repo: RepoRef): Promise<Reservation> {
    const { concurrentLimit, hourlyLimit } = this.o.policy;
    const name = `${repo.owner}/${repo.name}`;
    const recent = await this.port.listRecentPulls(repo);
    const hourAgo = this.now().getTime() - 3_600_000;
    const createdLastHour = recent.filter((p) => isOurs(p) && Date.parse(p.createdAt) > hourAgo).length;
    return this.openPulls.reserve(repo, recent, (openOurs, reserved) => {
      if (openOurs >= concurrentLimit) {
        throw new PrLimitReachedError(
          `${name} has ${openOurs} open TerraFix pull requests (PR_CONCURRENT_LIMIT=${concurrentLimit}); waiting for some to be merged or closed`,
          'concurrent',
        );
      }
      // Reserved slots are PRs of this process about to be created: they count for the hour too.
      const lastHour = createdLastHour + reserved;
      if (lastHour >= hourlyLimit) {
        throw new PrLimitReachedError(
          `${name} got ${lastHour} TerraFix pull requests in the last hour (PR_HOURLY_LIMIT=${hourlyLimit}); waiting`,
          'hourly',
        );
      }
    });
  }

  /** Commits the fix on the base SHA and points the branch at it; false when the branch holds it already. */
  private async writeFix(
    req: OpenPullRequestRequest,
    branch: string,
    head: CommitInfo | null,
  ): Promise<boolean> {
    const { prepared, fix } = req;
    const repo = prepared.repo;
    const files = fix.files.map((f) => ({ path: safeRepoPath(f.path), content: f.content }));
    const tree = await this.port.writeTree(repo, prepared.baseSha, files);
    if (head && head.tree === tree && head.parents.length === 1 && head.parents[0] === prepared.baseSha) {
      return false;
    }
    const message = commitMessage(req.failure, fix, req.target);
    const sha = await this.port.createCommit(repo, tree, [prepared.baseSha], message);
    await this.port.setBranch(repo, branch, sha, head !== null);
    return true;
  }

  private async create(
    req: OpenPullRequestRequest,
    branch: string,
    c: PullContent,
    slot: Reservation | null,
  ): Promise<Outcome> {
    const repo = req.prepared.repo;
    const { pull, created } = await this.port.createPull(repo, {
      branch,
      base: req.prepared.defaultBranch,
      title: c.title,
      body: c.body,
      draft: draftReasons(req.fix).length > 0,
    });
    if (created) this.openPulls.opened(repo, pull.number);
    slot?.release();
    // Opened concurrently by another attempt between our look-up and create: update that one.
    if (!created) return this.update(repo, pull, c, true);
    await this.labelAndAssign(repo, pull.number, c.labels);
    await this.requestReviewers(req, pull.number);
    return { action: 'created', url: pull.url, number: pull.number };
  }

  private async update(repo: RepoRef, open: PullInfo, c: PullContent, changed: boolean): Promise<Outcome> {
    let action: PullRequestResult['action'] = changed ? 'updated' : 'unchanged';
    if (open.title !== c.title || open.body !== c.body) {
      await this.port.updatePull(repo, open.number, { title: c.title, body: c.body });
      action = 'updated';
    }
    await this.applyLabels(repo, open, c.labels);
    return { action, url: open.url, number: open.number };
  }

  /** Creates and adds the labels the PR lacks (nothing when it has them all). */
  private async applyLabels(repo: RepoRef, pull: PullInfo, labels: LabelSpec[]): Promise<void> {
    const have = new Set(pull.labels);
    if (labels.every((l) => have.has(l.name))) return;
    await this.port.ensureLabels(repo, labels);
    await this.port.addLabels(
      repo,
      pull.number,
      labels.map((l) => l.name),
    );
  }

  /**
   * Labels a PR just created and sets PR_ASSIGNEES, in one request when there are assignees
   * (`setLabelsAndAssignees` replaces both sets: fine on a PR opened a moment ago). Without
   * assignees the additive `addLabels` is as cheap and keeps a label an automation added at once.
   * When that request fails, the assignees only warn and the labels are added on their own.
   */
  private async labelAndAssign(repo: RepoRef, number: number, labels: LabelSpec[]): Promise<void> {
    await this.port.ensureLabels(repo, labels);
    const names = labels.map((l) => l.name);
    const { assignees } = this.o.policy;
    if (!assignees.length) {
      await this.port.addLabels(repo, number, names);
      return;
    }
    try {
      await this.port.setLabelsAndAssignees(repo, number, names, assignees);
    } catch (e) {
      // A refused assignee only warns (as before); a host that is really failing fails addLabels too.
      this.log.warn(
        { number, err: redactSecrets((e as Error).message ?? String(e)) },
        'could not set assignees; adding the labels alone',
      );
      await this.port.addLabels(repo, number, names);
    }
  }

  /** Requests reviewers (config, else CODEOWNERS); failures here only warn. */
  private async requestReviewers(req: OpenPullRequestRequest, number: number): Promise<void> {
    const repo = req.prepared.repo;
    const { reviewers } = this.o.policy;
    try {
      const wanted = reviewers.length > 0 ? splitReviewers(reviewers) : await this.codeOwnerReviewers(req);
      const teams = wanted.teams.map((t) => t.split('/').pop()!).filter(Boolean);
      if (wanted.users.length || teams.length) {
        await this.port.requestReviewers(repo, number, { users: wanted.users, teams });
      }
    } catch (e) {
      this.log.warn(
        { number, err: redactSecrets((e as Error).message ?? String(e)) },
        'could not request reviewers',
      );
    }
  }

  private async codeOwnerReviewers(req: OpenPullRequestRequest): Promise<ReviewerRequest> {
    const text = await this.codeOwnersText(req.prepared);
    if (text === null) return { users: [], teams: [] };
    return reviewersFor(
      parseCodeOwners(text),
      req.fix.files.map((f) => safeRepoPath(f.path)),
    );
  }

  /**
   * The CODEOWNERS file at a commit (null when there is none), cached per repository and SHA: a
   * commit's content never changes, and a burst of PRs on one base would otherwise fetch it each time.
   */
  private codeOwnersText(prepared: PreparedRepo): Promise<string | null> {
    const { repo, baseSha } = prepared;
    const key = `${repo.owner}/${repo.name}@${baseSha}`;
    let hit = this.codeOwnersCache.get(key);
    if (!hit) {
      hit = (async () => {
        for (const p of CODEOWNERS_PATHS) {
          const text = await this.port.readFile(repo, baseSha, p);
          if (text !== null) return text;
        }
        return null;
      })();
      hit.catch(() => this.codeOwnersCache.delete(key));
      this.codeOwnersCache.set(key, hit);
      if (this.codeOwnersCache.size > CODEOWNERS_CACHE_MAX)
        this.codeOwnersCache.delete(this.codeOwnersCache.keys().next().value as string);
    }
    return hit;
  }

  private async hasMarker(repo: RepoRef, number: number, marker: string): Promise<boolean> {
    return (await this.port.listComments(repo, number)).some((c) => c.includes(marker));
  }

  /** Posts `text` with its marker unless a comment with that marker is already there. */
  private async commentOnce(repo: RepoRef, number: number, marker: string, text: string): Promise<void> {
    if (await this.hasMarker(repo, number, marker)) return;
    await this.port.comment(repo, number, withMarker(text, marker));
  }
}

function withMarker(text: string, marker: string): string {
  return `${text}\n\n${marker}`;
}

/** PR_REVIEWERS entries: `org/team` are teams, the others users. */
function splitReviewers(reviewers: string[]): ReviewerRequest {
  return {
    users: reviewers.filter((r) => !r.includes('/')),
    teams: reviewers.filter((r) => r.includes('/')),
  };
}
