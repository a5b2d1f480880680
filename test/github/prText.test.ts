/**
 * What a TerraFix PR says (issue 13, "PR text"): plain code spans, escaping outside them, the
 * validation steps in reviewer words, titles that say what changes, commit subject = title, and the
 * link to the remediation in the Temporal Web UI.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Failure, Target, VerifiedFix } from '../../src/contracts';
import {
  codeSpan,
  commitMessage,
  draftReasons,
  escapeMarkdown,
  parseFailureMarker,
  prBody,
  prTitle,
  TITLE_MAX,
  temporalWorkflowUrl,
  validationLines,
} from '../../src/pullRequests/content';
import { generateWithRules, verifyFix, type PatchResult } from '../../src/remediation/engine';
import { prActionFor, RULES } from '../../src/remediation/rules';
import { groupFailure } from '../../src/remediation/group';
import type { GroupMember } from '../../src/contracts';
import { groupWorkflowId, remediationWorkflowId } from '../../src/workflows/definitions';
import { FIXTURES, failureFor as fileFailure, indexAndLocate, scratchRepo } from '../remediation/helpers';
import { failureFor, fixFor } from './helpers';

// ---------------------------------------------------------------------------------------------
// A CommonMark reference for what the tests check (spec 0.31, §2.4 backslash escapes, §6.1 code
// spans, §4.5 fenced code blocks), kept deliberately small.

/** Code spans of a line as CommonMark decodes them. */
function codeSpans(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === '\\') {
      i += 2; // an escaped backtick opens nothing
      continue;
    }
    if (line[i] !== '`') {
      i += 1;
      continue;
    }
    let j = i;
    while (line[j] === '`') j += 1;
    const n = j - i;
    let k = j;
    let close = -1;
    while (k < line.length) {
      if (line[k] !== '`') {
        k += 1;
        continue;
      }
      let e = k;
      while (line[e] === '`') e += 1;
      if (e - k === n) {
        close = k;
        break;
      }
      k = e;
    }
    if (close < 0) {
      i = j;
      continue;
    }
    let c = line.slice(j, close).replace(/\n/g, ' ');
    if (c.length >= 2 && c.startsWith(' ') && c.endsWith(' ') && c.trim() !== '') c = c.slice(1, -1);
    out.push(c);
    i = close + n;
  }
  return out;
}

/** The line with its code spans removed (what is left is Markdown text). */
function withoutCodeSpans(line: string): string {
  let out = line;
  for (const c of codeSpans(line)) out = out.replace(c, '');
  return out.replace(/`+/g, '');
}

/** Text of an escaped inline string as rendered: every backslash-escaped punctuation mark is literal. */
function unescape(s: string): string {
  return s.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/** Lines outside fenced code blocks, and whether a fence is still open at the end. */
function outsideFences(body: string): { lines: string[]; open: boolean } {
  const lines: string[] = [];
  let open: string | undefined;
  for (const line of body.split('\n')) {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (open) {
      if (m && m[1]![0] === open[0] && m[1]!.length >= open.length && line.trim() === m[1]) open = undefined;
    } else if (m) open = m[1];
    else lines.push(line);
  }
  return { lines, open: open !== undefined };
}

// ---------------------------------------------------------------------------------------------

function target(address: string, resourceType: string, file = 'main.tf'): Target {
  return {
    file,
    address,
    resourceType,
    moduleDir: path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file),
    startByte: 0,
    endByte: 10,
    startLine: 1,
    endLine: 3,
    matchedBy: 'address',
    confidence: 1,
    related: [],
  };
}

function ruleFix(ruleId: string | undefined, engine: VerifiedFix['engine'] = 'rule'): VerifiedFix {
  return { ...fixFor('x'), ruleId, engine };
}

/** A real rule fix of a rule's fixture (generate + verify, as the validate activity does). */
async function realFix(ruleId: string): Promise<{ failure: Failure; target: Target; fix: VerifiedFix }> {
  const rule = RULES.find((r) => r.id === ruleId)!;
  const dir = scratchRepo(path.join(FIXTURES, 'rules', ruleId));
  try {
    const address = fs.readFileSync(path.join(dir, 'target.txt'), 'utf8').trim();
    const failure = fileFailure(
      rule.vantaTestIds[0] ?? rule.checkovIds[0] ?? `custom-${ruleId}`,
      { testName: rule.title },
      {
        terraformAddress: address,
        file: 'main.tf',
        accountId: '123456789012',
        responseType: rule.accountLevel ? 'AWS Account' : undefined,
      },
    );
    const located = await indexAndLocate(dir, failure);
    const gen = generateWithRules(located.index, located.target, failure);
    const v = await verifyFix(located.index, located.target, failure, gen as PatchResult);
    if (!v.ok) throw new Error(v.errors.join('\n'));
    return { failure, target: located.target, fix: v.fix };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('code spans', () => {
  const samples = [
    'aws_s3_bucket.data',
    'module.x_y.aws_s3_bucket.this["a*b"]',
    'a*b*c_d_',
    '`',
    '``',
    'a`b',
    'a``b```c',
    '`leading',
    'trailing`',
    ' both ',
    '  ',
    'x\ny',
    '<!-- terrafix:failure-key=evil -->',
    '[not](a link) | <b>',
  ];

  test.each(samples)('%j renders verbatim, without backslash escapes', (s) => {
    const span = codeSpan(s);
    expect(span).not.toContain('\\');
    expect(span).not.toContain('\n');
    expect(codeSpans(span)).toEqual([s.replace(/\n/g, ' ')]);
  });

  test('backslashes in the content stay as they are (no escaping inside spans)', () => {
    expect(codeSpan('C:\\tmp\\x_y')).toBe('`C:\\tmp\\x_y`');
    expect(codeSpans(`see ${codeSpan('a\\`b')} here`)).toEqual(['a\\`b']);
  });

  test('the body puts Terraform addresses, files, ARNs and attributes in plain code spans', () => {
    const t = target('module.x_y.aws_s3_bucket.this["a"]', 'aws_s3_bucket', 'envs/prod_1/main.tf');
    const failure = failureFor('acme_data', {
      testId: 'aws_s3_*public*',
      resource: { displayName: 'acme_data', arn: 'arn:aws:s3:::acme_data`x`' },
    });
    const fix = { ...fixFor('acme_data'), changedAttributes: ['block_public_acls'] };
    const body = prBody({ failure, target: t, fix });
    const lines = body.split('\n');
    const line = (prefix: string) => lines.find((l) => l.startsWith(prefix))!;
    expect(codeSpans(line('- **Terraform:**'))).toEqual([
      'module.x_y.aws_s3_bucket.this["a"]',
      'envs/prod_1/main.tf',
    ]);
    expect(codeSpans(line('- **ARN:**'))).toEqual(['arn:aws:s3:::acme_data`x`']);
    expect(codeSpans(line('- **Test:**'))).toEqual(['aws_s3_*public*']);
    expect(codeSpans(line('**Changed attributes:**'))).toEqual(['block_public_acls']);
    expect(codeSpans(line('- `main.tf`'))).toEqual(['main.tf']);
    // Outside spans the same text is escaped; inside none of them carries a backslash.
    expect(line('- **Resource:**')).toBe('- **Resource:** acme\\_data');
    for (const l of lines) for (const c of codeSpans(l)) expect(c).not.toContain('\\');
    expect(body).not.toContain('aws\\_s3');
  });

  test('the diff is fenced verbatim with a fence longer than any backtick run inside', () => {
    const fix = {
      ...fixFor('x'),
      diff: ['--- a/main.tf', '+++ b/main.tf', '@@ -1 +1 @@', ' ```', '+  x = "````"', '+# <!-- c'].join(
        '\n',
      ),
    };
    const body = prBody({ failure: failureFor('x'), fix });
    expect(body).toContain('`````diff\n--- a/main.tf');
    expect(body).toContain(' ```\n+  x = "````"\n+# <!-- c\n`````');
    expect(outsideFences(body).open).toBe(false);
  });
});

describe('untrusted text outside code spans', () => {
  const hostile = '<img src=x onerror=alert(1)> **boom** [click](https://evil.example) ~~x~~ & <!-- hide';
  const failure = failureFor('x', {
    testName: '# Heading | `tick` _em_',
    resource: {
      displayName: hostile,
      arn: 'arn:aws:s3:::x <!-- terrafix:failure-key=vanta%3Aother -->',
      responseType: 'S3 bucket',
    },
    description: '> quoted\n- list <script>alert(1)</script>',
    frameworks: ['SOC_2*'],
  });
  const fix: VerifiedFix = {
    ...fixFor('x'),
    engine: 'llm',
    ruleId: undefined,
    explanation: 'Fixed **it** with `<b>kept</b>`.\n\n<img src=x>\n\n```hcl\nresource "x" "y" {}\n',
    warnings: ['<b>warn</b> [x](javascript:alert(1))'],
    breakingChanges: ['<details><summary>hidden</summary>'],
  };
  const body = prBody({ failure, fix });

  test('no raw HTML or link can be injected; escaped text still reads as the original', () => {
    const { lines } = outsideFences(body);
    const marker = lines.at(-1)!;
    expect(marker).toMatch(/^<!-- terrafix:failure-key=/);
    const own = new Set(['<details><summary>Diff</summary>', '</details>']);
    for (const l of lines.slice(0, -1).filter((x) => !own.has(x))) {
      // Besides our <details>, TerraFix's own autolinks (the Vanta URL) are the only angle brackets.
      const text = withoutCodeSpans(l).replace(/<https?:\/\/[^\s<>]*>/g, '');
      expect({ l, html: /(?<!\\)<[A-Za-z!/?]/.test(text) }).toEqual({ l, html: false });
      expect({ l, link: /(?<!\\)\[[^\]]*(?<!\\)\]\(/.test(text) }).toEqual({ l, link: false });
    }
    const resource = lines.find((l) => l.startsWith('- **Resource:** '))!;
    expect(unescape(resource.slice('- **Resource:** '.length))).toBe(`${hostile} (S3 bucket)`);
    const test = lines.find((l) => l.startsWith('- **Test:** '))!;
    expect(unescape(test)).toContain('# Heading | `tick` _em_');
    // Block-level markers at the start of a line are escaped too.
    expect(body).toContain('\n\\> quoted - list \\<script\\>alert(1)\\</script\\>\n');
    // Code spans written by the model stay verbatim.
    expect(body).toContain('Fixed **it** with `<b>kept</b>`.');
  });

  test('escapeMarkdown: every Markdown/HTML character escaped, the rendered text unchanged', () => {
    for (const x of [hostile, 'a_b*c`d`|e~f&amp;\\g', '[x](y) ![i](j) <https://x>']) {
      const e = escapeMarkdown(x);
      expect(unescape(e)).toBe(x);
      expect(e.replace(/\\[!-/:-@[-`{-~]/g, '')).not.toMatch(/[\\`*_[\]<>|~&]/);
    }
  });

  test('an unclosed fence in the explanation is closed: the checklist and marker stay Markdown', () => {
    const { lines, open } = outsideFences(body);
    expect(open).toBe(false);
    expect(lines).toContain('## Review checklist');
    expect(lines).toContain('## Fix engine');
  });

  test('a marker imitated inside a code span does not take over the PR', () => {
    expect(body).toContain('<!-- terrafix:failure-key=vanta%3Aother -->`');
    expect(parseFailureMarker(body)).toBe(failure.key);
  });

  test('a body over the size limit keeps Markdown balanced and its tail', () => {
    const huge = {
      ...fix,
      explanation: `Start\n\n\`\`\`\n${'resource x {}\n'.repeat(5_000)}`,
      diff: `+++ b/main.tf\n${'+line\n'.repeat(150)}`,
    };
    const b = prBody({ failure, fix: huge });
    expect(b.length).toBeLessThanOrEqual(60_000);
    expect(outsideFences(b).open).toBe(false);
    expect(b).toContain('_(truncated)_');
    expect(b).toContain(`Fixes: ${failure.testUrl}`);
    expect(parseFailureMarker(b)).toBe(failure.key);
  });
});

describe('validation steps', () => {
  const INTERNAL =
    /untouched-blocks|hcl-reparse|check:|^apply$|^parse$|^guardrails$|^references$|TERRAFORM_|\(\.\)/;

  test('a real rule fix: every step named once, in reviewer words, with the real skip reason', async () => {
    const { fix, failure, target: t } = await realFix('s3-public-access-block');
    const ran = fix.validation.ran;
    expect(ran.filter((r) => r === 'parse').length).toBeGreaterThan(1); // the duplicates being fixed
    const lines = validationLines(fix.validation);
    expect(new Set(lines).size).toBe(lines.length);
    for (const l of lines)
      expect({ l, internal: INTERNAL.test(unescape(l).replace(/ \(TERRAFORM_[A-Z_]+\)/, '')) }).toEqual({
        l,
        internal: false,
      });
    expect(lines).toEqual(
      expect.arrayContaining(['re-parsed', 'guardrails held', 'other blocks unchanged', 'rule re-checked']),
    );
    expect(lines.indexOf('re-parsed')).toBe(0);
    const tfSkip = fix.validation.skipped.find((s) => s.startsWith('terraform validate'));
    if (tfSkip) {
      const reason = tfSkip.replace(/^terraform validate(?: \([^)]*\))?: /, '');
      expect(lines.filter((l) => l.startsWith('terraform validate: '))).toEqual([
        expect.stringMatching(/^terraform validate: skipped/),
      ]);
      expect(unescape(lines.find((l) => l.startsWith('terraform validate'))!)).toContain(`— ${reason}`);
    } else expect(lines).toContain('terraform validate: passed');

    const body = prBody({ failure, target: t, fix });
    const section = body.slice(body.indexOf('## Validation'), body.indexOf('## Review checklist'));
    expect(section).not.toContain('Ran:');
    expect(section.split('\n').filter((l) => l.startsWith('- '))).toEqual(lines.map((l) => `- ${l}`));
  });

  test('terraform validate per module directory, rule re-check skipped, unknown steps kept readable', () => {
    expect(
      validationLines({
        ran: [
          'guardrails',
          'apply',
          'parse',
          'untouched-blocks',
          'parse',
          'guardrails',
          'terraform validate (.)',
        ],
        skipped: [
          'terraform validate (modules/net): provider hashicorp/aws not in the provider mirror /srv/m (the registry is not contacted)',
          'rule check (no rule covers this failure)',
          'hcl-reparse (main.tf): hcl2json is not installed',
        ],
      }),
    ).toEqual([
      're-parsed',
      'guardrails held',
      'other blocks unchanged',
      'terraform validate: passed in `.`',
      'terraform validate: skipped for `modules/net` — provider hashicorp/aws not in the provider mirror /srv/m (the registry is not contacted)',
      'rule re-check: skipped — no rule covers this failure',
      "HashiCorp's HCL parser: skipped for `main.tf` — hcl2json is not installed",
    ]);
    expect(
      validationLines({ ran: ['parse', 'terraform validate (.)', 'check:s3-versioning'], skipped: [] }),
    ).toEqual(['re-parsed', 'rule re-checked', 'terraform validate: passed']);
    expect(
      validationLines({
        ran: [],
        skipped: ['terraform validate: no terraform binary (set TERRAFORM_PATH)'],
      }),
    ).toEqual(['terraform validate: skipped — no terraform binary (set TERRAFORM\\_PATH)']);
  });
});

describe('titles', () => {
  test('say what changes: rule action, resource kind and name', () => {
    const s3 = (name: string) => failureFor(name);
    expect(prTitle(s3('acme-data'), undefined, ruleFix('s3-public-access-block'))).toBe(
      'Block public access on S3 bucket acme-data',
    );
    expect(prTitle(s3('acme-logs'), undefined, ruleFix('s3-bucket-encryption'))).toBe(
      'Enable default encryption on S3 bucket acme-logs',
    );
    const sg = fileFailure('firewall-config-server', {}, { terraformAddress: 'aws_security_group.web' });
    expect(
      prTitle(sg, target('aws_security_group.web', 'aws_security_group'), ruleFix('sg-ssh-restricted')),
    ).toBe('Deny public SSH on security group web');
    const db = fileFailure('rds-enc', {}, { terraformAddress: 'module.db.aws_db_instance.orders' });
    expect(prTitle(db, undefined, ruleFix('rds-storage-encryption'))).toBe(
      'Enable storage encryption on RDS instance orders in module.db',
    );
    const ecr = fileFailure('ecr', {}, { displayName: 'payments-api' });
    expect(
      prTitle(ecr, target('aws_ecr_repository.api', 'aws_ecr_repository'), ruleFix('ecr-scan-on-push')),
    ).toBe('Enable image scanning on push on ECR repository payments-api');
    const gd = fileFailure('guardduty', {}, { accountId: '123456789012', responseType: 'AWS Account' });
    expect(prTitle(gd, undefined, ruleFix('guardduty-enabled'))).toBe(
      'Enable GuardDuty in AWS account 123456789012',
    );
  });

  test('a fix no rule describes names the Vanta test', () => {
    const f = fileFailure(
      'ecs-privileged',
      { testName: 'ECS task definitions do not run privileged containers' },
      { terraformAddress: 'aws_ecs_task_definition.api' },
    );
    const t = target('aws_ecs_task_definition.api', 'aws_ecs_task_definition');
    const title = prTitle(f, t, ruleFix(undefined, 'llm'));
    // The test name gives way first, so the resource stays readable.
    expect(title).toBe('Fix "ECS task definitions do not run privil…" on ECS task definition api');
    expect(title.length).toBeLessThanOrEqual(TITLE_MAX);
    const short = fileFailure('x', { testName: 'Lambda not public' }, { displayName: 'billing' });
    expect(
      prTitle(short, target('aws_lambda_function.b', 'aws_lambda_function'), ruleFix(undefined, 'llm')),
    ).toBe('Fix "Lambda not public" on Lambda function billing');
    // Unknown types fall back to the Terraform type.
    expect(prTitle(fileFailure('t', { testName: 'T' }, { terraformAddress: 'aws_foo_bar.x' }))).toBe(
      'Fix "T" on aws_foo_bar x',
    );
  });

  test('every rule has an action phrase, and its fixture gets a short title starting with it', async () => {
    for (const r of RULES) {
      const action = prActionFor(r.id);
      expect({
        id: r.id,
        ok: typeof action === 'string' && /^[A-Z](?:[^.]|\.(?=\d)){3,40}$/.test(action),
      }).toEqual({
        id: r.id,
        ok: true,
      });
    }
    for (const id of [
      's3-versioning',
      'cloudwatch-log-retention',
      'elasticache-in-transit-encryption',
      'iam-password-policy',
    ]) {
      const { failure, target: t, fix } = await realFix(id);
      const title = prTitle(failure, t, fix);
      expect(title.startsWith(prActionFor(id)!)).toBe(true);
      expect(title.length).toBeLessThanOrEqual(TITLE_MAX);
      expect(title).not.toContain(`${t.resourceType}.`); // the kind is said in words
    }
  });

  test('group PRs get a plural title', () => {
    const members = ['a', 'b', 'c'].map((n) => ({ failure: failureFor(`acme-${n}`) }) as GroupMember);
    const g = groupFailure(
      'acme/infra/aws-s3-public-access-blocked',
      'aws-s3-public-access-blocked',
      members,
    );
    expect(prTitle(g, undefined, ruleFix('s3-public-access-block'))).toBe(
      'Block public access on 3 S3 buckets',
    );
    expect(prTitle(g, undefined, ruleFix(undefined, 'llm'))).toBe(
      'Fix "S3 buckets block public access" on 3 S3 buckets',
    );
    const one = groupFailure('acme/infra/t', 't', members.slice(0, 1));
    expect(prTitle(one, undefined, ruleFix('s3-versioning'))).toBe('Enable versioning on 1 S3 bucket');
  });

  test('untrusted text in a title is one clean line', () => {
    const f = failureFor('acme\u202edata`\n\t<b>AKIAIOSFODNN7EXAMPLE\u200b', {
      testName: 'a "quoted"\ntest',
    });
    for (const fix of [ruleFix('s3-public-access-block'), ruleFix(undefined, 'llm')]) {
      const title = prTitle(f, undefined, fix);
      expect(title).not.toMatch(/[\n\t`\u202e\u200b]/);
      expect(title).not.toContain('AKIAIOSFODNN7EXAMPLE');
    }
    expect(prTitle(f, undefined, ruleFix(undefined, 'llm'))).toMatch(
      /^Fix "a 'quoted' test" on S3 bucket acme/,
    );
  });
});

describe('commit message', () => {
  test('its subject is the PR title; the explanation and the failure-key trailer follow', () => {
    const cases: [Failure, Target | undefined, VerifiedFix][] = [
      [failureFor('acme-data'), undefined, ruleFix('s3-public-access-block')],
      [failureFor('acme-data', { testName: 'x'.repeat(300) }), undefined, ruleFix(undefined, 'llm')],
      [
        fileFailure('sg', {}, { terraformAddress: 'aws_security_group.web' }),
        undefined,
        ruleFix('sg-ssh-restricted'),
      ],
    ];
    for (const [failure, t, fix] of cases) {
      const lines = commitMessage(failure, fix, t).split('\n');
      expect(lines[0]).toBe(prTitle(failure, t, fix));
      expect(lines[1]).toBe('');
      expect(lines[2]).toBe(fix.explanation);
      expect(lines.at(-2)).toBe(`TerraFix-Failure-Key: ${encodeURIComponent(failure.key)}`);
    }
  });
});

describe('Temporal Web UI link', () => {
  const failure = failureFor('acme-logs');
  const fix = fixFor('acme-logs');

  test('absent unless TEMPORAL_UI_URL is set', () => {
    const body = prBody({ failure, fix });
    expect(body).not.toContain('/namespaces/');
    expect(body).not.toContain('Temporal Web UI');
    expect(prBody({ failure, fix, temporalUiUrl: '', temporalNamespace: 'default' })).toBe(body);
    expect(temporalWorkflowUrl(failure, { temporalUiUrl: 'javascript:alert(1)' })).toBeUndefined();
  });

  test('links the remediation workflow, namespace and id URI-encoded', () => {
    const body = prBody({
      failure,
      fix,
      temporalUiUrl: 'http://localhost:8233',
      temporalNamespace: 'default',
    });
    const url = `http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(remediationWorkflowId(failure.key))}`;
    expect(url).toBe(
      'http://localhost:8233/namespaces/default/workflows/remediate%2Fvanta%3Aaws-s3-public-access-blocked%3Aacme-logs',
    );
    expect(body).toContain(`**Temporal:** [\`remediate/${failure.key}\`](<${url}>) in the Temporal Web UI.`);
    expect(body.indexOf(url)).toBeLessThan(body.indexOf('Fixes: '));
  });

  test('credentials, query and trailing slash of the configured URL are dropped; odd keys stay one link', () => {
    const odd = failureFor('x', { key: 'vanta:t:a b)(]> <x>' });
    const url = temporalWorkflowUrl(odd, {
      temporalUiUrl: 'https://ops:s3cret@temporal.example.com/ui/?token=abc#frag',
      temporalNamespace: 'prod/ns.a1b2c',
    })!;
    expect(url).toBe(
      `https://temporal.example.com/ui/namespaces/prod%2Fns.a1b2c/workflows/${encodeURIComponent(`remediate/${odd.key}`)}`,
    );
    expect(url).not.toMatch(/[\s<>]/);
    expect(decodeURIComponent(url.split('/').at(-1)!)).toBe(`remediate/${odd.key}`);
    const body = prBody({
      failure: odd,
      fix,
      temporalUiUrl: 'https://ops:s3cret@temporal.example.com/ui/?token=abc',
      temporalNamespace: 'prod/ns.a1b2c',
    });
    expect(body).not.toContain('s3cret');
    expect(body).not.toContain('token=abc');
    expect(body).toContain(`](<${url}>)`);
  });

  test('a group PR links the group workflow', () => {
    const key = 'acme/infra/aws-s3-public-access-blocked';
    const g = groupFailure(key, 'aws-s3-public-access-blocked', [{ failure } as GroupMember]);
    const url = temporalWorkflowUrl(g, { temporalUiUrl: 'http://localhost:8233' });
    expect(url).toBe(
      `http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(groupWorkflowId(key))}`,
    );
    expect(prBody({ failure: g, fix, temporalUiUrl: 'http://localhost:8233' })).toContain(`(<${url}>)`);
  });
});

describe('impact', () => {
  test('a structured impact is a callout at the top, not prose; a replacement makes the PR a draft', () => {
    const fix: VerifiedFix = {
      ...fixFor('db'),
      impact: { cost: 'roughly doubles the instance cost', downtime: 'none expected' },
    };
    const body = prBody({ failure: failureFor('db'), fix });
    expect(body).toContain(
      '> [!IMPORTANT]\n> **Impact of merging**\n> - **Cost:** roughly doubles the instance cost\n> - **Downtime:** none expected\n',
    );
    expect(body.indexOf('Impact of merging')).toBeLessThan(body.indexOf('## Compliance failure'));
    expect(draftReasons(fix)).toEqual([]);
    expect(draftReasons({ ...fix, impact: { replacement: 'the cluster is re-created' } })).toEqual([
      'merging replaces the resource: the cluster is re-created',
    ]);
  });

  test('a deletion is an impact of its own and makes the PR a draft; so does a partly met prerequisite', () => {
    const fix: VerifiedFix = {
      ...fixFor('db'),
      impact: { removal: 'aws_security_group_rule.ssh is destroyed' },
      reviewReasons: ['the prerequisite is only partly met: there was no HTTPS listener'],
    };
    expect(prBody({ failure: failureFor('db'), fix })).toContain(
      '> **Impact of merging**\n> - **Deletion:** aws\\_security\\_group\\_rule.ssh is destroyed\n',
    );
    expect(draftReasons(fix)).toEqual([
      'merging deletes a resource: aws_security_group_rule.ssh is destroyed',
      'the prerequisite is only partly met: there was no HTTPS listener',
    ]);
  });
});
