/**
 * The state of one group PR run: its members and which of them were told, its PR and how often it
 * was written, the join and leave signals that change them, the groupStatus query, the Web UI's
 * current details and how the run ends. One instance per workflow run: no module state.
 * Deterministic: no I/O.
 */
import { getExternalWorkflowHandle, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PreparedRepo, PullRequestResult } from '../../contracts';
import {
  groupJoinSignal,
  groupLeaveSignal,
  groupStatusQuery,
  prOutcomeSignal,
  type GroupInput,
  type GroupLeave,
  type GroupMember,
  type GroupResult,
  type GroupStatus,
} from '../definitions';

/** One group PR run's state and the operations that report it. */
export class Group {
  readonly info = workflowInfo();
  /** Quiet period after the last join before the PR is (re)written. */
  readonly debounceMs: number;
  /** How often an idle group checks its PR's state. */
  readonly checkEvery: number;
  /** When the group stops waiting for a PR outcome (epoch ms); carried over by continue-as-new. */
  readonly staleAt: number;
  /** The fixes the PR carries, by failure key (insertion order = join order). */
  readonly members: Map<string, GroupMember>;
  /** What each member was last told about the PR. */
  readonly notified: Record<string, 'included' | 'excluded'>;
  pr?: PullRequestResult;
  /** The base the PR was last written on (the newest member's). */
  lastPrepared?: PreparedRepo;
  writes: number;
  /** A member joined or left since the PR was last written. */
  dirty = false;
  /** Joins so far: the quiet period lasts until this stops changing. */
  arrivals = 0;
  /** Members that left because their failure was fixed elsewhere. */
  resolvedElsewhere = 0;
  state: GroupStatus['state'] = 'collecting';

  constructor(readonly input: GroupInput) {
    const options = input.options ?? {};
    const carried = input.carried;
    this.debounceMs = options.groupDebounceMs ?? 30_000;
    this.checkEvery = options.prCheckIntervalMs ?? 4 * 3600_000;
    this.staleAt = carried?.staleAt ?? Date.now() + (options.staleAfterMs ?? 30 * 24 * 3600_000);
    this.members = new Map((carried?.members ?? []).map((m) => [m.failure.key, m]));
    this.notified = { ...(carried?.notified ?? {}) };
    this.pr = carried?.pr;
    this.lastPrepared = carried?.members.at(-1)?.prepared;
    this.writes = carried?.writes ?? 0;
    setHandler(groupJoinSignal, (m) => this.join(m));
    setHandler(groupLeaveSignal, (l) => this.leave(l));
    setHandler(groupStatusQuery, () => this.snapshot());
  }

  private join(m: GroupMember): void {
    this.members.set(m.failure.key, m);
    delete this.notified[m.failure.key];
    this.arrivals += 1;
    this.dirty = true;
  }

  private leave(l: GroupLeave): void {
    // Only a member resolved elsewhere changes the PR; one that merely finished keeps its fix in it.
    if (!l.updatePr || !this.members.has(l.failureKey)) return;
    this.members.delete(l.failureKey);
    delete this.notified[l.failureKey];
    this.resolvedElsewhere += 1;
    this.dirty = true;
  }

  /** The groupStatus query's answer. */
  snapshot(): GroupStatus {
    return {
      groupKey: this.input.groupKey,
      testId: this.input.testId,
      members: [...this.members.values()].map((m) => ({
        failureKey: m.failure.key,
        workflowId: m.workflowId,
        notified: this.notified[m.failure.key],
      })),
      pr: this.pr,
      writes: this.writes,
      state: this.state,
    };
  }

  /** Current Details in the Web UI: members, state, writes and the PR. */
  details(): void {
    setCurrentDetails(
      [
        `**Group ${this.input.groupKey}** — ${this.members.size} resource(s)`,
        `state: ${this.state} · PR writes: ${this.writes}`,
        this.pr?.url ? `PR: ${this.pr.url}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }

  /** Tells every member whose fix the PR carries that it was merged or closed (prOutcome signal). */
  async tellOutcome(state: 'merged' | 'closed'): Promise<void> {
    for (const m of this.members.values()) {
      if (this.notified[m.failure.key] !== 'included') continue;
      try {
        await getExternalWorkflowHandle(m.workflowId).signal(prOutcomeSignal, { state, by: 'group' });
      } catch {
        // The member already finished (it was not following the PR): nothing to tell.
      }
    }
  }

  /** Ends the run with an outcome. */
  done(outcome: GroupResult['outcome']): GroupResult {
    this.state = 'done';
    this.details();
    return { groupKey: this.input.groupKey, outcome, pr: this.pr, writes: this.writes };
  }

  /** The input of the next run when the group continues as new: the same group, its state carried. */
  nextRun(): GroupInput {
    return {
      ...this.input,
      carried: {
        members: [...this.members.values()],
        notified: this.notified,
        pr: this.pr,
        writes: this.writes,
        staleAt: this.staleAt,
      },
    };
  }
}
