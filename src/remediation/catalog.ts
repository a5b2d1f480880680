/** The rule catalog as a Markdown table (docs/remediation.md is generated from it). */
import { RULES } from './match';

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** One row per rule: id, title, proven Checkov ids, resource types, prerequisites, impact, breaking. */
export function catalogTable(): string {
  const rows = RULES.map((r) =>
    [
      r.id,
      cell(r.title),
      r.checkovIds.length ? r.checkovIds.join(', ') : '—',
      r.resourceTypes.join(', '),
      cell(r.prerequisites ?? '—'),
      cell(r.impactNote ?? '—'),
      r.breaking ? 'yes' : 'no',
    ].join(' | '),
  );
  const ids = new Set(RULES.flatMap((r) => r.checkovIds));
  return [
    `${RULES.length} rules, ${ids.size} Checkov ids proven by test/checkov/judge.test.ts.`,
    '',
    '| id | title | Checkov (proven) | resource types | prerequisites | impact | breaking |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}
