/** No writes through symbolic links, and indexing never follows them out of the repository. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { startBedrockEmulator, type BedrockEmulator } from '../../src/sandbox/emulators/bedrockEmulator';
import { applyPatch, checkRepoPath, indexRepository, locate, writeRepoFile } from '../../src/terraform';
import { failure, patch } from './helpers';

const LLM_FIXTURE = path.join(__dirname, '..', 'fixtures', 'remediation', 'llm');
const VICTIM = 'outside content\n';
const OUTSIDE_TF = 'resource "aws_s3_bucket" "outside" {\n  bucket = "outside-bucket"\n}\n';

interface Layout {
  base: string;
  repo: string;
  victim: string;
  outsideTf: string;
}

const bases: string[] = [];
afterAll(() => bases.forEach((b) => fs.rmSync(b, { recursive: true, force: true })));

/** base/repo (a copy of the LLM fixture) with zz.tf -> ../outside/victim.txt and sub -> ../outside/dir. */
function layout(): Layout {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-symlinks-'));
  bases.push(base);
  const repo = path.join(base, 'repo');
  fs.cpSync(LLM_FIXTURE, repo, { recursive: true });
  fs.mkdirSync(path.join(base, 'outside', 'dir'), { recursive: true });
  const victim = path.join(base, 'outside', 'victim.txt');
  const outsideTf = path.join(base, 'outside', 'dir', 'x.tf');
  fs.writeFileSync(victim, VICTIM);
  fs.writeFileSync(outsideTf, OUTSIDE_TF);
  fs.symlinkSync('../outside/victim.txt', path.join(repo, 'zz.tf'));
  fs.symlinkSync('../outside/dir', path.join(repo, 'sub'));
  return { base, repo, victim, outsideTf };
}

const expectOutsideUnchanged = (l: Layout): void => {
  expect(fs.readFileSync(l.victim, 'utf8')).toBe(VICTIM);
  expect(fs.readFileSync(l.outsideTf, 'utf8')).toBe(OUTSIDE_TF);
  expect(fs.readdirSync(path.dirname(l.victim)).sort()).toEqual(['dir', 'victim.txt']);
  expect(fs.readdirSync(path.dirname(l.outsideTf))).toEqual(['x.tf']);
};

const NEW_BLOCK = 'resource "aws_s3_bucket" "z" {\n  bucket = "z"\n}';

describe('indexing', () => {
  it('skips a symlinked .tf file and a symlinked directory pointing outside, with a note', async () => {
    const l = layout();
    const idx = await indexRepository(l.repo);
    expect(Object.keys(idx.files).sort()).toEqual(['main.tf', 'modules/other/main.tf', 'versions.tf']);
    expect(idx.blocks.some((b) => b.labels[1] === 'outside')).toBe(false);
    expect(idx.skipped).toEqual([
      {
        path: 'sub',
        reason: 'a symbolic link pointing outside the repository (to ../outside/dir), not followed',
      },
      {
        path: 'zz.tf',
        reason: 'a symbolic link pointing outside the repository (to ../outside/victim.txt), not followed',
      },
    ]);
    // The rest of the repository is indexed normally.
    const r = locate(idx, failure({ terraformAddress: 'aws_instance.web' }));
    expect(r.status).toBe('found');
    expect(r.target).toMatchObject({ address: 'aws_instance.web', file: 'main.tf' });
  });

  it('has no skipped list when the repository has no symbolic links', async () => {
    const idx = await indexRepository(LLM_FIXTURE);
    expect(idx.skipped).toBeUndefined();
  });
});

describe('applyPatch', () => {
  it.each([
    [
      'zz.tf',
      /refusing to write zz\.tf: zz\.tf is a symbolic link \(to \.\.\/outside\/victim\.txt, outside the repository\)/,
    ],
    [
      'sub/x.tf',
      /refusing to write sub\/x\.tf: sub is a symbolic link \(to \.\.\/outside\/dir, outside the repository\)/,
    ],
  ])('refuses an edit of %s (a symlink escape) with the path and the reason', async (file, message) => {
    const l = layout();
    const idx = await indexRepository(l.repo);
    await expect(
      applyPatch(idx, patch([{ kind: 'insert_after', file, afterAddress: null, text: NEW_BLOCK }]), {
        format: false,
      }),
    ).rejects.toThrow(message);
    expectOutsideUnchanged(l);
  });

  it('still applies edits to regular files and new files', async () => {
    const l = layout();
    const idx = await indexRepository(l.repo);
    const r = await applyPatch(
      idx,
      patch([{ kind: 'insert_after', file: 'new.tf', afterAddress: null, text: NEW_BLOCK }]),
      { format: false },
    );
    expect(r.files.map((f) => f.path)).toEqual(['new.tf']);
  });
});

describe('writeRepoFile (the writer of fix --write)', () => {
  it.each([
    ['zz.tf', /zz\.tf is a symbolic link/],
    ['sub/x.tf', /sub is a symbolic link/],
    ['sub/new.tf', /sub is a symbolic link/],
    ['../outside/victim.txt', /outside the repository/],
    ['/etc/passwd', /outside the repository/],
  ])('refuses %s and leaves the outside files unchanged', async (rel, message) => {
    const l = layout();
    await expect(writeRepoFile(l.repo, rel, 'pwned\n')).rejects.toThrow(message);
    await expect(checkRepoPath(l.repo, rel)).rejects.toThrow(`refusing to write ${rel}`);
    expectOutsideUnchanged(l);
  });

  it('refuses a symbolic link even when it points inside the repository', async () => {
    const l = layout();
    fs.symlinkSync('main.tf', path.join(l.repo, 'alias.tf'));
    await expect(writeRepoFile(l.repo, 'alias.tf', 'x\n')).rejects.toThrow(/alias\.tf is a symbolic link/);
    expect(fs.readFileSync(path.join(l.repo, 'main.tf'), 'utf8')).toBe(
      fs.readFileSync(path.join(LLM_FIXTURE, 'main.tf'), 'utf8'),
    );
  });

  it('writes regular files (existing, new, in a new directory) and keeps the file mode', async () => {
    const l = layout();
    const main = path.join(l.repo, 'main.tf');
    fs.chmodSync(main, 0o640);
    await writeRepoFile(l.repo, 'main.tf', 'a\n');
    await writeRepoFile(l.repo, 'new.tf', 'b\n');
    await writeRepoFile(l.repo, 'mod/c.tf', 'c\n');
    expect(fs.readFileSync(main, 'utf8')).toBe('a\n');
    expect(fs.statSync(main).mode & 0o777).toBe(0o640);
    expect(fs.readFileSync(path.join(l.repo, 'new.tf'), 'utf8')).toBe('b\n');
    expect(fs.readFileSync(path.join(l.repo, 'mod', 'c.tf'), 'utf8')).toBe('c\n');
    expect(fs.readdirSync(l.repo).filter((n) => n.includes('.terrafix-'))).toEqual([]);
  });
});

describe('terrafix fix --write (CLI entry, Bedrock emulator answering)', () => {
  let emu: BedrockEmulator;
  const saved: Record<string, string | undefined> = {};
  const ENV = {
    AWS_ACCESS_KEY_ID: 'AKIDEMU',
    AWS_SECRET_ACCESS_KEY: 'emu',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: '',
    LLM_ENABLED: 'true',
  };
  beforeAll(async () => {
    emu = await startBedrockEmulator();
    for (const [k, v] of Object.entries({ ...ENV, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emu.url })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await emu.stop();
  });

  const answer = (edits: unknown[]) => ({
    toolUse: {
      input: {
        edits: [
          {
            kind: 'set_attribute',
            file: 'main.tf',
            address: 'aws_instance.web',
            path: ['monitoring'],
            value: 'true',
          },
          ...edits,
        ],
        explanation: 'Enables detailed monitoring.',
        changedAttributes: ['monitoring'],
        confidence: 'high',
        breakingChanges: [],
        additionalRequirements: [],
      },
    },
  });

  async function runCli(l: Layout): Promise<{ code: number; json: Record<string, unknown> }> {
    const failureFile = path.join(l.base, 'failure.json');
    fs.writeFileSync(
      failureFile,
      JSON.stringify({
        key: 'file:aws-ec2-detailed-monitoring',
        source: 'file',
        testId: 'aws-ec2-detailed-monitoring',
        testName: 'EC2 instances have detailed monitoring enabled',
        resource: { terraformAddress: 'aws_instance.web', file: 'main.tf' },
      }),
    );
    const out: string[] = [];
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const e = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const argv = ['node', 'terrafix', 'fix', '--repo', l.repo, '--failure', failureFile];
      const code = await main([...argv, '--engine', 'llm', '--write', '--json']);
      return { code, json: JSON.parse(out.join('')) as Record<string, unknown> };
    } finally {
      o.mockRestore();
      e.mockRestore();
      process.exitCode = undefined;
    }
  }

  it('refuses a model patch that names zz.tf (a symlink to ../outside/victim.txt)', async () => {
    const l = layout();
    const before = fs.readFileSync(path.join(l.repo, 'main.tf'), 'utf8');
    emu.setHandler(() =>
      answer([{ kind: 'insert_after', file: 'zz.tf', afterAddress: null, text: NEW_BLOCK }]),
    );
    const r = await runCli(l);
    expect(r.code).toBe(4);
    expect(r.json.status).toBe('rejected');
    expect(JSON.stringify(r.json.reasons)).toMatch(/zz\.tf is a symbolic link/);
    expectOutsideUnchanged(l);
    expect(fs.readFileSync(path.join(l.repo, 'main.tf'), 'utf8')).toBe(before);
    expect(fs.lstatSync(path.join(l.repo, 'zz.tf')).isSymbolicLink()).toBe(true);
  });

  it('refuses a model patch that names sub/x.tf (sub is a symlink to a directory outside)', async () => {
    const l = layout();
    emu.setHandler(() =>
      answer([{ kind: 'insert_after', file: 'sub/x.tf', afterAddress: null, text: NEW_BLOCK }]),
    );
    const r = await runCli(l);
    expect(r.code).toBe(4);
    expect(r.json.status).toBe('rejected');
    expect(JSON.stringify(r.json.reasons)).toContain('sub/x.tf');
    expectOutsideUnchanged(l);
  });

  it('control: the same patch without the escape is written into the repository', async () => {
    const l = layout();
    emu.setHandler(() => answer([]));
    const r = await runCli(l);
    expect(r.json.status).toBe('fixed');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(l.repo, 'main.tf'), 'utf8')).toMatch(/monitoring\s*=\s*true/);
    expectOutsideUnchanged(l);
  });
});
