/**
 * Narrower sources for an administrative port (SSH, RDP) that is open to the internet: what the
 * repository already declares for its administrators, in the target's module. In order of preference:
 * an admin CIDR variable or local (admin_cidr*, allowed_cidr*, office_cidr*, vpn_cidr*, bastion_cidr*,
 * trusted_cidr*, also with an ipv4_/ipv6_ infix) whose value is not itself open to the world, an admin
 * managed prefix list (an aws_ec2_managed_prefix_list resource or data source, or a *_prefix_list*
 * variable), and, for a host that is not itself the bastion, the bastion's (jump host's) security group.
 */
import { collectRefs, resolveExpression, type Expr, type HclBlock, type HclValue } from '../../terraform';
import type { RuleContext } from '../types';
import { moduleBlocks, read } from './helpers';

/** IPv4 and IPv6 "anywhere". */
export const WORLD = new Set(['0.0.0.0/0', '::/0']);

/** Names of variables and locals that hold administrators' networks. */
const ADMIN_CIDR = /(?:^|_)(?:admin|allowed|office|vpn|bastion|trusted)_(?:ipv[46]_|v[46]_)?cidr/i;
/** Names of variables that hold administrators' prefix lists. */
const ADMIN_PREFIX_VAR = /(?:^|_)(?:admin|allowed|office|vpn|bastion|trusted)_(?:managed_)?prefix_list/i;
/** Names of prefix lists meant for administrators (not, say, the AWS-managed S3 list). */
const ADMIN_PREFIX_NAME = /admin|allowed|office|vpn|bastion|trusted|corp|jump|ssh|rdp|management|mgmt/i;
/** A bastion or jump host, by label, name or Name tag. */
const BASTION = /bastion|jump/i;

/** A variable or local holding administrators' networks. */
export interface CidrSource {
  kind: 'cidr';
  /** The reference written into the rule: var.admin_cidr_blocks, local.office_cidrs. */
  ref: string;
  family: 'ipv4' | 'ipv6';
  /** True for a list of networks, false for a single network (a string). */
  list: boolean;
  /** The networks it resolves to, when known offline (default, tfvars or a literal local). */
  value?: string[];
  /** How the explanation names it: `variable "admin_cidr_blocks"`. */
  label: string;
}

/** An administrators' managed prefix list. */
export interface PrefixSource {
  kind: 'prefix_list';
  /** A single prefix list id expression (aws_ec2_managed_prefix_list.admins.id), or a list variable. */
  ref: string;
  list: boolean;
  label: string;
}

/** The bastion's security group: the host is reached only through the bastion. */
export interface SecurityGroupSource {
  kind: 'security_group';
  /** aws_security_group.bastion.id */
  ref: string;
  label: string;
}

export type NarrowerSource = CidrSource | PrefixSource | SecurityGroupSource;

/** A reference expression (var.x / local.x) resolved in the target's scope. */
function resolveRef(ctx: RuleContext, root: 'var' | 'local', name: string): HclValue | undefined {
  if (!ctx.block) return undefined;
  const e: Expr = { t: 'ref', root, path: [name] };
  const r = resolveExpression(ctx.index, ctx.block, e, ctx.instance);
  return r.known ? r.value : undefined;
}

/** The networks of a resolved value, or null when it is not a network or a list of networks. */
function networks(v: HclValue | undefined): string[] | null {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x): x is string => typeof x === 'string')) return v;
  return null;
}

/** One admin CIDR candidate from its name, declared type text and resolved value (undefined: unknown). */
function cidrCandidate(
  ref: string,
  label: string,
  typeText: string | undefined,
  value: HclValue | undefined,
): CidrSource | null {
  if (value !== undefined) {
    const nets = networks(value);
    // A value open to the world is no narrower; a mixed IPv4/IPv6 list fits neither attribute.
    if (!nets || nets.some((n) => WORLD.has(n))) return null;
    const v6 = nets.filter((n) => n.includes(':')).length;
    if (v6 !== 0 && v6 !== nets.length) return null;
    return {
      kind: 'cidr',
      ref,
      label,
      family: v6 ? 'ipv6' : 'ipv4',
      list: Array.isArray(value),
      value: nets,
    };
  }
  const name = ref.split('.')[1];
  const list = typeText ? /^\s*(list|set|tuple)\b/.test(typeText) : /(s|blocks|ranges|list)$/i.test(name);
  return { kind: 'cidr', ref, label, family: /ipv6|v6_/i.test(name) ? 'ipv6' : 'ipv4', list };
}

/** Admin CIDR variables and locals of the target's module: known values first, then by name. */
export function adminCidrSources(ctx: RuleContext): CidrSource[] {
  const all = ctx.index.blocks.filter((b) => b.moduleDir === ctx.target.moduleDir);
  const out: CidrSource[] = [];
  for (const v of all.filter((b) => b.kind === 'variable' && ADMIN_CIDR.test(b.labels[0] ?? ''))) {
    const name = v.labels[0];
    const c = cidrCandidate(
      `var.${name}`,
      `variable "${name}"`,
      v.attributes.type?.exprText,
      resolveRef(ctx, 'var', name),
    );
    if (c) out.push(c);
  }
  for (const l of all.filter((b) => b.kind === 'locals'))
    for (const name of Object.keys(l.attributes).filter((n) => ADMIN_CIDR.test(n))) {
      const c = cidrCandidate(`local.${name}`, `local "${name}"`, undefined, resolveRef(ctx, 'local', name));
      // A local that does not resolve offline is not trusted to be narrow.
      if (c?.value) out.push(c);
    }
  const rank = (c: CidrSource): number => (c.value ? 0 : 1) + (c.ref.startsWith('var.') ? 0 : 2);
  return out.sort((a, b) => rank(a) - rank(b) || a.ref.localeCompare(b.ref));
}

/** A resource's or data source's `name` (or its label) matches the pattern. */
function named(ctx: RuleContext, b: HclBlock, re: RegExp): boolean {
  const n = read(ctx, 'name', b);
  return re.test(b.labels[1] ?? '') || (n.set && n.known && typeof n.value === 'string' && re.test(n.value));
}

/** Administrators' prefix lists of the target's module: resources, data sources, then variables. */
export function adminPrefixSources(ctx: RuleContext): PrefixSource[] {
  const single = (b: HclBlock) => !b.attributes.count && !b.attributes.for_each;
  const res = moduleBlocks(ctx)
    .filter(
      (b) => b.labels[0] === 'aws_ec2_managed_prefix_list' && single(b) && named(ctx, b, ADMIN_PREFIX_NAME),
    )
    .map((b) => ({ ref: `${b.localAddress}.id`, label: `prefix list ${b.localAddress}` }));
  const data = moduleBlocks(ctx, 'data')
    .filter(
      (b) => b.labels[0] === 'aws_ec2_managed_prefix_list' && single(b) && named(ctx, b, ADMIN_PREFIX_NAME),
    )
    .map((b) => ({ ref: `${b.localAddress}.id`, label: `prefix list ${b.localAddress}` }));
  const vars = ctx.index.blocks
    .filter((b) => b.moduleDir === ctx.target.moduleDir && b.kind === 'variable')
    .filter((b) => ADMIN_PREFIX_VAR.test(b.labels[0] ?? ''))
    .map((b) => {
      const t = b.attributes.type?.exprText;
      const list = t ? /^\s*(list|set|tuple)\b/.test(t) : /ids$/i.test(b.labels[0]);
      return { ref: `var.${b.labels[0]}`, label: `variable "${b.labels[0]}"`, list };
    });
  return [
    ...[...res, ...data].map((p) => ({ kind: 'prefix_list' as const, list: false, ...p })),
    ...vars.map((p) => ({ kind: 'prefix_list' as const, ...p })),
  ];
}

/** The Name tag of a block, when known. */
function nameTag(ctx: RuleContext, b: HclBlock): string | undefined {
  const t = read(ctx, 'tags', b);
  if (!t.set || !t.known || !t.value || typeof t.value !== 'object' || Array.isArray(t.value))
    return undefined;
  const n = (t.value as Record<string, HclValue>).Name;
  return typeof n === 'string' ? n : undefined;
}

/** A block named, or tagged with a Name, like a bastion or jump host. */
function bastionNamed(ctx: RuleContext, b: HclBlock): boolean {
  const np = read(ctx, 'name_prefix', b);
  return (
    named(ctx, b, BASTION) ||
    BASTION.test(nameTag(ctx, b) ?? '') ||
    (np.set && np.known && typeof np.value === 'string' && BASTION.test(np.value))
  );
}

/** True when the security group is a bastion's: by its own name/tag, or a bastion instance uses it. */
export function isBastionGroup(ctx: RuleContext, sg: HclBlock): boolean {
  if (bastionNamed(ctx, sg)) return true;
  const own = sg.localAddress;
  return moduleBlocks(ctx).some(
    (b) =>
      (b.labels[0] === 'aws_instance' || b.labels[0] === 'aws_launch_template') &&
      bastionNamed(ctx, b) &&
      ['vpc_security_group_ids', 'security_groups'].some((a) => {
        const attr = b.attributes[a];
        return attr ? collectRefs(attr.expr).some((r) => r === own || r.startsWith(`${own}.`)) : false;
      }),
  );
}

/** The security group a target belongs to: itself, or the group its security_group_id references. */
export function targetGroup(ctx: RuleContext): HclBlock | undefined {
  const b = ctx.block;
  if (!b) return undefined;
  if (b.labels[0] === 'aws_security_group') return b;
  const a = b.attributes.security_group_id;
  const ref = a ? collectRefs(a.expr).find((r) => r.startsWith('aws_security_group.')) : undefined;
  const addr = ref?.split('.').slice(0, 2).join('.');
  return addr ? moduleBlocks(ctx).find((x) => x.localAddress === addr) : undefined;
}

/** The bastion's security group, for a target that is not itself the bastion. */
export function bastionSource(ctx: RuleContext): SecurityGroupSource | undefined {
  const own = targetGroup(ctx);
  if (own && isBastionGroup(ctx, own)) return undefined;
  const sg = moduleBlocks(ctx).find(
    (b) =>
      b.labels[0] === 'aws_security_group' &&
      b !== own &&
      !b.attributes.count &&
      !b.attributes.for_each &&
      isBastionGroup(ctx, b),
  );
  return sg
    ? {
        kind: 'security_group',
        ref: `${sg.localAddress}.id`,
        label: `the bastion (jump host) security group ${sg.localAddress}`,
      }
    : undefined;
}
