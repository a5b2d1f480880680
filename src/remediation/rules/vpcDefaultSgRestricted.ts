/**
 * The default security group of every VPC restricts all traffic: the VPC has an
 * aws_default_security_group with no ingress or egress rules (Terraform then removes AWS's default
 * allow rules). The fix adds one, or removes the rules of the existing one.
 */
import type { PatchEdit } from '../../contracts';
import { collectRefs, type HclBlock } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { insertAfterTarget, instanceRef, local, moduleBlocks, need, newLabel, patch } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Restrict the default security group';

const RULE_TYPES = [
  'aws_security_group_rule',
  'aws_vpc_security_group_ingress_rule',
  'aws_vpc_security_group_egress_rule',
];

/** Blocks of `type` whose `attr` references `addr`. */
const refsTo = (ctx: RuleContext, type: string, attr: string, addr: string): HclBlock[] =>
  moduleBlocks(ctx).filter((c) => {
    const a = c.labels[0] === type ? c.attributes[attr] : undefined;
    return Boolean(
      a &&
      collectRefs(a.expr).some((r) => r === addr || r.startsWith(`${addr}.`) || r.startsWith(`${addr}[`)),
    );
  });

/** The VPC's default security group resources. */
const defaults = (ctx: RuleContext): HclBlock[] =>
  refsTo(ctx, 'aws_default_security_group', 'vpc_id', local(need(ctx)));

/** What still lets traffic through the default security group, per problem. */
function problems(ctx: RuleContext): string[] {
  const groups = defaults(ctx);
  if (!groups.length) return ['the VPC has no aws_default_security_group: AWS keeps its default allow rules'];
  return groups.flatMap((g) => [
    ...g.blocks
      .filter((n) => n.type === 'ingress' || n.type === 'egress')
      .map((n) => `${g.localAddress} has an ${n.type} rule`),
    ...['ingress', 'egress']
      .filter((a) => g.attributes[a] && g.attributes[a].exprText.replace(/\s/g, '') !== '[]')
      .map((a) => `${g.localAddress} sets ${a}`),
    ...RULE_TYPES.flatMap((t) => refsTo(ctx, t, 'security_group_id', g.localAddress)).map(
      (r) => `${r.localAddress} adds a rule to ${g.localAddress}`,
    ),
  ]);
}

const BREAKING = [
  "Instances, ENIs and Lambda functions that use the VPC's default security group lose all inbound and outbound traffic. Move them to dedicated security groups before merging.",
];

export const rule: Rule = {
  id: 'vpc-default-sg-restricted',
  title: 'VPC default security group restricts all traffic',
  requirement: 'The VPC has an aws_default_security_group with no ingress or egress rules.',
  vantaTestIds: [],
  checkovIds: ['CKV2_AWS_12'],
  resourceTypes: ['aws_vpc'],
  keywords: /default security group/i,
  responseTypes: /vpc/i,
  breaking: true,
  impactNote: 'Anything still using the default security group loses all traffic.',
  check(ctx) {
    const p = problems(ctx);
    return p.length
      ? { status: 'non_compliant', reasons: p }
      : { status: 'compliant', reasons: ['the default security group allows no traffic'] };
  },
  fix(ctx) {
    const groups = defaults(ctx);
    if (!groups.length) {
      const label = newLabel(ctx, 'aws_default_security_group');
      const { meta, ref } = instanceRef(ctx);
      const text = `resource "aws_default_security_group" "${label}" {\n${meta ? `  ${meta}\n` : ''}  vpc_id = ${ref}.id\n}`;
      return patch({
        edits: [insertAfterTarget(ctx, [text])],
        explanation: `Adds aws_default_security_group.${label} with no rules: Terraform takes over the VPC's default security group and removes its default allow rules.`,
        changedAttributes: [],
        confidence: 'medium',
        breakingChanges: BREAKING,
      });
    }
    const p = problems(ctx);
    if (p.some((x) => / sets | adds a rule /.test(x)))
      throw new Error(
        `the default security group's rules are set by attributes or separate rule resources: ${p.join('; ')}`,
      );
    const edits: PatchEdit[] = groups.flatMap((g) =>
      (['ingress', 'egress'] as const).flatMap((t) => {
        const n = g.blocks.filter((x) => x.type === t).length;
        return Array.from({ length: n }, (_, i) => ({
          kind: 'remove_nested_block' as const,
          file: g.file,
          address: g.localAddress,
          path: [t],
          index: n - 1 - i,
        }));
      }),
    );
    return patch({
      edits,
      explanation: `Removes every ingress and egress rule of the VPC's default security group (${groups.map((g) => g.localAddress).join(', ')}).`,
      changedAttributes: ['ingress', 'egress'],
      confidence: 'medium',
      breakingChanges: BREAKING,
    });
  },
};
