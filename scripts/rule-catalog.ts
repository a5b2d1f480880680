/**
 * Writes the rule catalog table of docs/remediation.md (between the rule-catalog markers) from the
 * rules themselves: id, title, the Checkov ids the judge proves, resource types, prerequisites,
 * impact and whether the fix is breaking. `npx tsx scripts/rule-catalog.ts [--check]`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { catalogTable } from '../src/remediation/catalog';

const file = path.join(__dirname, '..', 'docs', 'remediation.md');
const START = '<!-- rule-catalog:start -->';
const END = '<!-- rule-catalog:end -->';
const text = fs.readFileSync(file, 'utf8');
const a = text.indexOf(START);
const b = text.indexOf(END);
if (a < 0 || b < a) throw new Error(`docs/remediation.md has no ${START} … ${END} markers`);
const next = `${text.slice(0, a + START.length)}\n\n${catalogTable()}\n\n${text.slice(b)}`;
if (process.argv.includes('--check')) {
  if (next !== text) {
    process.stderr.write(
      'docs/remediation.md: the rule catalog is out of date: run npx tsx scripts/rule-catalog.ts\n',
    );
    process.exit(1);
  }
} else fs.writeFileSync(file, next);
