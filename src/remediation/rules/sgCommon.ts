/**
 * Security group ingress open to the world on an administrative port (SSH 22, RDP 3389), in the three
 * Terraform forms: inline `ingress` blocks of aws_security_group, aws_security_group_rule, and
 * aws_vpc_security_group_ingress_rule. IPv4 0.0.0.0/0 and IPv6 ::/0 both count.
 *
 * The fix narrows a world-open ingress to what the module already declares for administrators (see
 * ./sgSources.ts: an admin CIDR variable or local, an admin prefix list, or the bastion's security
 * group); a bastion keeps its SSH/RDP from those networks. Only when nothing narrower exists is the
 * world-open ingress removed: an inline block is cut out, and a separate rule resource is deleted
 * (remove_block) unless it has count/for_each or other blocks refer to it — then no fix, with the reason.
 */
import type { PatchEdit } from '../../contracts';
import {
  attributeValue,
  blocksReferring,
  type HclBlock,
  type HclNestedBlock,
  type HclValue,
} from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { need, patch } from './helpers';
import {
  WORLD,
  adminCidrSources,
  adminPrefixSources,
  bastionSource,
  isBastionGroup,
  targetGroup,
  type NarrowerSource,
} from './sgSources';

function num(v: HclValue | undefined): number | null {
  if (v === undefined || v === null) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function list(v: HclValue | undefined): string[] {
  return Array.isArray(v)
    ? v.filter((x): x is string => typeof x === 'string')
    : typeof v === 'string'
      ? [v]
      : [];
}

/** A top-level attribute of the target resolved for the target's instance. */
function val(ctx: RuleContext, block: HclBlock, name: string): HclValue | undefined {
  if (!(name in block.attributes)) return undefined;
  const r = attributeValue(ctx.index, block, name, ctx.block === block ? ctx.instance : undefined);
  return r.known ? r.value : undefined;
}

/** A nested block attribute resolved in the block's default context. */
function nestedVal(n: HclNestedBlock, name: string): HclValue | undefined {
  const a = n.attributes[name];
  return a && a.value.known ? a.value.value : undefined;
}

function coversPort(
  proto: HclValue | undefined,
  from: number | null,
  to: number | null,
  port: number,
): boolean {
  const p = String(proto ?? 'tcp').toLowerCase();
  if (p === '-1' || p === 'all') return true;
  if (p !== 'tcp' && p !== '6') return false;
  if (from === null || to === null) return false;
  return from <= port && port <= to;
}

type Form = 'inline' | 'rule' | 'vpc_rule';

/** One world-open ingress covering the port. */
interface Opening {
  form: Form;
  describe: string;
  /** The nested ingress block (inline), or [] for a rule resource's own attributes. */
  path: string[];
  /** The world networks it allows. */
  world: string[];
  /** Its networks that are not the world, which stay. */
  keep4: string[];
  keep6: string[];
  /** cidr_blocks / ipv6_cidr_blocks are written in the block. */
  hasV4: boolean;
  hasV6: boolean;
  /** Other sources stay (security groups, prefix lists, self). */
  others: boolean;
  /** aws_vpc_security_group_ingress_rule: the attribute holding the world network. */
  worldAttr?: 'cidr_ipv4' | 'cidr_ipv6';
}

/** The opening of one body (an inline ingress block or a rule resource) given its resolved values. */
function opening(
  form: Form,
  path: string[],
  has: (a: string) => boolean,
  get: (a: string) => HclValue | undefined,
  others: string[],
): Omit<Opening, 'describe'> | null {
  const v4 = list(get('cidr_blocks'));
  const v6 = list(get('ipv6_cidr_blocks'));
  const world = [...v4, ...v6].filter((c) => WORLD.has(c));
  if (!world.length) return null;
  return {
    form,
    path,
    world,
    keep4: v4.filter((c) => !WORLD.has(c)),
    keep6: v6.filter((c) => !WORLD.has(c)),
    hasV4: has('cidr_blocks'),
    hasV6: has('ipv6_cidr_blocks'),
    others: others.some(has),
  };
}

/** Every world-open ingress of the target covering the port. */
function openings(ctx: RuleContext, port: number): Opening[] {
  const b = need(ctx);
  const type = b.labels[0];
  if (type === 'aws_security_group') {
    const ingress = b.blocks.filter((n) => n.type === 'ingress');
    return ingress.flatMap((n, i) => {
      const from = num(nestedVal(n, 'from_port'));
      const to = num(nestedVal(n, 'to_port'));
      if (!coversPort(nestedVal(n, 'protocol'), from, to, port)) return [];
      const path = ingress.length > 1 ? [`ingress[${i}]`] : ['ingress'];
      const o = opening(
        'inline',
        path,
        (a) => a in n.attributes,
        (a) => nestedVal(n, a),
        ['security_groups', 'prefix_list_ids', 'self'],
      );
      return o
        ? [
            {
              ...o,
              describe: `inline ingress #${i + 1} (ports ${from}-${to}) is open to ${o.world.join(', ')}`,
            },
          ]
        : [];
    });
  }
  const get = (a: string) => val(ctx, b, a);
  if (type === 'aws_security_group_rule') {
    if (String(get('type')) !== 'ingress') return [];
    if (!coversPort(get('protocol'), num(get('from_port')), num(get('to_port')), port)) return [];
    const o = opening('rule', [], (a) => a in b.attributes, get, ['prefix_list_ids']);
    return o ? [{ ...o, describe: `rule is open to ${o.world.join(', ')}` }] : [];
  }
  if (type === 'aws_vpc_security_group_ingress_rule') {
    if (!coversPort(get('ip_protocol'), num(get('from_port')), num(get('to_port')), port)) return [];
    const attr = WORLD.has(String(get('cidr_ipv4')))
      ? 'cidr_ipv4'
      : WORLD.has(String(get('cidr_ipv6')))
        ? 'cidr_ipv6'
        : null;
    if (!attr) return [];
    const world = [String(get(attr))];
    return [
      {
        form: 'vpc_rule',
        path: [],
        world,
        keep4: [],
        keep6: [],
        hasV4: attr === 'cidr_ipv4',
        hasV6: attr === 'cidr_ipv6',
        others: false,
        worldAttr: attr,
        describe: `rule is open to ${world.join(', ')}`,
      },
    ];
  }
  return [];
}

/** The narrower source a world-only opening is closed to, or undefined when there is none. */
function chooseSource(ctx: RuleContext, o: Opening): NarrowerSource | undefined {
  const cidrs = adminCidrSources(ctx);
  const prefixes = adminPrefixSources(ctx);
  const bastion = bastionSource(ctx);
  if (o.form === 'vpc_rule') {
    // One network per rule: a single-network variable of the same family. A prefix list comes last:
    // Checkov (CKV_AWS_24/25) reads only cidr_ipv4/cidr_ipv6 there and reports prefix_list_id as open.
    const fam = o.worldAttr === 'cidr_ipv6' ? 'ipv6' : 'ipv4';
    return cidrs.find((c) => c.family === fam && !c.list) ?? bastion ?? prefixes.find((p) => !p.list);
  }
  const fam = o.world.includes('0.0.0.0/0') ? 'ipv4' : 'ipv6';
  return cidrs.find((c) => c.family === fam) ?? cidrs[0] ?? prefixes[0] ?? bastion;
}

/** The edits pointing a world-only opening at the source instead of the internet. */
function narrowEdits(b: HclBlock, o: Opening, s: NarrowerSource): PatchEdit[] {
  const set = (attr: string, value: string): PatchEdit => ({
    kind: 'set_attribute',
    file: b.file,
    address: b.localAddress,
    path: [...o.path, attr],
    value,
  });
  const asList = (ref: string, isList: boolean) => (isList ? ref : `[${ref}]`);
  // Emptied networks: [] inside an inline block; null (unset) on a rule resource, where a source
  // security group may not be combined with CIDR lists.
  const empty = o.form === 'inline' ? '[]' : 'null';
  if (o.form === 'vpc_rule') {
    const attr = o.worldAttr!;
    if (s.kind === 'cidr') return [set(attr, s.ref)];
    if (s.kind === 'security_group') return [set('referenced_security_group_id', s.ref), set(attr, 'null')];
    return [set('prefix_list_id', s.ref), set(attr, 'null')];
  }
  const edits: PatchEdit[] = [];
  if (s.kind === 'cidr') {
    const v4 = s.family === 'ipv4';
    edits.push(set(v4 ? 'cidr_blocks' : 'ipv6_cidr_blocks', asList(s.ref, s.list)));
    if (v4 ? o.hasV6 : o.hasV4) edits.push(set(v4 ? 'ipv6_cidr_blocks' : 'cidr_blocks', empty));
    return edits;
  }
  if (s.kind === 'prefix_list') edits.push(set('prefix_list_ids', asList(s.ref, s.list)));
  else if (o.form === 'inline') edits.push(set('security_groups', `[${s.ref}]`));
  else edits.push(set('source_security_group_id', s.ref));
  if (o.hasV4) edits.push(set('cidr_blocks', empty));
  if (o.hasV6) edits.push(set('ipv6_cidr_blocks', empty));
  return edits;
}

/** How one opening is closed: its edits and which source (if any) it now allows. */
interface Closing {
  edits: PatchEdit[];
  how: 'dropped' | 'narrowed' | 'removed' | 'deleted';
  source?: NarrowerSource;
}

/**
 * Closes one opening: drops world networks next to other sources, narrows to a source the module
 * declares, or, with nothing narrower, removes the inline block or deletes the rule resource.
 */
function close(ctx: RuleContext, o: Opening, port: number, label: string): Closing {
  const b = need(ctx);
  if (o.keep4.length || o.keep6.length || o.others) {
    const edits: PatchEdit[] = [];
    const set = (attr: string, keep: string[]): PatchEdit => ({
      kind: 'set_attribute',
      file: b.file,
      address: b.localAddress,
      path: [...o.path, attr],
      value: JSON.stringify(keep),
    });
    if (o.hasV4) edits.push(set('cidr_blocks', o.keep4));
    if (o.hasV6) edits.push(set('ipv6_cidr_blocks', o.keep6));
    return { edits, how: 'dropped' };
  }
  const source = chooseSource(ctx, o);
  if (source) return { edits: narrowEdits(b, o, source), how: 'narrowed', source };
  if (o.form === 'inline')
    return {
      edits: [{ kind: 'remove_nested_block', file: b.file, address: b.localAddress, path: o.path }],
      how: 'removed',
    };
  const blocker = deletionBlocker(ctx, b);
  if (blocker)
    throw new Error(
      `${b.localAddress} is open to the internet on ${label} (port ${port}) and the module declares nothing narrower ` +
        '(no admin_cidr*/allowed_cidr*/office_cidr*/vpn_cidr*/bastion_cidr*/trusted_cidr* variable or local, admin prefix list or bastion security group), ' +
        `so the rule resource must be deleted, but ${blocker}; delete it by hand, or declare the admin networks (e.g. variable "admin_cidr_blocks") and run again`,
    );
  return { edits: [{ kind: 'remove_block', file: b.file, address: b.localAddress }], how: 'deleted' };
}

/** Why a world-open rule resource cannot simply be deleted, or undefined when it can. */
function deletionBlocker(ctx: RuleContext, b: HclBlock): string | undefined {
  if ('count' in b.attributes || 'for_each' in b.attributes)
    return `it has ${'count' in b.attributes ? 'count' : 'for_each'}, and deleting the block would delete its other instances too`;
  const users = blocksReferring(ctx.index, b);
  if (users.length) return `${users.map((x) => x.localAddress).join(', ')} refer to it`;
  return undefined;
}

/** What a source is, for the explanation: `variable "admin_cidr_blocks" (["10.20.0.0/16"])`. */
function sourceText(s: NarrowerSource): string {
  return s.kind === 'cidr' && s.value ? `${s.label} (${s.value.join(', ')})` : s.label;
}

/** The explanation, breaking changes and requirements of the closings. */
function wording(ctx: RuleContext, closings: Closing[], port: number, label: string) {
  const sg = targetGroup(ctx);
  const bastion = sg && isBastionGroup(ctx, sg) ? sg.localAddress : undefined;
  const sources = [
    ...new Map(closings.flatMap((c) => (c.source ? [[c.source.ref, c.source]] : []))).values(),
  ];
  const says: string[] = [];
  const breaking: string[] = [];
  const needs: string[] = [];
  const review: string[] = [];
  for (const s of sources) {
    says.push(
      s.kind === 'security_group'
        ? `${label} is now allowed only from ${s.label}.`
        : `The source is now the existing ${sourceText(s)}.`,
    );
    breaking.push(
      s.kind === 'security_group'
        ? `Port ${port} is then reachable only from instances in ${s.label}: administrators connect through the bastion.`
        : `Only the networks of ${s.label} reach port ${port} after this change: anyone connecting from elsewhere loses access. Check that it holds every network administrators use before merging.`,
    );
    if (s.kind === 'cidr' && !s.value) {
      needs.push(
        `Make sure ${s.ref} is set (e.g. in terraform.tfvars) to the networks administrators use for ${label}.`,
      );
      review.push(
        `the prerequisite is only partly met: ${s.label} is declared but has no value in the repository, so which networks keep ${label} depends on how it is set at plan time`,
      );
    }
    if (s.kind === 'prefix_list' && ctx.block?.labels[0] === 'aws_vpc_security_group_ingress_rule')
      says.push(
        `Checkov's CKV_AWS_24/CKV_AWS_25 read only cidr_ipv4/cidr_ipv6 on this resource and still report it.`,
      );
  }
  if (bastion && sources.length)
    says.push(`${bastion} is the bastion: it keeps ${label} from those networks.`);
  if (closings.some((c) => c.how === 'removed')) {
    says.push(
      'Nothing narrower is declared in this module (no admin CIDR variable or local, admin prefix list or bastion security group), so the world-open ingress was removed.',
    );
    breaking.push(
      `Nobody reaches port ${port} from the internet after this change${bastion ? `, not even on the bastion ${bastion}` : ''}. Make sure administrators connect through a VPN, a bastion or SSM Session Manager, or declare their networks (e.g. variable "admin_cidr_blocks") and run again, before merging.`,
    );
  }
  if (closings.some((c) => c.how === 'deleted')) {
    says.push(
      `Nothing narrower is declared in this module (no admin CIDR variable or local, admin prefix list or bastion security group), so the world-open rule ${ctx.block?.localAddress ?? ''} is deleted.`,
    );
    breaking.push(
      `Terraform destroys ${ctx.block?.localAddress ?? 'the rule'}: nobody reaches port ${port} from the internet through it after this change${bastion ? `, not even on the bastion ${bastion}` : ''}. Make sure administrators connect through a VPN, a bastion or SSM Session Manager, or declare their networks (e.g. variable "admin_cidr_blocks") and run again, before merging.`,
    );
  }
  if (closings.some((c) => c.how === 'dropped')) {
    says.push('The world-open networks were dropped; the other sources stay.');
    breaking.push(`Anyone reaching port ${port} from the internet loses access; the other sources keep it.`);
  }
  return { says, breaking, needs, review };
}

/** Builds the SSH or RDP rule. */
export function sgRule(
  meta: Pick<Rule, 'id' | 'title' | 'vantaTestIds' | 'checkovIds' | 'keywords'>,
  port: number,
  label: string,
): Rule {
  return {
    ...meta,
    requirement: `No ingress from 0.0.0.0/0 or ::/0 to port ${port} (${label}).`,
    resourceTypes: ['aws_security_group', 'aws_security_group_rule', 'aws_vpc_security_group_ingress_rule'],
    responseTypes: /security group|firewall/i,
    breaking: true,
    check(ctx) {
      const o = openings(ctx, port);
      return o.length
        ? { status: 'non_compliant', reasons: o.map((x) => x.describe) }
        : { status: 'compliant', reasons: [`no world-open ingress to port ${port}`] };
    },
    fix(ctx) {
      const o = openings(ctx, port);
      const closings = o.map((x) => close(ctx, x, port, label));
      // Inline blocks are edited from the last to the first so removals keep the indexes valid.
      const edits = closings.flatMap((c) => c.edits).reverse();
      const { says, breaking, needs, review } = wording(ctx, closings, port, label);
      const changed = [...new Set(edits.map((e) => ('path' in e && e.path.length ? e.path[0] : 'ingress')))];
      const deleted = closings.some((c) => c.how === 'deleted') ? need(ctx).localAddress : undefined;
      return {
        ...patch({
          edits,
          explanation: `Closes ${label} (port ${port}) to the internet: ${o.map((x) => x.describe).join('; ')}. ${says.join(' ')}`,
          changedAttributes: deleted ? [] : changed.map((p) => p.replace(/\[\d+\]$/, '')),
          confidence: 'medium',
          breakingChanges: breaking,
          additionalRequirements: needs,
          reviewReasons: review,
          ...(deleted
            ? {
                impact: {
                  removal: `${deleted} is destroyed: the ${label} ingress it allows from the internet stops at once.`,
                },
              }
            : {}),
        }),
        ...(deleted ? { removes: [deleted] } : {}),
      };
    },
  };
}
