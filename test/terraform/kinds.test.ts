/** The responseType table and the registry-module table are documented in docs/terraform.md, row by row. */
import fs from 'node:fs';
import path from 'node:path';
import { RESOURCE_KINDS, nameAttributesFor, responseTypeToTerraform } from '../../src/terraform/awsTypes';
import { REGISTRY_MODULES, registryModule } from '../../src/terraform/registryModules';

const doc = fs.readFileSync(path.join(__dirname, '../../docs/terraform.md'), 'utf8');
const rows = doc.split('\n').filter((l) => l.startsWith('| '));

it.each(RESOURCE_KINDS.map((k) => [k.responseTypes[0]!, k] as const))(
  '%s: documented, and resolved by the table',
  (_n, k) => {
    const row = rows.find((r) => r.includes(`"${k.responseTypes[0]}"`));
    expect(row).toBeDefined();
    for (const t of k.types) expect(row).toContain(`\`${t}\``);
    for (const a of k.nameAttributes) expect(row).toContain(`\`${a}\``);
    for (const r of k.responseTypes) expect(responseTypeToTerraform(r)).toEqual(k.types);
    for (const t of k.types)
      expect(nameAttributesFor(t).slice(0, k.nameAttributes.length)).toEqual(k.nameAttributes);
  },
);

it.each(REGISTRY_MODULES.map((m) => [m.source, m] as const))(
  '%s: documented and recognised in every source form',
  (_s, m) => {
    expect(rows.some((r) => r.includes(`\`${m.source}\``))).toBe(true);
    expect(registryModule(m.source)?.kind).toBe(m.kind);
    expect(registryModule(`registry.terraform.io/${m.source}`)?.kind).toBe(m.kind);
    expect(registryModule(`${m.source}//modules/sub`)?.kind).toBe(m.kind);
  },
);

it('a local or unknown module source is not a registry module', () => {
  expect(registryModule('./modules/bucket')).toBeUndefined();
  expect(registryModule('git::https://github.com/acme/tf-modules.git//s3?ref=v1.2.0')).toBeUndefined();
});
