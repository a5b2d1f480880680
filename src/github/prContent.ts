/**
 * What a TerraFix pull request says: branch name, title, body, labels and commit message. Pure
 * functions, shared by the GitHub and the local code host. Every piece of text that comes from the
 * failure, the repository or the model is treated as untrusted: credentials are redacted, absolute
 * paths of the worker are removed and HTML comments cannot close the hidden marker.
 */
import { createHash } from 'node:crypto';
import { INJECTION_LABEL } from '../security/injection';
import os from 'node:os';
import type { Failure, Target, VerifiedFix } from '../contracts';
import { redactCredentials } from '../security/redact';

export const BRANCH_PREFIX = 'terrafix/';
export const MARKER_PREFIX = '<!-- terrafix:failure-key=';
/** Trailer in every TerraFix commit message; a branch head without it was edited by someone else. */
export const COMMIT_TRAILER = 'TerraFix-Failure-Key';

const MAX_DIFF_LINES = 200;
const MAX_BODY_CHARS = 60_000;

/** Lower-case slug of at most `max` characters (letters, digits, dashes). */
export function slugify(s: string, max = 40): string {
  const slug = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
  return slug || 'fix';
}

/** Short, stable hash of a failure key (distinct resources → distinct branches). */
export function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 10);
}

/** Branch `terrafix/<rule-or-test-slug>/<short hash of the failure key>`. */
export function branchName(failure: Failure, fix?: Pick<VerifiedFix, 'ruleId'>): string {
  return `${BRANCH_PREFIX}${slugify(fix?.ruleId ?? failure.testId)}/${shortHash(failure.key)}`;
}

/** The human name of the failing resource. */
export function resourceLabel(failure: Failure, target?: Target): string {
  const r = failure.resource;
  return r.displayName ?? r.terraformAddress ?? target?.address ?? r.arn ?? 'resource';
}

function oneLine(s: string, max: number): string {
  const t = s
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** `[TerraFix] <test name>: <resource>` (single line, bounded length). */
export function prTitle(failure: Failure, target?: Target): string {
  return oneLine(`[TerraFix] ${failure.testName ?? failure.testId}: ${resourceLabel(failure, target)}`, 240);
}

/** Hidden marker that lets TerraFix find its own PRs. The key is URI-encoded so `-->` cannot appear. */
export function failureMarker(failureKey: string): string {
  return `${MARKER_PREFIX}${encodeURIComponent(failureKey)} -->`;
}

/** Extracts the failure key from a PR body, if it carries the marker. */
export function parseFailureMarker(body: string | null | undefined): string | undefined {
  const m = /<!-- terrafix:failure-key=(\S+) -->/.exec(body ?? '');
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
}

/** Removes credentials and absolute paths of the worker from text that goes into a PR. */
export function sanitizeForPr(text: string, extraPaths: string[] = []): string {
  let out = redactCredentials(text).text.replace(/__TERRAFIX_SECRET_\d+__/g, '«redacted»');
  const paths = [...extraPaths, os.tmpdir(), os.homedir()]
    .filter((p) => p && p.length > 1)
    .sort((a, b) => b.length - a.length);
  for (const p of paths) out = out.split(p).join('…');
  return out.replace(/<!--/g, '&lt;!--');
}

function escapeMd(s: string): string {
  return oneLine(s, 500).replace(/([\\`*_[\]<>|])/g, '\\$1');
}

const CONFIDENCE_MEANING: Record<VerifiedFix['confidence'], string> = {
  high: 'the change is mechanical and matches the control exactly; a quick review should suffice',
  medium: 'the change is likely right but depends on context TerraFix could not fully see; review the values',
  low: 'TerraFix is unsure; review carefully and adjust before merging',
};

/** Diff excerpt for the body: redacted, fenced, truncated to MAX_DIFF_LINES lines. */
export function diffExcerpt(diff: string, extraPaths: string[] = []): string {
  const lines = sanitizeForPr(diff, extraPaths).split('\n');
  const cut = lines.length > MAX_DIFF_LINES;
  const shown = lines.slice(0, MAX_DIFF_LINES).join('\n').replace(/```/g, '`\u200b``');
  return `\`\`\`diff\n${shown}\n\`\`\`${cut ? `\n_(diff truncated: ${lines.length - MAX_DIFF_LINES} more lines in the Files tab)_` : ''}`;
}

function diffStat(diff: string): string {
  const files = new Map<string, { add: number; del: number }>();
  let current: { add: number; del: number } | undefined;
  for (const line of diff.split('\n')) {
    const m = /^\+\+\+ (?:b\/)?(.+)$/.exec(line);
    if (m) {
      const name = m[1]!.trim();
      current = files.get(name) ?? { add: 0, del: 0 };
      files.set(name, current);
      continue;
    }
    if (!current || line.startsWith('---')) continue;
    if (line.startsWith('+')) current.add += 1;
    else if (line.startsWith('-')) current.del += 1;
  }
  return [...files.entries()].map(([f, s]) => `- \`${escapeMd(f)}\`: +${s.add} −${s.del}`).join('\n');
}

export interface PrBodyInput {
  failure: Failure;
  target?: Target;
  fix: VerifiedFix;
  /** Absolute paths to strip (workspace dir...). */
  localPaths?: string[];
}

/** The PR description (markdown). */
export function prBody({ failure, target, fix, localPaths = [] }: PrBodyInput): string {
  const clean = (s: string) => sanitizeForPr(s, localPaths);
  const out: string[] = [];
  if (fix.breakingChanges.length > 0) {
    out.push(
      '> [!WARNING]',
      '> **Breaking changes**',
      ...fix.breakingChanges.map((b) => `> - ${escapeMd(clean(b))}`),
      '',
    );
  }
  if (fix.additionalRequirements.length > 0) {
    out.push(
      '> [!IMPORTANT]',
      '> **Additional requirements before merging**',
      ...fix.additionalRequirements.map((b) => `> - ${escapeMd(clean(b))}`),
      '',
    );
  }
  const r = failure.resource;
  out.push('## Compliance failure', '');
  out.push(`- **Test:** ${escapeMd(failure.testName ?? failure.testId)} (\`${escapeMd(failure.testId)}\`)`);
  if (failure.severity) out.push(`- **Severity:** ${failure.severity}`);
  if (failure.frameworks?.length)
    out.push(`- **Frameworks:** ${failure.frameworks.map(escapeMd).join(', ')}`);
  out.push(
    `- **Resource:** ${escapeMd(resourceLabel(failure, target))}${r.responseType ? ` (${escapeMd(r.responseType)})` : ''}`,
  );
  if (r.arn) out.push(`- **ARN:** \`${escapeMd(r.arn)}\``);
  if (target)
    out.push(
      `- **Terraform:** \`${escapeMd(target.address)}\` in \`${escapeMd(target.file)}\` (lines ${target.startLine}–${target.endLine})`,
    );
  if (failure.testUrl) out.push(`- **Vanta:** ${escapeMd(failure.testUrl)}`);
  if (failure.description) out.push('', escapeMd(clean(failure.description)));
  out.push('', '## What changed and why', '', clean(fix.explanation).replace(/<!--/g, '&lt;!--'));
  if (fix.changedAttributes.length) {
    out.push(
      '',
      `**Changed attributes:** ${fix.changedAttributes.map((a) => `\`${escapeMd(a)}\``).join(', ')}`,
    );
  }
  out.push(
    '',
    '## Diff summary',
    '',
    diffStat(fix.diff) || '_(no textual diff)_',
    '',
    '<details><summary>Diff</summary>',
    '',
    diffExcerpt(fix.diff, localPaths),
    '',
    '</details>',
  );
  out.push('', '## Confidence', '', `**${fix.confidence}**: ${CONFIDENCE_MEANING[fix.confidence]}.`);
  if (fix.warnings.length)
    out.push('', '**Warnings:**', ...fix.warnings.map((w) => `- ${escapeMd(clean(w))}`));
  out.push('', '## Validation', '');
  out.push(
    `- **Ran:** ${fix.validation.ran.length ? fix.validation.ran.map(escapeMd).join(', ') : 'nothing'}`,
  );
  out.push(
    `- **Skipped:** ${fix.validation.skipped.length ? fix.validation.skipped.map((s) => escapeMd(clean(s))).join('; ') : 'nothing'}`,
  );
  out.push('', '## Review checklist', '');
  out.push(
    '- [ ] The change matches the intent of the control for this resource',
    '- [ ] `terraform plan` shows only the expected in-place changes (no unexpected replacement)',
  );
  if (fix.breakingChanges.length) out.push('- [ ] The breaking changes above are acceptable or scheduled');
  if (fix.additionalRequirements.length) out.push('- [ ] The additional requirements above are met');
  out.push('- [ ] Dependent resources, modules and environments are not affected');
  out.push('', '## Fix engine', '');
  if (fix.engine === 'rule') out.push(`Deterministic rule \`${escapeMd(fix.ruleId ?? 'unknown')}\`.`);
  else {
    out.push(`Model \`${escapeMd(fix.modelId ?? 'unknown')}\`.`);
    if (fix.tokens) {
      const t = fix.tokens;
      out.push(
        `Tokens: ${t.input} input, ${t.output} output, ${t.cacheRead} cache read${t.cacheWrite !== undefined ? `, ${t.cacheWrite} cache write` : ''}.`,
      );
    }
  }
  out.push('', '---', '_Opened by TerraFix. Close this PR to reject the fix; TerraFix will not reopen it._');
  if (failure.testUrl) out.push('', `Fixes: ${oneLine(failure.testUrl, 500)}`);
  out.push('', failureMarker(failure.key));
  let body = out.join('\n');
  if (body.length > MAX_BODY_CHARS) {
    // Keep the marker and the Fixes line: they are at the end.
    const tail = out.slice(-3).join('\n');
    body = `${body.slice(0, MAX_BODY_CHARS - tail.length - 40)}\n\n_(truncated)_\n${tail}`;
  }
  return body;
}

/** Label name → colour; created in the repository when missing. */
export function prLabels(
  failure: Failure,
  fix: VerifiedFix,
): { name: string; color: string; description: string }[] {
  const labels = [
    { name: 'compliance', color: '0e8a16', description: 'Compliance remediation' },
    { name: 'terrafix', color: '5319e7', description: 'Opened by TerraFix' },
  ];
  if (failure.severity) {
    labels.push({
      name: `severity:${failure.severity}`,
      color: failure.severity === 'critical' || failure.severity === 'high' ? 'b60205' : 'fbca04',
      description: 'Severity of the compliance failure',
    });
  }
  for (const f of failure.frameworks ?? []) {
    const name = `framework:${slugify(f, 40)}`;
    if (!labels.some((l) => l.name === name))
      labels.push({ name, color: 'c5def5', description: 'Compliance framework' });
  }
  if (fix.promptInjection?.length) labels.push({ ...INJECTION_LABEL });
  if (fix.breakingChanges.length)
    labels.push({
      name: 'breaking-change',
      color: 'd93f0b',
      description: 'May replace or disrupt a resource',
    });
  return labels;
}

/** Commit message with the TerraFix trailer. */
export function commitMessage(failure: Failure, fix: VerifiedFix, target?: Target): string {
  const subject = oneLine(
    `fix(compliance): ${failure.testName ?? failure.testId} for ${resourceLabel(failure, target)}`,
    120,
  );
  const why = sanitizeForPr(fix.explanation).slice(0, 2000);
  return `${subject}\n\n${why}\n\n${COMMIT_TRAILER}: ${encodeURIComponent(failure.key)}\n`;
}
