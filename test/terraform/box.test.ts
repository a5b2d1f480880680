/**
 * The validate box: a repository that ships a "provider" executable in every place Terraform looks
 * for plugins never gets it run; validate uses only the operator's mirror; no child process (git,
 * terraform fmt, terraform in the box) sees the worker's secrets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runGit } from '../../src/github/git';
import { applyPatch, findTerraform, indexRepository, validateChange } from '../../src/terraform';
import { boxEnv, copyIntoBox, writeModuleManifest } from '../../src/terraform/box';
import { runTerraform, terraformEnv } from '../../src/terraform/format';
import { patch } from './helpers';

const SECRETS = {
  GITHUB_TOKEN: 'ghp_boxtestboxtestboxtestboxtestboxte',
  VANTA_CLIENT_SECRET: 'vanta-secret-boxtest',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-boxtest',
  REDIS_URL: 'redis://:pw-boxtest@127.0.0.1:1',
  TEMPORAL_API_KEY: 'temporal-key-boxtest',
};
const saved: Record<string, string | undefined> = {};
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-box-'));
  for (const [k, v] of Object.entries(SECRETS)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});

afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

const arch = `${process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`;
const PROVIDER = `registry.terraform.io/hashicorp/aws/9.9.9/${arch}/terraform-provider-aws_v9.9.9`;

/** A "provider" that records that it ran, and with which environment, then exits. */
function writeProbe(file: string, marker: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\nenv > ${JSON.stringify(marker)}\nexit 1\n`, { mode: 0o755 });
}

function hostileRepo(name: string): { root: string; markers: string[] } {
  const root = path.join(tmp, name);
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(
    path.join(root, 'main.tf'),
    [
      'terraform {',
      '  required_providers {',
      '    aws = { source = "hashicorp/aws", version = "9.9.9" }',
      '  }',
      '}',
      '',
      'resource "aws_s3_bucket" "logs" {',
      '  bucket = "acme-logs"',
      '}',
      '',
    ].join('\n'),
  );
  const markers: string[] = [];
  for (const place of ['terraform.d/plugins', '.terraform/providers', '.terraform.d/plugins']) {
    const marker = path.join(tmp, `${name}-ran-from-${place.replace(/[/.]/g, '_')}`);
    writeProbe(path.join(root, place, PROVIDER), marker);
    markers.push(marker);
  }
  // A state file and a symlink out of the repository are never copied either.
  fs.writeFileSync(path.join(root, 'terraform.tfstate'), '{"secret": "state"}');
  fs.symlinkSync('/etc/passwd', path.join(root, 'passwd.tf'));
  return { root, markers };
}

const edit = patch([
  {
    kind: 'set_attribute',
    file: 'main.tf',
    address: 'aws_s3_bucket.logs',
    path: ['tags'],
    value: '{ Owner = "platform" }',
  },
]);

test('the box copies no plugin directory, state file or symlink', async () => {
  const { root } = hostileRepo('copy');
  const dst = path.join(tmp, 'copy-dst');
  const copied = await copyIntoBox(root, dst);
  expect(copied.symlinks).toEqual(['passwd.tf']);
  expect(copied.excluded.sort()).toEqual(['.terraform', '.terraform.d', 'terraform.d', 'terraform.tfstate']);
  expect(fs.readdirSync(dst)).toEqual(['main.tf']);
});

test('the module manifest registers local modules and refuses remote or escaping sources', async () => {
  const calls: Record<string, { name: string; source: string }[]> = {
    '': [{ name: 'net', source: './modules/net' }],
    'modules/net': [{ name: 'sub', source: '../sub' }],
  };
  const dataDir = path.join(tmp, 'manifest');
  expect(await writeModuleManifest(dataDir, '', (d) => calls[d] ?? [])).toBeNull();
  const manifest = JSON.parse(fs.readFileSync(path.join(dataDir, 'modules', 'modules.json'), 'utf8')) as {
    Modules: { Key: string; Dir: string }[];
  };
  expect(manifest.Modules).toEqual([
    { Key: '', Source: '', Dir: '.' },
    { Key: 'net', Source: './modules/net', Dir: 'modules/net' },
    { Key: 'net.sub', Source: '../sub', Dir: 'modules/sub' },
  ]);
  expect(
    await writeModuleManifest(dataDir, '', () => [{ name: 'vpc', source: 'terraform-aws-modules/vpc/aws' }]),
  ).toMatch(/non-local source/);
  expect(await writeModuleManifest(dataDir, '', () => [{ name: 'x', source: '../../outside' }])).toMatch(
    /outside the repository/,
  );
});

test('without an operator mirror validate is skipped with the reason, and nothing of the repository runs', async () => {
  const { root, markers } = hostileRepo('nomirror');
  const idx = await indexRepository(root);
  const result = await applyPatch(idx, edit, { format: false });
  const r = await validateChange(idx, result, edit, { providerMirror: '', timeoutMs: 30000 });
  if (findTerraform()) expect(r.skipped.join(' ')).toMatch(/no provider mirror configured/);
  else expect(r.skipped.join(' ')).toMatch(/no terraform binary/);
  for (const m of markers) expect(fs.existsSync(m)).toBe(false);
});

test('with terraform and an operator mirror, only the mirror provider runs, with no worker secret', async () => {
  const bin = findTerraform();
  if (!bin) {
    process.stdout.write(
      'box test: skipped the terraform part: no terraform binary on PATH (TERRAFORM_PATH)\n',
    );
    return;
  }
  const { root, markers } = hostileRepo('mirror');
  const mirror = path.join(tmp, 'operator-mirror');
  const operatorMarker = path.join(tmp, 'operator-provider-ran');
  writeProbe(path.join(mirror, PROVIDER), operatorMarker);
  const idx = await indexRepository(root);
  const result = await applyPatch(idx, edit, { format: false });
  const r = await validateChange(idx, result, edit, { providerMirror: mirror, timeoutMs: 60000 });
  process.stdout.write(
    `box test: ran ${JSON.stringify(r.ran)}, issues ${JSON.stringify(r.issues.map((i) => i.message))}\n`,
  );
  for (const m of markers) expect(fs.existsSync(m)).toBe(false);
  // The fake mirror provider fails its plugin handshake, so validate reports an error, but it ran:
  // Terraform took the provider from the operator's mirror and nowhere else.
  expect(r.ran.join(' ')).toMatch(/terraform validate/);
  expect(fs.existsSync(operatorMarker)).toBe(true);
  const env = fs.readFileSync(operatorMarker, 'utf8');
  for (const v of Object.values(SECRETS)) expect(env).not.toContain(v);
  for (const k of Object.keys(SECRETS)) expect(env).not.toMatch(new RegExp(`^${k}=`, 'm'));
  expect(env).toMatch(/^TF_CLI_CONFIG_FILE=.*terrafix-validate-/m);
  expect(env).toMatch(/^HOME=.*terrafix-validate-/m);
});

test('git and terraform children get the allowlisted environment only', async () => {
  const listed = (out: string) =>
    out
      .split('\n')
      .map((l) => l.split('=')[0])
      .filter(Boolean);
  // git: a shell alias prints the environment git passes to its children.
  const g = await runGit(['-c', 'alias.envprobe=!env', 'envprobe'], { cwd: tmp });
  for (const v of Object.values(SECRETS)) expect(g.stdout).not.toContain(v);
  expect(listed(g.stdout).filter((k) => /^(GITHUB|VANTA|AWS|REDIS|TEMPORAL)_/.test(k))).toEqual([]);
  // terraform helpers: run a probe in place of the binary with the same environment builders.
  const probe = path.join(tmp, 'env-probe.sh');
  fs.writeFileSync(probe, '#!/bin/sh\nenv\n', { mode: 0o755 });
  for (const env of [terraformEnv(), boxEnv(tmp, path.join(tmp, 'data'), path.join(tmp, 'rc'))]) {
    const t = await runTerraform(probe, [], tmp, 10000, env);
    expect(t.code).toBe(0);
    for (const v of Object.values(SECRETS)) expect(t.stdout).not.toContain(v);
    expect(listed(t.stdout).filter((k) => /^(GITHUB|VANTA|AWS|REDIS|TEMPORAL)_/.test(k))).toEqual([]);
    expect(listed(t.stdout)).toContain('PATH');
  }
});

test('TERRAFORM_PATH takes a path or a bare command name looked up on PATH', () => {
  const bin = path.join(tmp, 'path-lookup', 'terrafix-fake-terraform');
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  fs.writeFileSync(bin, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const oldPath = process.env.PATH;
  process.env.PATH = `${path.dirname(bin)}${path.delimiter}${oldPath ?? ''}`;
  try {
    expect(findTerraform('terrafix-fake-terraform')).toBe(bin);
    expect(findTerraform(bin)).toBe(bin);
    expect(findTerraform('terrafix-no-such-terraform')).toBeNull();
    // A relative path is a path (never a PATH lookup).
    expect(findTerraform('./terrafix-fake-terraform')).toBeNull();
  } finally {
    process.env.PATH = oldPath;
  }
});
