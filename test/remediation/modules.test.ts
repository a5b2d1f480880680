/**
 * Resources created by well-known registry modules are fixed through the module call's inputs: every
 * (module, rule) pair of src/remediation/modules.ts on a fixture under test/fixtures/remediation/modules
 * (fix → verified → compliant → second run already compliant, only the module block changes, the
 * vendored copy untouched), the module defaults per pinned version, the guardrails that keep a fix to
 * the module's inputs, and the no_rule / no_fix answers for what the table does not cover.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Failure, GroupMember, Patch, PatchEdit, Target } from '../../src/contracts';
import { findBlock, indexRepository, type RepoIndex } from '../../src/terraform';
import { REGISTRY_MODULES } from '../../src/terraform/registryModules';
import { generateWithRules, ruleContext, verifyFix, type PatchResult } from '../../src/remediation/engine';
import { findRule, ruleById, RULES } from '../../src/remediation/match';
import {
  MODULE_KINDS,
  MODULE_SPECS,
  moduleSpecFor,
  moduleSpecsCreating,
  parseModuleSource,
  registryModule,
} from '../../src/remediation/modules';
import { allowlistProblems } from '../../src/remediation/allowlist';
import { buildGroupFix } from '../../src/remediation/group';
import { removeTupleItems, setObjectKey } from '../../src/remediation/hclLiteral';
import { FIXTURES, failureFor, scratchRepo, writeFiles } from './helpers';

const MODULE_FIXTURES = path.join(FIXTURES, 'modules');
const VERSIONS_TF = fs.readFileSync(path.join(MODULE_FIXTURES, 'vpc.vpc-flow-logs', 'versions.tf'), 'utf8');

/** The Target locate gives a resource created by a module call (built from the index, not from locate). */
function moduleTarget(index: RepoIndex, address: string): Target {
  const b = findBlock(index, address);
  if (!b || b.kind !== 'module') throw new Error(`no module call ${address}`);
  const source = String(b.attributes.source.value.known ? b.attributes.source.value.value : '');
  const spec = registryModule(source);
  if (!spec) throw new Error(`${source} is not in the table`);
  return {
    file: b.file,
    address: b.address,
    resourceType: spec.creates[0],
    moduleDir: b.moduleDir,
    ...b.range,
    matchedBy: 'module_input',
    confidence: 0.9,
    related: [],
    module: { source, kind: spec.kind, nameInput: spec.nameInput },
  };
}

function failureOf(ruleId: string): Failure {
  const rule = RULES.find((r) => r.id === ruleId)!;
  return failureFor(rule.vantaTestIds[0] ?? rule.checkovIds[0] ?? `custom-${ruleId}`, {
    testName: rule.title,
  });
}

async function load(dir: string): Promise<{ index: RepoIndex; target: Target; address: string }> {
  const address = fs.readFileSync(path.join(dir, 'target.txt'), 'utf8').trim();
  const index = await indexRepository(dir);
  return { index, target: moduleTarget(index, address), address };
}

function asPatch(gen: ReturnType<typeof generateWithRules>): PatchResult {
  if (gen.status !== 'patch') throw new Error(`expected a patch, got ${gen.status}: ${gen.reason}`);
  return gen;
}

const PAIRS = MODULE_SPECS.flatMap((s) =>
  Object.entries(s.rules).map(([ruleId, m]) => [`${s.id} × ${ruleId}`, s.id, ruleId, m.strategy] as const),
);

describe('registry-module table', () => {
  it('maps only catalog rules, on types the rule covers, and has a fixture for every pair', () => {
    expect(PAIRS.length).toBeGreaterThanOrEqual(20);
    for (const [, specId, ruleId] of PAIRS) {
      const spec = MODULE_SPECS.find((s) => s.id === specId)!;
      const rule = RULES.find((r) => r.id === ruleId);
      expect(rule).toBeDefined();
      expect(spec.creates.some((t) => rule!.resourceTypes.includes(t))).toBe(true);
      expect(fs.existsSync(path.join(MODULE_FIXTURES, `${specId}.${ruleId}`, 'main.tf'))).toBe(true);
    }
    expect(new Set(MODULE_SPECS.map((s) => s.id)).size).toBe(MODULE_SPECS.length);
  });

  it('recognises registry addresses with a host, a //submodule, and the GitHub forms', () => {
    const s3 = 'terraform-aws-modules/s3-bucket/aws';
    expect(registryModule(s3)?.kind).toBe('s3-bucket');
    expect(registryModule(`registry.terraform.io/${s3}`)?.kind).toBe('s3-bucket');
    expect(registryModule('Terraform-AWS-Modules/S3-Bucket/AWS')?.kind).toBe('s3-bucket');
    expect(
      registryModule('git::https://github.com/terraform-aws-modules/terraform-aws-s3-bucket.git?ref=v4.1.0')
        ?.kind,
    ).toBe('s3-bucket');
    expect(registryModule('github.com/terraform-aws-modules/terraform-aws-vpc?ref=v5.5.0')?.kind).toBe('vpc');
    expect(registryModule('git@github.com:terraform-aws-modules/terraform-aws-rds.git')?.kind).toBe('rds');
    expect(registryModule('terraform-aws-modules/security-group/aws//modules/ssh')?.kind).toBe(
      'security-group',
    );
    expect(registryModule('terraform-aws-modules/rds/aws//modules/db_instance')?.kind).toBe('rds');
    // Submodules that create something else are not the module's resource.
    expect(registryModule(`${s3}//modules/notification`)).toBeUndefined();
    expect(registryModule('./modules/bucket')).toBeUndefined();
    expect(registryModule('acme/widget/aws')).toBeUndefined();
    // A private mirror is taken by the located kind; a known module's other submodule is not.
    expect(moduleSpecFor({ source: 'app.terraform.io/acme/s3-bucket/aws', kind: 's3-bucket' })?.id).toBe(
      's3-bucket',
    );
    expect(moduleSpecFor({ source: `${s3}//modules/object`, kind: 's3-bucket' })).toBeUndefined();
    expect(
      parseModuleSource('git::https://github.com/org/terraform-aws-x.git//modules/y?ref=v1.2.3'),
    ).toEqual({
      address: 'org/x/aws',
      submodule: 'modules/y',
      ref: 'v1.2.3',
    });
  });

  it("agrees with locate's table (src/terraform/registryModules.ts) on kinds, types and name inputs", () => {
    for (const m of REGISTRY_MODULES) {
      const spec = moduleSpecFor({ source: m.source, kind: m.kind });
      expect({
        source: m.source,
        kind: spec?.kind,
        creates: spec?.creates,
        nameInput: spec?.nameInput,
      }).toEqual({
        source: m.source,
        kind: m.kind,
        creates: m.creates,
        nameInput: m.nameInput,
      });
    }
  });

  it('lists the module kinds with their created types and name inputs', () => {
    expect(moduleSpecsCreating('aws_s3_bucket').map((s) => s.kind)).toEqual(['s3-bucket']);
    expect(moduleSpecsCreating('aws_cloudtrail').map((s) => s.source)).toEqual([
      'cloudposse/cloudtrail/aws',
      'trussworks/cloudtrail/aws',
    ]);
    const ct = MODULE_KINDS.find((k) => k.kind === 'cloudtrail')!;
    expect(ct.nameInputs).toEqual(['name', 'trail_name']);
    for (const kind of ['s3-bucket', 'rds', 'security-group', 'vpc', 'ec2-instance', 'cloudtrail'])
      expect(MODULE_KINDS.some((k) => k.kind === kind)).toBe(true);
  });
});

describe.each(PAIRS)('%s', (_name, specId, ruleId, strategy) => {
  const fixture = path.join(MODULE_FIXTURES, `${specId}.${ruleId}`);

  if (strategy === 'enforced') {
    it('is compliant whatever the inputs (the module hard-codes the setting)', async () => {
      const { index, target } = await load(fixture);
      const gen = generateWithRules(index, target, failureOf(ruleId));
      expect(gen).toMatchObject({ status: 'already_compliant', ruleId });
    });
    return;
  }

  it('fixes the module inputs: verified, only the module block changes, then already compliant', async () => {
    const dir = scratchRepo(fixture);
    try {
      const { index, target, address } = await load(dir);
      const label = address.replace(/^module\./, '');
      const vendored = path.join(dir, '.terraform', 'modules', label, 'main.tf');
      fs.mkdirSync(path.dirname(vendored), { recursive: true });
      fs.writeFileSync(vendored, 'resource "aws_s3_bucket" "this" {\n  bucket = var.bucket\n}\n');
      const failure = failureOf(ruleId);
      expect(findRule(failure, target)?.id).toBe(ruleId);
      expect(ruleById(ruleId, target)!.check(ruleContext(index, target, failure)).status).toBe(
        'non_compliant',
      );

      const gen = asPatch(generateWithRules(index, target, failure));
      expect(gen.ruleId).toBe(ruleId);
      for (const e of gen.patch.edits) {
        expect(e.kind).not.toBe('insert_after');
        expect(e).toMatchObject({ file: target.file, address });
      }
      const v = await verifyFix(index, target, failure, gen);
      if (!v.ok) throw new Error(v.errors.join('\n'));
      expect(v.fix.validation.ran).toContain(`check:${ruleId}`);
      if (RULES.find((r) => r.id === ruleId)!.breaking)
        expect(v.fix.breakingChanges.length).toBeGreaterThan(0);

      // Only the module block changed: every byte before and after it is identical.
      expect(v.fix.files.map((f) => f.path)).toEqual([target.file]);
      const before = index.files[target.file].text;
      const after = v.fix.files[0].content;
      expect(after.slice(0, target.startByte)).toBe(before.slice(0, target.startByte));
      const tail = before.slice(target.endByte);
      expect(after.endsWith(tail)).toBe(true);
      expect(after).not.toBe(before);

      writeFiles(dir, v.fix.files);
      expect(fs.readFileSync(vendored, 'utf8')).toContain('resource "aws_s3_bucket" "this"');
      const again = await load(dir);
      const ctx = ruleContext(again.index, again.target, failure);
      expect(ruleById(ruleId, again.target)!.check(ctx).status).toBe('compliant');
      expect(generateWithRules(again.index, again.target, failure)).toMatchObject({
        status: 'already_compliant',
        ruleId,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A scratch repository with one module call (and the shared versions.tf). */
async function repoWith(main: string): Promise<{ dir: string; index: RepoIndex; target: Target }> {
  const dir = scratchRepo({ 'main.tf': main, 'versions.tf': VERSIONS_TF });
  const index = await indexRepository(dir);
  const call = index.blocks.find((b) => b.kind === 'module' && b.labels[0] !== 'access_logs')!;
  return { dir, index, target: moduleTarget(index, call.address) };
}

const s3Call = (version: string | null, body = '') =>
  `module "data" {\n  source = "terraform-aws-modules/s3-bucket/aws"\n${version ? `  version = "${version}"\n` : ''}  bucket = "acme-data"\n${body}}\n`;

describe('module defaults by pinned version', () => {
  it.each([
    ['~> 4.1', 'already_compliant'],
    ['>= 3.9.0, < 5.0.0', 'already_compliant'],
    ['3.8.2', 'patch'],
    ['~> 3.0', 'patch'],
    [null, 'patch'],
  ])('s3-bucket %s with no public access inputs: %s', async (version, status) => {
    const { dir, index, target } = await repoWith(s3Call(version));
    expect(generateWithRules(index, target, failureOf('s3-public-access-block')).status).toBe(status);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('s3-bucket: attach_public_policy = false means no public access block at all', async () => {
    const { dir, index, target } = await repoWith(s3Call('~> 4.1', '  attach_public_policy = false\n'));
    const gen = asPatch(generateWithRules(index, target, failureOf('s3-public-access-block')));
    expect(gen.patch.edits).toEqual([
      expect.objectContaining({ path: ['attach_public_policy'], value: 'true' }),
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['~> 5.0', 'already_compliant'],
    ['4.0.0', 'already_compliant'],
    ['~> 3.4', 'patch'],
  ])('rds %s with storage_encrypted unset: %s', async (version, status) => {
    const main = `module "db" {\n  source  = "terraform-aws-modules/rds/aws"\n  version = "${version}"\n  identifier = "db"\n}\n`;
    const { dir, index, target } = await repoWith(main);
    expect(generateWithRules(index, target, failureOf('rds-storage-encryption')).status).toBe(status);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the version pin comes from a git ref when there is no version argument', async () => {
    const main = s3Call(null).replace(
      'terraform-aws-modules/s3-bucket/aws',
      'git::https://github.com/terraform-aws-modules/terraform-aws-s3-bucket.git?ref=v4.1.0',
    );
    const { dir, index, target } = await repoWith(main);
    expect(generateWithRules(index, target, failureOf('s3-public-access-block')).status).toBe(
      'already_compliant',
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('object and list inputs keep their other keys and comments', () => {
  it('sets a key inside a multi-line object, keeping comments', async () => {
    const body =
      '  versioning = {\n    # audit requirement\n    mfa_delete = false\n    enabled    = false\n  }\n';
    const { dir, index, target } = await repoWith(s3Call('~> 4.1', body));
    const failure = failureOf('s3-versioning');
    const gen = asPatch(generateWithRules(index, target, failure));
    const v = await verifyFix(index, target, failure, gen);
    if (!v.ok) throw new Error(v.errors.join('\n'));
    expect(v.fix.files[0].content).toContain('# audit requirement');
    expect(v.fix.files[0].content).toMatch(/mfa_delete = false\n\s+enabled\s+= true/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('versioning given as status = "Suspended" is fixed in the same key', async () => {
    const { dir, index, target } = await repoWith(
      s3Call('~> 4.1', '  versioning = { status = "Suspended" }\n'),
    );
    const gen = asPatch(generateWithRules(index, target, failureOf('s3-versioning')));
    expect(gen.patch.edits[0]).toMatchObject({ path: ['versioning'], value: '{ status = "Enabled" }' });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('encryption keeps a configured KMS key (aws:kms) and adds the missing algorithm', async () => {
    const body =
      '  server_side_encryption_configuration = {\n    rule = {\n      apply_server_side_encryption_by_default = {\n        kms_master_key_id = "arn:aws:kms:us-east-1:111122223333:key/abc"\n      }\n    }\n  }\n';
    const { dir, index, target } = await repoWith(s3Call('~> 4.1', body));
    const failure = failureOf('s3-bucket-encryption');
    const gen = asPatch(generateWithRules(index, target, failure));
    const v = await verifyFix(index, target, failure, gen);
    if (!v.ok) throw new Error(v.errors.join('\n'));
    expect(v.fix.files[0].content).toMatch(
      /kms_master_key_id = "arn:aws:kms[^\n]+\n\s+sse_algorithm\s+= "aws:kms"/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('literal helpers: setObjectKey and removeTupleItems touch only their item', () => {
    expect(setObjectKey('{ a = 1 }', ['b'], '2')).toBe('{ a = 1, b = 2 }');
    expect(setObjectKey('{\n  a = "x" # keep\n}', ['a'], '"y"')).toBe('{\n  a = "y" # keep\n}');
    expect(setObjectKey('var.x', ['a'], '1')).toBeNull();
    expect(removeTupleItems('["a", "b", "c"]', [1])).toBe('["a", "c"]');
    expect(removeTupleItems('["a", "b"]', [1])).toBe('["a"]');
    expect(removeTupleItems('[\n  { x = 1 },\n  # second\n  { x = 2 },\n]', [0])).toBe(
      '[\n  # second\n  { x = 2 },\n]',
    );
  });
});

describe('security-group module variants', () => {
  const sg = (source: string, body: string) =>
    `module "admin_sg" {\n  source  = "${source}"\n  version = "~> 5.1"\n  name    = "admin"\n  vpc_id  = "vpc-1"\n${body}}\n`;

  async function fixed(main: string, ruleId: string): Promise<string> {
    const { dir, index, target } = await repoWith(main);
    try {
      const failure = failureOf(ruleId);
      const v = await verifyFix(index, target, failure, asPatch(generateWithRules(index, target, failure)));
      if (!v.ok) throw new Error(v.errors.join('\n'));
      return v.fix.files[0].content;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('the ssh preset submodule: its auto rule is dropped', async () => {
    const main = sg(
      'terraform-aws-modules/security-group/aws//modules/ssh',
      '  ingress_cidr_blocks = ["0.0.0.0/0"]\n',
    );
    expect(await fixed(main, 'sg-ssh-restricted')).toMatch(/auto_ingress_rules\s+= \[\]/);
  });

  it('an item open to the world and a narrower network keeps the narrower one', async () => {
    const body =
      '  ingress_with_cidr_blocks = [\n    {\n      rule        = "ssh-tcp"\n      cidr_blocks = "0.0.0.0/0,10.0.0.0/8"\n    },\n  ]\n';
    const out = await fixed(sg('terraform-aws-modules/security-group/aws', body), 'sg-ssh-restricted');
    expect(out).toContain('cidr_blocks = "10.0.0.0/8"');
    expect(out).not.toContain('0.0.0.0/0');
  });

  it('an item without cidr_blocks inherits ingress_cidr_blocks; all-all counts for SSH', async () => {
    const body =
      '  ingress_cidr_blocks = ["0.0.0.0/0"]\n  ingress_rules = ["all-all"]\n  ingress_with_cidr_blocks = [{ rule = "rdp-tcp" }]\n';
    const out = await fixed(sg('terraform-aws-modules/security-group/aws', body), 'sg-rdp-restricted');
    expect(out).toMatch(/ingress_rules\s+= \[\]/);
    expect(out).toMatch(/ingress_with_cidr_blocks\s+= \[\]/);
  });

  it('rules given by an expression are not guessed: no fix, with the reason', async () => {
    const body = '  ingress_cidr_blocks = ["0.0.0.0/0"]\n  ingress_rules = local.admin_rules\n';
    const main = `locals {\n  admin_rules = ["ssh-tcp"]\n}\n\n${sg('terraform-aws-modules/security-group/aws', body)}`;
    const { dir, index, target } = await repoWith(main);
    const gen = generateWithRules(index, target, failureOf('sg-ssh-restricted'));
    expect(gen.status).toBe('no_fix');
    expect((gen as { reason: string }).reason).toMatch(
      /ingress_rules is set by an expression \(local\.admin_rules\)/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('what the table does not cover', () => {
  it('a rule the module does not map: no_rule naming the module', async () => {
    const { index, target } = await load(
      path.join(MODULE_FIXTURES, 'cloudtrail-cloudposse.cloudtrail-multi-region'),
    );
    const gen = generateWithRules(index, target, failureOf('cloudtrail-kms-encryption'));
    expect(gen.status).toBe('no_rule');
    if (gen.status !== 'no_rule') return;
    expect(gen.reason).toContain('cloudtrail-kms-encryption');
    expect(gen.reason).toContain('cloudposse/cloudtrail/aws');
    expect(gen.reason).toContain('module.cloudtrail');
    expect(gen.reason).toMatch(/vendored copy of the module is never edited/);
  });

  it('a module that is not in the table: no_rule naming it', async () => {
    const main = 'module "widget" {\n  source  = "acme/widget/aws"\n  version = "1.0.0"\n}\n';
    const dir = scratchRepo({ 'main.tf': main });
    const index = await indexRepository(dir);
    const b = findBlock(index, 'module.widget')!;
    const target: Target = {
      file: 'main.tf',
      address: 'module.widget',
      resourceType: 'aws_s3_bucket',
      moduleDir: '',
      ...b.range,
      matchedBy: 'module_input',
      confidence: 0.8,
      related: [],
      module: { source: 'acme/widget/aws', kind: 'widget', nameInput: 'name' },
    };
    const gen = generateWithRules(index, target, failureOf('s3-versioning'));
    expect(gen).toMatchObject({ status: 'no_rule' });
    expect((gen as { reason: string }).reason).toMatch(/acme\/widget\/aws.*not in the registry-module table/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a module call located without a module (a module TerraFix does not know): no rule runs on it', async () => {
    const { index, target } = await load(path.join(MODULE_FIXTURES, 'rds.rds-multi-az'));
    const gen = generateWithRules(index, { ...target, module: undefined }, failureOf('rds-multi-az'));
    expect(gen).toMatchObject({ status: 'no_rule' });
    expect((gen as { reason: string }).reason).toMatch(
      /module\.billing_db is a call of a module TerraFix has no input table for/,
    );
  });

  it('access logging with no log bucket in the repository: no fix, with the reason', async () => {
    const { dir, index, target } = await repoWith(s3Call('~> 4.1'));
    const gen = generateWithRules(index, target, failureOf('s3-access-logging'));
    expect(gen.status).toBe('no_fix');
    expect((gen as { reason: string }).reason).toMatch(/no log bucket in the repository for module\.data/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('access logging to a log bucket of another root module, by its name', async () => {
    const dir = scratchRepo({
      'app/main.tf': s3Call('~> 4.1'),
      'app/versions.tf': VERSIONS_TF,
      'logging/main.tf': 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-central-logs"\n}\n',
    });
    const index = await indexRepository(dir);
    const target = moduleTarget(index, 'module.data');
    const failure = failureOf('s3-access-logging');
    const v = await verifyFix(index, target, failure, asPatch(generateWithRules(index, target, failure)));
    if (!v.ok) throw new Error(v.errors.join('\n'));
    expect(v.fix.files[0].content).toMatch(/target_bucket = "acme-central-logs"/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

const GUARD_FIXTURE = path.join(MODULE_FIXTURES, 's3-bucket.s3-public-access-block');

/** Verifies the rule's own patch changed by `extra`; the verification must refuse it. */
async function attempt(extra: (p: Patch) => Patch): Promise<string[]> {
  const { index, target } = await load(GUARD_FIXTURE);
  const failure = failureOf('s3-public-access-block');
  const gen = asPatch(generateWithRules(index, target, failure));
  const v = await verifyFix(index, target, failure, { ...gen, patch: extra(gen.patch) });
  expect(v.ok).toBe(false);
  return v.ok ? [] : v.errors;
}
const add =
  (...edits: PatchEdit[]) =>
  (p: Patch): Patch => ({ ...p, edits: [...p.edits, ...edits] });
const on = { file: 'main.tf', address: 'module.financials_bucket' };

describe('guardrails keep a module fix to the module inputs', () => {
  it('refuses changing the source or the version', async () => {
    const src = await attempt(
      add({ kind: 'set_attribute', ...on, path: ['source'], value: '"evil/bucket/aws"' }),
    );
    expect(src.join('\n')).toMatch(/never its source/);
    const ver = await attempt(add({ kind: 'set_attribute', ...on, path: ['version'], value: '"~> 5.0"' }));
    expect(ver.join('\n')).toMatch(/never its version/);
  });

  it('refuses a replacement of the module block; the allowlist refuses a changed source or version', async () => {
    const { index, target } = await load(GUARD_FIXTURE);
    const b = findBlock(index, 'module.financials_bucket')!;
    const before = index.files['main.tf'].text;
    const text = before.slice(b.range.startByte, b.range.endByte);
    const moved = text.replace(
      'terraform-aws-modules/s3-bucket/aws',
      'terraform-aws-modules/s3-bucket/aws//modules/object',
    );
    const errs = await attempt(() => ({
      edits: [{ kind: 'replace_block', ...on, text: moved }],
      explanation: 'x',
      changedAttributes: [],
      confidence: 'low',
      breakingChanges: [],
      additionalRequirements: [],
    }));
    expect(errs.join('\n')).toMatch(/replace_block\): adds a module call/);
    const after = before.replace(text, moved.replace('"~> 3.7"', '"~> 4.0"'));
    const problems = await allowlistProblems(target, [{ path: 'main.tf', before, after }]);
    expect(problems.join('\n')).toMatch(/allowlist\/module-call: .*changes source/);
    expect(problems.join('\n')).toMatch(/allowlist\/module-call: .*changes version/);
  });
});

describe('guardrails refuse anything but the module inputs', () => {
  it('refuses turning the module off or editing other blocks', async () => {
    const off = await attempt(add({ kind: 'set_attribute', ...on, path: ['create_bucket'], value: 'false' }));
    expect(off.join('\n')).toMatch(/allowlist\/module-create-flag: .*create_bucket = false/);
    const other = await attempt(
      add({
        kind: 'set_attribute',
        file: 'main.tf',
        address: 'var.company_name',
        path: ['default'],
        value: '"x"',
      }),
    );
    expect(other.join('\n')).toMatch(/var\.company_name is not module\.financials_bucket/);
  });

  it('refuses providers and resources that duplicate what the module manages', async () => {
    const provider = await attempt(
      add({
        kind: 'insert_after',
        file: 'main.tf',
        afterAddress: null,
        text: 'provider "aws" {\n  region = "us-east-1"\n}',
      }),
    );
    expect(provider.join('\n')).toMatch(/adds a provider block/);
    const dup = await attempt(
      add({
        kind: 'insert_after',
        file: 'main.tf',
        afterAddress: 'module.financials_bucket',
        text: 'resource "aws_s3_bucket_public_access_block" "financials" {\n  bucket = module.financials_bucket.s3_bucket_id\n\n  block_public_acls = true\n}',
      }),
    );
    expect(dup.join('\n')).toMatch(/allowlist\/module-duplicate/);
  });

  it('refuses any edit of a vendored copy under .terraform/modules', async () => {
    const errs = await attempt(
      add({
        kind: 'set_attribute',
        file: '.terraform/modules/financials_bucket/main.tf',
        address: 'aws_s3_bucket.this',
        path: ['bucket'],
        value: '"x"',
      }),
    );
    expect(errs.join('\n')).toMatch(/vendored module copy/);
  });
});

describe('group PRs', () => {
  it('combines the fixes of two module calls (and a plain resource) in one verified fix', async () => {
    const main = [
      s3Call('~> 4.1', '  versioning = { enabled = false }\n'),
      s3Call('~> 4.1').replace('"data"', '"archive"').replace('acme-data', 'acme-archive'),
      'resource "aws_s3_bucket" "plain" {\n  bucket = "acme-plain"\n}\n',
    ].join('\n');
    const dir = scratchRepo({ 'main.tf': main, 'versions.tf': VERSIONS_TF });
    try {
      const index = await indexRepository(dir);
      const plain = findBlock(index, 'aws_s3_bucket.plain')!;
      const targets: Target[] = [
        moduleTarget(index, 'module.data'),
        moduleTarget(index, 'module.archive'),
        {
          ...moduleTarget(index, 'module.data'),
          address: plain.address,
          ...plain.range,
          module: undefined,
          matchedBy: 'address',
        },
      ];
      const members: GroupMember[] = targets.map((target, i) => {
        const failure = { ...failureOf('s3-versioning'), key: `k${i}` };
        return {
          workflowId: `w${i}`,
          failure,
          prepared: {
            repo: { owner: 'acme', name: 'infra' },
            defaultBranch: 'main',
            baseSha: 'abc',
            cloneUrl: dir,
          },
          target,
          generated: asPatch(generateWithRules(index, target, failure)),
        };
      });
      const r = await buildGroupFix(index, members);
      expect(r.excluded).toEqual([]);
      expect(r.included).toEqual(['k0', 'k1', 'k2']);
      const out = r.fix!.files.find((f) => f.path === 'main.tf')!.content;
      expect(out.match(/enabled = true/g)?.length).toBe(2);
      expect(out).toContain('resource "aws_s3_bucket_versioning" "plain"');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
