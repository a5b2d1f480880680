/**
 * What of a failure's untrusted input is scanned for prompt injection: the target block with the
 * comment lines right above it, the blocks related to it, and the Vanta text fields.
 */
import type { Failure, Target } from '../contracts';
import { findInjections, type InjectionFinding, type InjectionSource } from '../security/injection';
import { findBlock, type RepoIndex } from '../terraform';

/** Comment lines directly above a block (at most 10), with the line number of the first. */
function leadingComments(text: string, startLine: number): { text: string; firstLine: number } {
  const lines = text.split(/\r?\n/);
  let i = startLine - 2; // 0-based index of the line above the block
  const out: string[] = [];
  while (i >= 0 && out.length < 10 && /^\s*(#|\/\/|\/\*|\*)/.test(lines[i] ?? '')) {
    out.unshift(lines[i]!);
    i -= 1;
  }
  return { text: out.join('\n'), firstLine: i + 2 };
}

/** Findings in the target block (and its leading comments), its related blocks and the Vanta fields. */
export function scanForInjection(index: RepoIndex, target: Target, failure: Failure): InjectionFinding[] {
  const sources: InjectionSource[] = [];
  const addBlock = (address: string, file?: string) => {
    const b = findBlock(index, address, file);
    const text = b ? index.files[b.file]?.text : undefined;
    if (!b || text === undefined) return;
    const lead = leadingComments(text, b.range.startLine);
    if (lead.text) sources.push({ source: b.file, text: lead.text, firstLine: lead.firstLine });
    sources.push({
      source: b.file,
      text: text.slice(b.range.startByte, b.range.endByte),
      firstLine: b.range.startLine,
    });
  };
  if (!target.placeholder) addBlock(target.address, target.file);
  for (const r of target.related) addBlock(r);
  const fields: [string, string | undefined][] = [
    ['test name', failure.testName],
    ['description', failure.description],
    ['remediation', failure.remediation],
    ['resource name', failure.resource.displayName],
  ];
  for (const [name, text] of fields) if (text) sources.push({ source: `Vanta ${name}`, text });
  return findInjections(sources);
}
