/**
 * Grouped PRs (GROUP_BY=test): the synthetic failure a group PR is opened for, and one verified fix
 * built from several members' patches at the group's base (members that no longer apply are excluded).
 * Pure remediation logic over an index: the grouping activities call it.
 */
import type { Confidence, Failure, GroupMember, Impact, Patch, TokenUsage, VerifiedFix } from '../contracts';
import { failureLabel } from '../failure';
import type { RepoIndex } from '../terraform';
import { addTokens, verifyFix, type VerifyOptions } from './engine';

/** The synthetic failure a group PR is opened for: its key (hence its branch) is stable per group. */
export function groupFailure(groupKey: string, testId: string, members: GroupMember[]): Failure {
  const first = members[0]?.failure;
  const order = ['critical', 'high', 'medium', 'low'] as const;
  const severity = order.find((s) => members.some((m) => m.failure.severity === s));
  return {
    key: `group:${groupKey}`,
    source: first?.source ?? 'vanta',
    testId,
    testName: first?.testName,
    testUrl: first?.testUrl,
    severity,
    frameworks: [...new Set(members.flatMap((m) => m.failure.frameworks ?? []))],
    resource: {
      displayName: `${members.length} resource${members.length === 1 ? '' : 's'}`,
      responseType: first?.resource.responseType,
    },
    description: first?.description,
    remediation: first?.remediation,
  };
}

/** One patch holding the edits of several members, in order (the first member's metadata otherwise). */
function combinePatches(members: GroupMember[]): Patch {
  const ps = members.map((m) => m.generated.patch);
  return {
    edits: ps.flatMap((p) => p.edits),
    explanation: ps.map((p) => p.explanation).join('\n'),
    changedAttributes: [...new Set(ps.flatMap((p) => p.changedAttributes))],
    confidence: lowestConfidence(ps.map((p) => p.confidence)),
    breakingChanges: [...new Set(ps.flatMap((p) => p.breakingChanges))],
    additionalRequirements: [...new Set(ps.flatMap((p) => p.additionalRequirements))],
    removes: [...new Set(ps.flatMap((p) => p.removes ?? []))],
    ...(ps.some((p) => p.reviewReasons?.length)
      ? { reviewReasons: [...new Set(ps.flatMap((p) => p.reviewReasons ?? []))] }
      : {}),
    ...(combinedImpact(ps) ? { impact: combinedImpact(ps) } : {}),
  };
}

/** The members' impacts, each kind's texts joined (a group PR shows every member's cost, downtime...). */
function combinedImpact(ps: Patch[]): Impact | undefined {
  const out: Impact = {};
  for (const k of ['cost', 'downtime', 'replacement', 'removal'] as const) {
    const texts = [...new Set(ps.flatMap((p) => (p.impact?.[k] ? [p.impact[k]] : [])))];
    if (texts.length) out[k] = texts.join(' ');
  }
  return Object.keys(out).length ? out : undefined;
}

function lowestConfidence(cs: Confidence[]): Confidence {
  return cs.includes('low') ? 'low' : cs.includes('medium') ? 'medium' : 'high';
}

export interface GroupFixResult {
  /** The combined verified fix (absent when no member's patch survived). */
  fix?: VerifiedFix;
  included: string[];
  excluded: { failureKey: string; reason: string }[];
}

/**
 * Rebuilds a group's combined fix on `index` (the base the PR is written on). Members are taken per
 * Terraform module directory; within one, each member's patch is applied on top of the accepted ones
 * and the combined result is verified against that member's target (guardrails, parse, validation,
 * its rule re-check). A final pass re-checks every accepted member on the final combination; a member
 * that no longer applies or verifies is excluded with the reason.
 */
export async function buildGroupFix(
  index: RepoIndex,
  members: GroupMember[],
  opts: VerifyOptions & { heartbeat?: () => void } = {},
): Promise<GroupFixResult> {
  const excluded: GroupFixResult['excluded'] = [];
  const byDir = new Map<string, GroupMember[]>();
  for (const m of members) byDir.set(m.target.moduleDir, [...(byDir.get(m.target.moduleDir) ?? []), m]);
  const parts: GroupPart[] = [];
  for (const dirMembers of byDir.values()) {
    const part = await acceptInModule(index, dirMembers, opts, excluded);
    if (part) parts.push(part);
  }
  if (parts.length === 0) return { included: [], excluded };
  const all = parts.flatMap((p) => p.members);
  return { fix: combineFixes(parts), included: all.map((m) => m.failure.key), excluded };
}

interface GroupPart {
  members: GroupMember[];
  fix: VerifiedFix;
}

/**
 * Verifies `m`'s patch combined with `set`. The rule re-check finds the target's block by byte offset
 * first; other members' edits earlier in the same file shift it (and members may come from older
 * bases), so the block is looked up by address.
 */
function verifyInSet(
  index: RepoIndex,
  m: GroupMember,
  set: GroupMember[],
  o: VerifyOptions & { heartbeat?: () => void },
) {
  o.heartbeat?.();
  const target = { ...m.target, startByte: -1, endByte: -1 };
  const groupTargets = set.filter((x) => x !== m).map((x) => x.target);
  return verifyFix(
    index,
    target,
    m.failure,
    { ...m.generated, patch: combinePatches(set) },
    { ...o, groupTargets },
  );
}

/** The members of one module directory whose patches verify together (the rest are excluded). */
async function acceptInModule(
  index: RepoIndex,
  dirMembers: GroupMember[],
  opts: VerifyOptions & { heartbeat?: () => void },
  excluded: GroupFixResult['excluded'],
): Promise<GroupPart | undefined> {
  let pool = dirMembers;
  for (;;) {
    const accepted: GroupMember[] = [];
    let fix: VerifiedFix | undefined;
    for (const m of pool) {
      const r = await verifyInSet(index, m, [...accepted, m], opts);
      if (r.ok) {
        accepted.push(m);
        fix = r.fix;
      } else excluded.push({ failureKey: m.failure.key, reason: r.errors.join('; ') });
    }
    if (!fix) return undefined;
    // Later edits must not have undone an earlier member's fix (terraform validate already ran above).
    const broken: GroupMember[] = [];
    for (const m of accepted.slice(0, -1)) {
      const r = await verifyInSet(index, m, accepted, { ...opts, terraformValidate: false });
      if (r.ok) continue;
      broken.push(m);
      excluded.push({
        failureKey: m.failure.key,
        reason: `conflicts with other fixes in the group: ${r.errors.join('; ')}`,
      });
    }
    if (broken.length === 0) return { members: accepted, fix };
    pool = accepted.filter((m) => !broken.includes(m));
  }
}

/** One verified fix from the parts of every module directory, explaining each member's change. */
function combineFixes(parts: GroupPart[]): VerifiedFix {
  const all = parts.flatMap((p) => p.members);
  const fixes = parts.map((p) => p.fix);
  const uniq = (xs: string[]) => [...new Set(xs)];
  return {
    engine: fixes.some((f) => f.engine === 'llm') ? 'llm' : 'rule',
    ruleId: uniq(fixes.map((f) => f.ruleId ?? '')).length === 1 ? fixes[0]!.ruleId : undefined,
    modelId: fixes.find((f) => f.modelId)?.modelId,
    files: fixes.flatMap((f) => f.files),
    diff: fixes.map((f) => f.diff).join(''),
    explanation: [
      `This PR fixes ${all.length} resource${all.length === 1 ? '' : 's'} failing the same test:`,
      '',
      ...all.map(
        (m) =>
          `- **${failureLabel(m.failure, m.target)}** (\`${m.target.address}\` in \`${m.target.file}\`): ${m.generated.patch.explanation}`,
      ),
    ].join('\n'),
    changedAttributes: uniq(fixes.flatMap((f) => f.changedAttributes)),
    confidence: lowestConfidence(fixes.map((f) => f.confidence)),
    breakingChanges: uniq(fixes.flatMap((f) => f.breakingChanges)),
    additionalRequirements: uniq(fixes.flatMap((f) => f.additionalRequirements)),
    warnings: uniq(fixes.flatMap((f) => f.warnings)),
    validation: {
      ran: uniq(fixes.flatMap((f) => f.validation.ran)),
      skipped: uniq(fixes.flatMap((f) => f.validation.skipped)),
    },
    tokens: all.reduce<TokenUsage | null>((t, m) => addTokens(t, m.generated.tokens), null),
  };
}
