/**
 * SSH/RDP open to the world through terraform-aws-modules/security-group inputs: named rules in
 * `ingress_rules` (or a preset submodule's `auto_ingress_rules`) applied to `ingress_cidr_blocks` /
 * `ingress_ipv6_cidr_blocks`, and items of `ingress_with_cidr_blocks` / `ingress_with_ipv6_cidr_blocks`
 * (each item's comma-separated `cidr_blocks`, else the shared list). The fix narrows or removes the
 * same way the resource rule does: the world-open source goes, narrower sources keep their access.
 */
import type { Patch } from '../contracts';
import type { HclBlock, HclValue } from '../terraform';
import {
  appendTupleItems,
  dedentContinuation,
  removeTupleItems,
  replaceTupleItem,
  setObjectKey,
  tupleItems,
} from './hclLiteral';
import { inputEdits, moduleBlock, moduleInputs } from './moduleCommon';
import { parseModuleSource, type ModuleInputs, type ModuleSpec } from './modules';
import { patch, q } from './rules/helpers';
import type { CheckResult, RuleContext } from './types';

const WORLD = new Set(['0.0.0.0/0', '::/0']);

/** The named rules of the module's rules.tf that can reach port 22 or 3389: [from, to, protocol]. */
const NAMED: Record<string, [number, number, string]> = {
  'ssh-tcp': [22, 22, 'tcp'],
  'rdp-tcp': [3389, 3389, 'tcp'],
  'rdp-udp': [3389, 3389, 'udp'],
  'all-all': [-1, -1, '-1'],
  'all-tcp': [0, 65535, 'tcp'],
  'all-udp': [0, 65535, 'udp'],
};

/** auto_ingress_rules defaults of the preset submodules that open SSH or RDP (modules/<x>/auto_values.tf). */
const AUTO: Record<string, string[]> = { 'modules/ssh': ['ssh-tcp'], 'modules/rdp': ['rdp-tcp', 'rdp-udp'] };

const strings = (v: HclValue | undefined): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const isObj = (v: HclValue): v is { [k: string]: HclValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function covers(proto: string, from: number, to: number, port: number): boolean {
  const p = proto.toLowerCase();
  if (p === '-1' || p === 'all') return true;
  return (p === 'tcp' || p === '6') && from <= port && port <= to;
}

const ruleCovers = (name: string, port: number): boolean => {
  const r = NAMED[name];
  return Boolean(r && covers(r[2], r[0], r[1], port));
};

/** A world-open rule name in a rule list input. */
interface NamedOpening {
  kind: 'named';
  input: 'ingress_rules' | 'auto_ingress_rules';
  rule: string;
}

/** A world-open item of a with_*_cidr_blocks list input. */
interface ItemOpening {
  kind: 'item';
  input: 'ingress_with_cidr_blocks' | 'ingress_with_ipv6_cidr_blocks';
  index: number;
  /** Its non-world sources (kept). */
  keep: string[];
}

type Opening = (NamedOpening | ItemOpening) & { describe: string };

interface SgState {
  v4: string[];
  v6: string[];
  autos: string[] | null;
  openings: Opening[];
}

function namedOpenings(inputs: ModuleInputs, autoDefault: string[] | null, port: number): Opening[] {
  const world = [
    ...strings(inputs.value('ingress_cidr_blocks')),
    ...strings(inputs.value('ingress_ipv6_cidr_blocks')),
  ].filter((c) => WORLD.has(c));
  if (!world.length) return [];
  const out: Opening[] = [];
  const lists: [NamedOpening['input'], string[]][] = [
    ['ingress_rules', strings(inputs.value('ingress_rules'))],
  ];
  if (autoDefault)
    lists.push([
      'auto_ingress_rules',
      inputs.has('auto_ingress_rules') ? strings(inputs.value('auto_ingress_rules')) : autoDefault,
    ]);
  for (const [input, names] of lists)
    for (const rule of names.filter((n) => ruleCovers(n, port)))
      out.push({ kind: 'named', input, rule, describe: `${input} "${rule}" is open to ${world.join(', ')}` });
  return out;
}

function itemOpenings(inputs: ModuleInputs, port: number): Opening[] {
  const out: Opening[] = [];
  const lists = [
    ['ingress_with_cidr_blocks', 'cidr_blocks', 'ingress_cidr_blocks'],
    ['ingress_with_ipv6_cidr_blocks', 'ipv6_cidr_blocks', 'ingress_ipv6_cidr_blocks'],
  ] as const;
  for (const [input, key, shared] of lists) {
    const items = inputs.value(input);
    if (!Array.isArray(items)) continue;
    items.forEach((item, index) => {
      if (!isObj(item)) return;
      const named = NAMED[String(item.rule ?? '')];
      const from = Number(item.from_port ?? named?.[0]);
      const to = Number(item.to_port ?? named?.[1]);
      const proto = String(item.protocol ?? named?.[2] ?? '');
      if (!Number.isFinite(from) || !Number.isFinite(to) || !covers(proto, from, to, port)) return;
      // main.tf: split(",", lookup(item, "cidr_blocks", join(",", var.ingress_cidr_blocks)))
      const cidrs =
        key in item
          ? String(item[key])
              .split(',')
              .map((c) => c.trim())
          : strings(inputs.value(shared));
      const world = cidrs.filter((c) => WORLD.has(c));
      if (!world.length) return;
      const keep = cidrs.filter((c) => c && !WORLD.has(c));
      out.push({
        kind: 'item',
        input,
        index,
        keep,
        describe: `${input}[${index}] (ports ${from}-${to}) is open to ${world.join(', ')}`,
      });
    });
  }
  return out;
}

function sgState(ctx: RuleContext, block: HclBlock, port: number): SgState {
  const inputs = moduleInputs(ctx, block);
  const src = block.attributes.source?.value;
  const sub = src?.known && typeof src.value === 'string' ? parseModuleSource(src.value).submodule : null;
  const autos = sub ? (AUTO[sub] ?? null) : null;
  return {
    v4: strings(inputs.value('ingress_cidr_blocks')),
    v6: strings(inputs.value('ingress_ipv6_cidr_blocks')),
    autos,
    openings: [...namedOpenings(inputs, autos, port), ...itemOpenings(inputs, port)],
  };
}

/** Compliance of a security-group module call for one administrative port. */
export function openIngressCheck(
  ctx: RuleContext,
  _spec: ModuleSpec,
  port: number,
  label: string,
): CheckResult {
  const block = moduleBlock(ctx);
  const o = sgState(ctx, block, port).openings;
  return o.length
    ? { status: 'non_compliant', reasons: o.map((x) => `${block.localAddress}: ${x.describe}`) }
    : {
        status: 'compliant',
        reasons: [`${block.localAddress}: no world-open ${label} ingress (port ${port})`],
      };
}

/** The current text of a list input relative to its column, or "[]" when the call does not set it. */
function listText(ctx: RuleContext, block: HclBlock, input: string): string {
  const a = block.attributes[input];
  if (!a) return '[]';
  const text = ctx.index.files[block.file]?.text ?? '';
  const ls = text.lastIndexOf('\n', a.range.startByte - 1) + 1;
  const ind = text.slice(ls, a.range.startByte);
  const t = dedentContinuation(a.exprText, /^[ \t]*$/.test(ind) ? ind : '');
  if (!tupleItems(t))
    throw new Error(`${input} is set by an expression (${a.exprText.slice(0, 60)}), not a list`);
  return t;
}

/** Removes named rules from a rule list input (a preset submodule's defaults are written out). */
function withoutRules(
  ctx: RuleContext,
  block: HclBlock,
  input: string,
  drop: Set<string>,
  autos: string[] | null,
): string {
  if (input === 'auto_ingress_rules' && !(input in block.attributes))
    return JSON.stringify((autos ?? []).filter((r) => !drop.has(r))).replace(/","/g, '", "');
  const t = listText(ctx, block, input);
  const items = tupleItems(t) ?? [];
  const idx = items
    .map((x, i) => [x, i] as const)
    .filter(([x]) => {
      try {
        return drop.has(JSON.parse(x) as string);
      } catch {
        return false;
      }
    });
  return (
    removeTupleItems(
      t,
      idx.map(([, i]) => i),
    ) ?? t
  );
}

/** Narrows or removes the world-open items of a with_*_cidr_blocks input, then appends `extra` items. */
function narrowedItems(
  ctx: RuleContext,
  block: HclBlock,
  input: ItemOpening['input'],
  opens: ItemOpening[],
  extra: string[],
): string {
  const key = input === 'ingress_with_cidr_blocks' ? 'cidr_blocks' : 'ipv6_cidr_blocks';
  let t = listText(ctx, block, input);
  for (const o of [...opens].sort((a, b) => b.index - a.index)) {
    if (o.keep.length === 0) {
      t = removeTupleItems(t, [o.index]) ?? t;
      continue;
    }
    const item = (tupleItems(t) ?? [])[o.index] ?? '';
    const narrowed = setObjectKey(item, [key], q(o.keep.join(',')));
    if (narrowed === null) throw new Error(`${input}[${o.index}] is not an object literal`);
    t = replaceTupleItem(t, o.index, narrowed) ?? t;
  }
  return extra.length ? (appendTupleItems(t, extra) ?? t) : t;
}

/** The fix: drop world-open named rules (re-adding them for the narrower sources) and narrow items. */
export function openIngressFix(ctx: RuleContext, spec: ModuleSpec, port: number, label: string): Patch {
  const block = moduleBlock(ctx);
  const st = sgState(ctx, block, port);
  const named = st.openings.filter((o): o is NamedOpening & Opening => o.kind === 'named');
  const items = st.openings.filter((o): o is ItemOpening & Opening => o.kind === 'item');
  const values = new Map<string, string>();
  for (const input of ['ingress_rules', 'auto_ingress_rules'] as const) {
    const drop = new Set(named.filter((o) => o.input === input).map((o) => o.rule));
    // A preset's auto rules for the port go whole (rdp-udp with rdp-tcp): they share the one source list.
    if (input === 'auto_ingress_rules' && drop.size)
      for (const r of st.autos ?? []) if (NAMED[r] && NAMED[r][0] <= port && port <= NAMED[r][1]) drop.add(r);
    if (drop.size) values.set(input, withoutRules(ctx, block, input, drop, st.autos));
  }
  const rules = [...new Set(named.map((o) => o.rule))];
  const keep4 = st.v4.filter((c) => !WORLD.has(c));
  const keep6 = st.v6.filter((c) => !WORLD.has(c));
  const extra4 = keep4.length
    ? rules.map((r) => `{ rule = ${q(r)}, cidr_blocks = ${q(keep4.join(','))} }`)
    : [];
  const extra6 = keep6.length
    ? rules.map((r) => `{ rule = ${q(r)}, ipv6_cidr_blocks = ${q(keep6.join(','))} }`)
    : [];
  for (const [input, extra] of [
    ['ingress_with_cidr_blocks', extra4],
    ['ingress_with_ipv6_cidr_blocks', extra6],
  ] as const) {
    const opens = items.filter((o) => o.input === input);
    if (opens.length || extra.length) values.set(input, narrowedItems(ctx, block, input, opens, extra));
  }
  const kept = [...keep4, ...keep6, ...items.flatMap((o) => o.keep)];
  return patch({
    edits: inputEdits(block, values),
    explanation: `Closes ${label} (port ${port}) to the internet through the inputs of ${block.localAddress} (${spec.source}): ${st.openings.map((o) => o.describe).join('; ')}. ${
      kept.length
        ? `Access stays open to ${[...new Set(kept)].join(', ')}.`
        : 'The world-open source was removed.'
    }`,
    changedAttributes: [...values.keys()],
    confidence: 'medium',
    breakingChanges: [
      `Anyone reaching port ${port} from the internet loses access when this is applied. Make sure administrators connect through a VPN, bastion or SSM Session Manager before merging.`,
    ],
    additionalRequirements: kept.length
      ? []
      : [
          `To allow ${label} from a known network, add an ingress_with_cidr_blocks item { rule = "${label === 'SSH' ? 'ssh-tcp' : 'rdp-tcp'}", cidr_blocks = "<network>" } to ${block.localAddress}.`,
        ],
  });
}
