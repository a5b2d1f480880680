/** docs/remediation.md lists every rule with its proven Checkov ids, prerequisites and impact. */
import fs from 'node:fs';
import path from 'node:path';
import { catalogTable } from '../../src/remediation/catalog';

it('the rule catalog in docs/remediation.md is the one the rules generate (npx tsx scripts/rule-catalog.ts)', () => {
  const doc = fs.readFileSync(path.join(__dirname, '../../docs/remediation.md'), 'utf8');
  const a = doc.indexOf('<!-- rule-catalog:start -->');
  const b = doc.indexOf('<!-- rule-catalog:end -->');
  expect(a).toBeGreaterThan(0);
  expect(doc.slice(a, b)).toBe(`<!-- rule-catalog:start -->\n\n${catalogTable()}\n\n`);
});
