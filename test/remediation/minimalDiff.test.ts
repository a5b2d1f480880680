/**
 * Minimal diffs: a fix formats only the lines it writes. For every rule fixture, every line the fix
 * removes lies inside an attribute or nested block the patch names (set in place, removed, or a
 * replaced block); every other line keeps its bytes — interpolation style, alignment, order.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { diffLines } from 'diff';
import { generateWithRules, verifyFix, RULES, type PatchResult } from '../../src/remediation/engine';
import { findBlock, findTerraform, type HclBlock, type HclNestedBlock } from '../../src/terraform';
import { FIXTURES, failureFor, indexAndLocate, scratchRepo } from './helpers';
import { draftReasons } from '../../src/pullRequests/content';

const RULE_FIXTURES = path.join(FIXTURES, 'rules');

/** Line ranges (1-based, inclusive) of `file` that the patch may rewrite. */
function editedRanges(block: HclBlock | undefined, edits: PatchResult['patch']['edits'], file: string) {
  const out: [number, number][] = [];
  const nested = (b: HclBlock, segs: string[]): HclNestedBlock | undefined => {
    let list = b.blocks;
    let n: HclNestedBlock | undefined;
    for (const seg of segs) {
      const m = /^(.*?)(?:\[(\d+)\])?$/.exec(seg)!;
      n = list.filter((x) => x.type === m[1])[Number(m[2] ?? 0)];
      if (!n) return undefined;
      list = n.blocks;
    }
    return n;
  };
  for (const e of edits) {
    if (e.file !== file || !block) continue;
    if (e.kind === 'replace_block') out.push([block.range.startLine, block.range.endLine]);
    if (e.kind === 'remove_nested_block') {
      const segs = [...e.path];
      if (e.index !== undefined) segs[segs.length - 1] += `[${e.index}]`;
      const n = nested(block, segs);
      if (n) out.push([n.range.startLine, n.range.endLine]);
    }
    if (e.kind === 'set_attribute') {
      const parent = e.path.length > 1 ? nested(block, e.path.slice(0, -1)) : block;
      const a = parent?.attributes[e.path[e.path.length - 1]!];
      if (a) out.push([a.range.startLine, a.range.endLine]);
      // A single-line body `{}` or `{ x = 1 }` is expanded: its one line is rewritten.
      if (parent && parent.range.startLine === parent.range.endLine)
        out.push([parent.range.startLine, parent.range.endLine]);
    }
    if (e.kind === 'add_nested_block') {
      const parent = e.path.length > 0 ? nested(block, e.path) : block;
      if (parent && parent.range.startLine === parent.range.endLine)
        out.push([parent.range.startLine, parent.range.endLine]);
    }
  }
  return out;
}

describe.each(RULES.map((r) => [r.id, r] as const))('rule %s', (id, rule) => {
  it('removes only lines of the attributes and nested blocks it edits', async () => {
    const src = path.join(RULE_FIXTURES, id);
    const dir = scratchRepo(src);
    // Shapes (other fixtures of the rule) are judged elsewhere; only main.tf's tree matters here.
    fs.rmSync(path.join(dir, 'shapes'), { recursive: true, force: true });
    const address = fs.readFileSync(path.join(dir, 'target.txt'), 'utf8').trim();
    const testId = rule.vantaTestIds[0] ?? rule.checkovIds[0] ?? `custom-${id}`;
    const failure = failureFor(
      testId,
      { testName: rule.title },
      {
        terraformAddress: address,
        file: 'main.tf',
        responseType: rule.accountLevel ? 'AWS Account' : undefined,
      },
    );
    const { index, target } = await indexAndLocate(dir, failure);
    const gen = generateWithRules(index, target, failure);
    expect(gen.status).toBe('patch');
    const v = await verifyFix(index, target, failure, gen as PatchResult, { terraformValidate: false });
    if (!v.ok) throw new Error(v.errors.join('\n'));
    for (const f of v.fix.files) {
      const before = index.files[f.path]?.text ?? '';
      const block = findBlock(index, target.address, f.path);
      const allowed = editedRanges(block, (gen as PatchResult).patch.edits, f.path);
      let line = 1;
      const stray: string[] = [];
      for (const part of diffLines(before, f.content)) {
        const n = part.count ?? part.value.split('\n').length - 1;
        if (part.removed) {
          for (let i = 0; i < n; i++) {
            const l = line + i;
            if (!allowed.some(([a, b]) => l >= a && l <= b))
              stray.push(`${f.path}:${l}: ${part.value.split('\n')[i]}`);
          }
        }
        if (!part.added) line += n;
      }
      expect(stray).toEqual([]);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

it('keeps interpolation style and the alignment of neighbours; a longer new name starts its own group', async () => {
  const tf = [
    'variable "ami" {}',
    '',
    'resource "aws_instance" "web" {',
    '  ami           = "${var.ami}"',
    '  instance_type = "t3.micro"',
    '  tags = {',
    '    Name = "web"',
    '  }',
    '}',
    '',
  ].join('\n');
  const dir = scratchRepo({ 'main.tf': tf });
  const failure = failureFor('ec2-imdsv2', {}, { terraformAddress: 'aws_instance.web', file: 'main.tf' });
  const { index, target } = await indexAndLocate(dir, failure);
  const gen = generateWithRules(index, target, failure);
  expect(gen.status).toBe('patch');
  const v = await verifyFix(index, target, failure, gen as PatchResult, { terraformValidate: false });
  if (!v.ok) throw new Error(v.errors.join('\n'));
  const after = v.fix.files[0]!.content;
  expect(after).toContain('  ami           = "${var.ami}"\n  instance_type = "t3.micro"\n');
  expect(after).toContain('  tags = {\n    Name = "web"\n  }\n');
});

describe('a new attribute joins its neighbours the way terraform fmt would align it', () => {
  const cases: [string, string, RegExp][] = [
    // multi_az (8) fits the group's `=` column (14): padded, neighbours untouched.
    [
      'fits',
      '  engine         = "postgres"\n  instance_class = "db.t3.micro"\n',
      /instance_class = "db\.t3\.micro"\n {2}multi_az {7}= true\n\}/,
    ],
    // A group narrower than the new name: the new line starts its own group after a blank line.
    ['longer', '  engine  = "postgres"\n  db_name = "app"\n', /db_name = "app"\n\n {2}multi_az = true\n\}/],
  ];
  it.each(cases)('%s', async (_name, attrs, expected) => {
    const tf = `resource "aws_db_instance" "db" {\n${attrs}}\n`;
    const dir = scratchRepo({ 'main.tf': tf });
    const failure = failureFor(
      'aws-rds-multi-az-redundancy',
      {},
      { terraformAddress: 'aws_db_instance.db', file: 'main.tf' },
    );
    const { index, target } = await indexAndLocate(dir, failure);
    const gen = generateWithRules(index, target, failure);
    expect(gen.status).toBe('patch');
    const v = await verifyFix(index, target, failure, gen as PatchResult, { terraformValidate: false });
    if (!v.ok) throw new Error(v.errors.join('\n'));
    const after = v.fix.files[0]!.content;
    expect(after).toMatch(expected);
    expect(after.startsWith(`resource "aws_db_instance" "db" {\n${attrs}`)).toBe(true);
    const tfBin = findTerraform();
    if (!tfBin) {
      console.warn('skipped the terraform fmt -check part: no terraform binary');
      return;
    }
    fs.writeFileSync(path.join(dir, 'main.tf'), after);
    const r = spawnSync(tfBin, ['fmt', '-check', '-diff', 'main.tf'], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout).toBe('');
  });
});

it('an in-place rewrite of a nested block keeps its place (ALB redirect: default_action stays before tags)', async () => {
  const tf = [
    'resource "aws_lb_listener" "http" {',
    '  load_balancer_arn = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/1"',
    '  port              = 80',
    '  protocol          = "HTTP"',
    '',
    '  default_action {',
    '    type             = "forward"',
    '    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/web/2"',
    '  }',
    '',
    '  tags = {',
    '    Name = "web-http"',
    '  }',
    '}',
    '',
    'resource "aws_lb_listener" "https" {',
    '  load_balancer_arn = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/1"',
    '  port              = 443',
    '  protocol          = "HTTPS"',
    '  certificate_arn   = "arn:aws:acm:eu-west-1:111111111111:certificate/web"',
    '',
    '  default_action {',
    '    type             = "forward"',
    '    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/web/2"',
    '  }',
    '}',
    '',
  ].join('\n');
  const dir = scratchRepo({ 'main.tf': tf });
  const failure = redirectFailure();
  const { index, target } = await indexAndLocate(dir, failure);
  const gen = generateWithRules(index, target, failure);
  expect(gen).toMatchObject({ status: 'patch', ruleId: 'alb-http-to-https-redirect' });
  const v = await verifyFix(index, target, failure, gen as PatchResult, { terraformValidate: false });
  if (!v.ok) throw new Error(v.errors.join('\n'));
  const after = v.fix.files[0]!.content;
  expect(after.indexOf('default_action {')).toBeLessThan(after.indexOf('tags = {'));
  expect(after).toContain('  protocol          = "HTTP"\n\n  default_action {\n    type = "redirect"');
  expect(after).toContain('\n\n  tags = {\n    Name = "web-http"\n  }\n}\n');
});

/** The HTTP listener and the certificate the HTTPS redirect cases share, and their failure. */
const HTTP_LISTENER = [
  'resource "aws_lb_listener" "http" {',
  '  load_balancer_arn = aws_lb.web.arn',
  '  port              = 80',
  '  protocol          = "HTTP"',
  '',
  '  default_action {',
  '    type             = "forward"',
  '    target_group_arn = aws_lb_target_group.web.arn',
  '  }',
  '}',
  '',
];
const CERTIFICATE = [
  'resource "aws_acm_certificate" "web" {',
  '  domain_name       = "www.acme.example"',
  '  validation_method = "DNS"',
  '}',
  '',
];
const redirectFailure = () =>
  failureFor(
    'aws-alb-http-redirect',
    { testName: 'ALB redirects HTTP to HTTPS' },
    { terraformAddress: 'aws_lb_listener.http', file: 'main.tf' },
  );

it('the HTTPS redirect reads the repository first: no HTTPS listener on the load balancer, no fix (and why)', async () => {
  const tf = [...CERTIFICATE, ...HTTP_LISTENER].join('\n');
  const dir = scratchRepo({ 'main.tf': tf });
  const failure = redirectFailure();
  const { index, target } = await indexAndLocate(dir, failure);
  const gen = generateWithRules(index, target, failure);
  expect(gen).toMatchObject({ status: 'no_fix' });
  expect((gen as { reason: string }).reason).toContain(
    'no HTTPS listener with a certificate on aws_lb.web.arn: add one (protocol HTTPS, port 443) before redirecting HTTP to it; TerraFix cannot add it because its load_balancer_arn is not a load balancer of the same module',
  );
});

it('no HTTPS listener but a certificate in the module: the fix adds the HTTPS listener and opens a draft saying so', async () => {
  const tf = [
    'resource "aws_lb" "web" {',
    '  name               = "web"',
    '  load_balancer_type = "application"',
    '  subnets            = ["subnet-1", "subnet-2"]',
    '}',
    '',
    'resource "aws_lb_target_group" "web" {',
    '  name     = "web"',
    '  port     = 80',
    '  protocol = "HTTP"',
    '  vpc_id   = "vpc-1"',
    '}',
    '',
    ...CERTIFICATE,
    'resource "aws_acm_certificate_validation" "web" {',
    '  certificate_arn = aws_acm_certificate.web.arn',
    '}',
    '',
    ...HTTP_LISTENER,
  ].join('\n');
  const dir = scratchRepo({ 'main.tf': tf });
  const failure = redirectFailure();
  const { index, target } = await indexAndLocate(dir, failure);
  const gen = generateWithRules(index, target, failure);
  if (gen.status !== 'patch') throw new Error(JSON.stringify(gen));
  const v = await verifyFix(index, target, failure, gen);
  if (!v.ok) throw new Error(v.errors.join('\n'));
  const after = v.fix.files[0]!.content;
  // Everything before the listener keeps its bytes; the HTTPS listener serves what HTTP served.
  expect(after.startsWith(tf.slice(0, tf.indexOf('resource "aws_lb_listener"')))).toBe(true);
  expect(after).toContain(
    [
      'resource "aws_lb_listener" "http_https" {',
      '  load_balancer_arn = aws_lb.web.arn',
      '  port              = 443',
      '  protocol          = "HTTPS"',
      '  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"',
      '  certificate_arn   = aws_acm_certificate_validation.web.certificate_arn',
      '',
      '  default_action {',
      '    type             = "forward"',
      '    target_group_arn = aws_lb_target_group.web.arn',
      '  }',
      '}',
    ].join('\n'),
  );
  expect(after).toMatch(/redirect \{\s+port\s+= aws_lb_listener\.http_https\.port\s+protocol\s+= "HTTPS"/);
  expect(v.fix.reviewReasons).toEqual([
    'the prerequisite is only partly met: there was no HTTPS listener on aws_lb.web.arn; this PR adds aws_lb_listener.http_https with the certificate aws_acm_certificate_validation.web.certificate_arn',
  ]);
  expect(draftReasons(v.fix)).toContain(v.fix.reviewReasons![0]);
});
