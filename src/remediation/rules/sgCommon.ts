/**
 * Security group ingress open to the world on an administrative port (SSH 22, RDP 3389), in the three
 * Terraform forms: inline `ingress` blocks of aws_security_group, aws_security_group_rule, and
 * aws_vpc_security_group_ingress_rule. IPv4 0.0.0.0/0 and IPv6 ::/0 both count.
 */
import type { PatchEdit } from '../../contracts';
import { attributeValue, type HclBlock, type HclNestedBlock, type HclValue } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { insertAfterTarget, need, patch, q } from './helpers';

const WORLD = new Set(['0.0.0.0/0', '::/0']);

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

function val(ctx: RuleContext, block: HclBlock, name: string): HclValue | undefined {
  if (!(name.split('.')[0] in block.attributes) && !name.includes('.')) return undefined;
  const r = attributeValue(ctx.index, block, name, ctx.block === block ? ctx.instance : undefined);
  return r.known ? r.value : undefined;
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

interface Opening {
  describe: string;
  edits: PatchEdit[];
  newBlocks: string[];
}

/** A nested block attribute resolved in the block's default context. */
function nestedVal(
  _ctx: RuleContext,
  _block: HclBlock,
  n: HclNestedBlock,
  name: string,
): HclValue | undefined {
  const a = n.attributes[name];
  return a && a.value.known ? a.value.value : undefined;
}

/** Every world-open ingress covering the port, with the edits that close it. */
function openings(ctx: RuleContext, port: number, label: string): Opening[] {
  const b = need(ctx);
  const type = b.labels[0];
  const out: Opening[] = [];
  const varName = `${b.labels[1]}_${label.toLowerCase()}_allowed_cidr`;
  if (type === 'aws_security_group') {
    const ingress = b.blocks.filter((n) => n.type === 'ingress');
    ingress.forEach((n, i) => {
      const v4 = list(nestedVal(ctx, b, n, 'cidr_blocks'));
      const v6 = list(nestedVal(ctx, b, n, 'ipv6_cidr_blocks'));
      const from = num(nestedVal(ctx, b, n, 'from_port'));
      const to = num(nestedVal(ctx, b, n, 'to_port'));
      if (!coversPort(nestedVal(ctx, b, n, 'protocol'), from, to, port)) return;
      if (![...v4, ...v6].some((c) => WORLD.has(c))) return;
      const keep4 = v4.filter((c) => !WORLD.has(c));
      const keep6 = v6.filter((c) => !WORLD.has(c));
      const others = ['security_groups', 'prefix_list_ids', 'self'].some((k) => k in n.attributes);
      const path = ingress.length > 1 ? [`ingress[${i}]`] : ['ingress'];
      let edits: PatchEdit[];
      if (keep4.length === 0 && keep6.length === 0 && !others) {
        edits = [{ kind: 'remove_nested_block', file: b.file, address: b.localAddress, path }];
      } else {
        edits = [];
        if ('cidr_blocks' in n.attributes)
          edits.push({
            kind: 'set_attribute',
            file: b.file,
            address: b.localAddress,
            path: [...path, 'cidr_blocks'],
            value: JSON.stringify(keep4),
          });
        if ('ipv6_cidr_blocks' in n.attributes)
          edits.push({
            kind: 'set_attribute',
            file: b.file,
            address: b.localAddress,
            path: [...path, 'ipv6_cidr_blocks'],
            value: JSON.stringify(keep6),
          });
      }
      out.push({
        describe: `inline ingress #${i + 1} (ports ${from}-${to}) is open to ${[...v4, ...v6].filter((c) => WORLD.has(c)).join(', ')}`,
        edits,
        newBlocks: [],
      });
    });
    return out;
  }
  if (type === 'aws_security_group_rule') {
    if (String(val(ctx, b, 'type')) !== 'ingress') return out;
    const v4 = list(val(ctx, b, 'cidr_blocks'));
    const v6 = list(val(ctx, b, 'ipv6_cidr_blocks'));
    if (
      !coversPort(val(ctx, b, 'protocol'), num(val(ctx, b, 'from_port')), num(val(ctx, b, 'to_port')), port)
    )
      return out;
    if (![...v4, ...v6].some((c) => WORLD.has(c))) return out;
    const keep4 = v4.filter((c) => !WORLD.has(c));
    const edits: PatchEdit[] = [];
    const newBlocks: string[] = [];
    if (keep4.length || v6.some((c) => !WORLD.has(c))) {
      if ('cidr_blocks' in b.attributes)
        edits.push({
          kind: 'set_attribute',
          file: b.file,
          address: b.localAddress,
          path: ['cidr_blocks'],
          value: JSON.stringify(keep4),
        });
    } else {
      edits.push({
        kind: 'set_attribute',
        file: b.file,
        address: b.localAddress,
        path: ['cidr_blocks'],
        value: `var.${varName}`,
      });
      newBlocks.push(variableBlock(varName, 'list(string)', port, label));
    }
    if ('ipv6_cidr_blocks' in b.attributes)
      edits.push({
        kind: 'set_attribute',
        file: b.file,
        address: b.localAddress,
        path: ['ipv6_cidr_blocks'],
        value: JSON.stringify(v6.filter((c) => !WORLD.has(c))),
      });
    out.push({
      describe: `rule is open to ${[...v4, ...v6].filter((c) => WORLD.has(c)).join(', ')}`,
      edits,
      newBlocks,
    });
    return out;
  }
  if (type === 'aws_vpc_security_group_ingress_rule') {
    const c4 = val(ctx, b, 'cidr_ipv4');
    const c6 = val(ctx, b, 'cidr_ipv6');
    if (
      !coversPort(
        val(ctx, b, 'ip_protocol'),
        num(val(ctx, b, 'from_port')),
        num(val(ctx, b, 'to_port')),
        port,
      )
    )
      return out;
    const world = [c4, c6].filter((c): c is string => typeof c === 'string' && WORLD.has(c));
    if (!world.length) return out;
    const attr = WORLD.has(String(c4)) ? 'cidr_ipv4' : 'cidr_ipv6';
    out.push({
      describe: `rule is open to ${world.join(', ')}`,
      edits: [
        {
          kind: 'set_attribute',
          file: b.file,
          address: b.localAddress,
          path: [attr],
          value: `var.${varName}`,
        },
      ],
      newBlocks: [variableBlock(varName, 'string', port, label)],
    });
  }
  return out;
}

function variableBlock(name: string, type: string, port: number, label: string): string {
  return `variable "${name}" {\n  description = ${q(`Network allowed to reach ${label} (port ${port}); it was open to the whole internet.`)}\n  type        = ${type}\n}`;
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
      const o = openings(ctx, port, label);
      return o.length
        ? { status: 'non_compliant', reasons: o.map((x) => x.describe) }
        : { status: 'compliant', reasons: [`no world-open ingress to port ${port}`] };
    },
    fix(ctx) {
      const o = openings(ctx, port, label);
      const newBlocks = o.flatMap((x) => x.newBlocks);
      // Remove inline blocks from the last to the first so indexes stay valid.
      const edits = o.flatMap((x) => x.edits).reverse();
      const vars = newBlocks.map((t) => /variable "([^"]+)"/.exec(t)?.[1]).filter(Boolean);
      return patch({
        edits: [...edits, ...(newBlocks.length ? [insertAfterTarget(ctx, newBlocks)] : [])],
        explanation: `Closes ${label} (port ${port}) to the internet: ${o.map((x) => x.describe).join('; ')}. ${
          vars.length
            ? `The source is now the variable ${vars.join(', ')}.`
            : 'The world-open source was removed.'
        }`,
        changedAttributes: ['ingress'],
        confidence: 'medium',
        breakingChanges: [
          `Anyone reaching port ${port} from the internet loses access when this is applied. Make sure administrators connect through a VPN, bastion or SSM Session Manager${vars.length ? `, and set ${vars.join(', ')} to the allowed network` : ''} before merging.`,
        ],
        additionalRequirements: vars.map(
          (v) => `Set the new variable ${v} (e.g. in terraform.tfvars) to the network that needs ${label}.`,
        ),
      });
    },
  };
}
