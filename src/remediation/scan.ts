/**
 * The rule catalog as a scanner: every resource-level rule's check over a repository's resources
 * (`terrafix scan`), and the findings a patch adds, which verification refuses.
 */
import type { Target } from '../contracts';
import { ruleContext } from './engine';
import { RULES } from './match';
import type { HclBlock, RepoIndex } from '../terraform';

export interface Violation {
  ruleId: string;
  address: string;
  file: string;
  line: number;
  title: string;
}

function targetOf(b: HclBlock, address: string): Target {
  return {
    file: b.file,
    address,
    resourceType: b.labels[0],
    moduleDir: b.moduleDir,
    startByte: b.range.startByte,
    endByte: b.range.endByte,
    startLine: b.range.startLine,
    endLine: b.range.endLine,
    matchedBy: 'address',
    confidence: 1,
    related: [],
  };
}

/** Every rule violation of the indexed repository (resource-level rules), optionally only in some files. */
export function scanIndex(index: RepoIndex, opts: { files?: ReadonlySet<string> } = {}): Violation[] {
  const out: Violation[] = [];
  for (const b of index.blocks) {
    if (b.kind !== 'resource' || index.files[b.file]?.json) continue;
    if (opts.files && !opts.files.has(b.file)) continue;
    const text = index.files[b.file]?.text.slice(b.range.startByte, b.range.endByte) ?? '';
    for (const rule of RULES) {
      if (rule.accountLevel || !rule.resourceTypes.includes(b.labels[0])) continue;
      // A check the team skips in code (`#checkov:skip=<id>:<reason>`) is not a finding here either.
      if (rule.checkovIds.some((id) => text.includes(`checkov:skip=${id}`))) continue;
      const insts = b.instances.length ? b.instances.slice(0, 1) : [];
      const address = insts[0]?.address ?? b.address;
      const ctx = ruleContext(index, targetOf(b, address));
      try {
        if (rule.check(ctx).status === 'non_compliant')
          out.push({ ruleId: rule.id, address, file: b.file, line: b.range.startLine, title: rule.title });
      } catch {
        /* a check that cannot read this resource is not a finding */
      }
    }
  }
  return out.sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.ruleId.localeCompare(b.ruleId),
  );
}

/** The findings `after` has in `files` that `before` lacked (by rule and address). */
export function addedFindings(before: RepoIndex, after: RepoIndex, files: ReadonlySet<string>): Violation[] {
  const key = (v: Violation) => `${v.ruleId} ${v.address}`;
  const had = new Set(scanIndex(before, { files }).map(key));
  return scanIndex(after, { files }).filter((v) => !had.has(key(v)));
}
