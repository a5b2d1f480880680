/**
 * Rules for resources created by registry modules (a Target with `module` set): the catalog rule's
 * check and fix are replaced by ones that read the module call's inputs (with the module's defaults
 * for the pinned version) and set only the inputs that are missing or wrong, on the module block. The
 * table of modules and inputs is src/remediation/modules.ts; a rule the table does not map for the
 * module answers no_rule with a reason naming the module.
 */
import type { Failure, ModuleTarget, Target } from '../contracts';
import { attributeValue, type HclBlock, type HclValue } from '../terraform';
import { inputEdits, inputValueText, moduleBlock, moduleInputs } from './moduleCommon';
import { accessLoggingCheck, accessLoggingFix } from './moduleLogging';
import { openIngressCheck, openIngressFix } from './moduleIngress';
import {
  moduleSpecFor,
  parseModuleSource,
  type InputSetting,
  type ModuleDefault,
  type ModuleInputs,
  type ModuleRuleMapping,
  type ModuleSpec,
} from './modules';
import { patch } from './rules/helpers';
import type { CheckResult, Rule, RuleContext } from './types';

type Version = [number, number, number];

function parseVersion(s: string): Version | null {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(s.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : null;
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * The lowest module version the call allows: the `version` constraint's lower bound ("~> 4.1" → 4.1.0,
 * ">= 3.0, < 5.0" → 3.0.0, "3.15.1"), else a git `?ref=v4.1.0`; null when not pinned.
 */
export function pinnedVersion(block: HclBlock): Version | null {
  const v = block.attributes.version?.value;
  if (v?.known && typeof v.value === 'string') {
    for (const part of v.value.split(',')) {
      const m = /^\s*(?:~>|>=|=|>)?\s*(v?\d+(?:\.\d+){0,2})\s*$/.exec(part);
      if (m) return parseVersion(m[1]);
    }
    return null;
  }
  const src = block.attributes.source?.value;
  const ref = src?.known && typeof src.value === 'string' ? parseModuleSource(src.value).ref : null;
  return ref ? parseVersion(ref) : null;
}

/** The module's default for the pinned version, or undefined when it is not known for it. */
function moduleDefault(defs: ModuleDefault[] | undefined, v: Version | null): ModuleDefault | undefined {
  return defs?.find((d) => {
    if (!d.since && !d.before) return true;
    if (!v) return false;
    if (d.since && compare(v, parseVersion(d.since)!) < 0) return false;
    return !(d.before && compare(v, parseVersion(d.before)!) >= 0);
  });
}

const versionLabel = (v: Version | null): string => (v ? `v${v.join('.')}` : 'an unpinned version');

interface SettingState {
  s: InputSetting;
  ok: boolean;
  why: string;
  current: HclValue | undefined;
}

function evalSetting(ctx: RuleContext, block: HclBlock, s: InputSetting, inputs: ModuleInputs): SettingState {
  const base = { s, current: inputs.value(s.input) };
  if (s.needed && !s.needed(inputs)) return { ...base, ok: true, why: `${s.input}: not needed` };
  if (!inputs.has(s.input)) {
    const v = pinnedVersion(block);
    const d = moduleDefault(s.defaults, v);
    if (d && s.ok(d.value))
      return {
        ...base,
        ok: true,
        why: `${s.input} unset: the module default ${JSON.stringify(d.value)} complies`,
      };
    const known = d
      ? `module default ${JSON.stringify(d.value)}`
      : `module default not known for ${versionLabel(v)}`;
    return { ...base, ok: false, why: `${s.input} is unset (${known}), expected ${s.expect}` };
  }
  const r = attributeValue(ctx.index, block, s.input, ctx.instance);
  if (!r.known)
    return {
      ...base,
      ok: false,
      why: `${s.input} = ${block.attributes[s.input].exprText} cannot be resolved offline, expected ${s.expect}`,
    };
  return s.ok(r.value)
    ? { ...base, ok: true, why: `${s.expect}` }
    : { ...base, ok: false, why: `${s.input} is ${JSON.stringify(r.value)}, expected ${s.expect}` };
}

type InputsMapping = Extract<ModuleRuleMapping, { strategy: 'inputs' }>;

function inputsCheck(ctx: RuleContext, mapping: InputsMapping): CheckResult {
  const block = moduleBlock(ctx);
  const inputs = moduleInputs(ctx, block);
  const states = mapping.settings.map((s) => evalSetting(ctx, block, s, inputs));
  const bad = states.filter((s) => !s.ok);
  return bad.length
    ? { status: 'non_compliant', reasons: bad.map((s) => `${block.localAddress}: ${s.why}`) }
    : { status: 'compliant', reasons: states.map((s) => `${block.localAddress}: ${s.why}`) };
}

function inputsFix(ctx: RuleContext, spec: ModuleSpec, mapping: InputsMapping, rule: Rule) {
  const block = moduleBlock(ctx);
  const inputs = moduleInputs(ctx, block);
  const bad = mapping.settings.map((s) => evalSetting(ctx, block, s, inputs)).filter((s) => !s.ok);
  const values = new Map<string, string>();
  for (const st of bad) {
    const w = st.s.write(st.current);
    const unset = !(st.s.input in block.attributes) && !values.has(st.s.input);
    values.set(
      st.s.input,
      unset && st.s.whenUnset
        ? st.s.whenUnset
        : inputValueText(ctx, block, st.s.input, values.get(st.s.input), w),
    );
  }
  const breaking = mapping.breakingChanges ?? [];
  return patch({
    edits: inputEdits(block, values),
    explanation: `${mapping.explanation} Set through the inputs of ${block.localAddress} (${spec.source}): ${[...values.keys()].join(', ')}.`,
    changedAttributes: [...values.keys()],
    confidence: breaking.length || rule.breaking ? 'medium' : 'high',
    breakingChanges: breaking,
    additionalRequirements: mapping.additionalRequirements ?? [],
  });
}

function requirementOf(spec: ModuleSpec, mapping: ModuleRuleMapping, rule: Rule): string {
  switch (mapping.strategy) {
    case 'inputs':
      return `Module ${spec.source} inputs: ${mapping.settings.map((s) => s.expect).join(', ')}.`;
    case 'open-ingress':
      return `No ingress from 0.0.0.0/0 or ::/0 to port ${mapping.port} (${mapping.label}) through the inputs of ${spec.source} (ingress_rules with ingress_cidr_blocks, ingress_with_cidr_blocks, ingress_with_ipv6_cidr_blocks).`;
    case 'access-logging':
      return `Module ${spec.source} input logging = { target_bucket = <an existing log bucket>, target_prefix = "..." }.`;
    case 'enforced':
      return `${rule.requirement} (${mapping.reason}).`;
  }
}

function checkWith(ctx: RuleContext, spec: ModuleSpec, mapping: ModuleRuleMapping): CheckResult {
  switch (mapping.strategy) {
    case 'inputs':
      return inputsCheck(ctx, mapping);
    case 'open-ingress':
      return openIngressCheck(ctx, spec, mapping.port, mapping.label);
    case 'access-logging':
      return accessLoggingCheck(ctx);
    case 'enforced':
      moduleBlock(ctx);
      return { status: 'compliant', reasons: [mapping.reason] };
  }
}

/**
 * The catalog rule adapted to a module target: same ids and metadata, check and fix through the module's
 * inputs. Undefined when the module table has no mapping for this rule and module.
 */
export function moduleRule(rule: Rule, m: ModuleTarget): Rule | undefined {
  const spec = moduleSpecFor(m);
  const mapping = spec?.rules[rule.id];
  if (!spec || !mapping) return undefined;
  return {
    ...rule,
    requirement: requirementOf(spec, mapping, rule),
    check: (ctx) => checkWith(ctx, spec, mapping),
    fix: (ctx) => {
      switch (mapping.strategy) {
        case 'inputs':
          return inputsFix(ctx, spec, mapping, rule);
        case 'open-ingress':
          return openIngressFix(ctx, spec, mapping.port, mapping.label);
        case 'access-logging':
          return accessLoggingFix(ctx, spec);
        case 'enforced':
          throw new Error(`${mapping.reason}: nothing to set`);
      }
    },
  };
}

/** Why no rule answers a failure on a module target: names the module and who must take it. */
export function moduleNoRuleReason(catalogRule: Rule | undefined, failure: Failure, target: Target): string {
  const m = target.module;
  const who = `${target.address} (registry module ${m?.source ?? 'unknown'})`;
  const spec = m ? moduleSpecFor(m) : undefined;
  const tail = `the fix must set the module's inputs, which is left to the LLM or a reviewer; a vendored copy of the module is never edited`;
  if (!spec) return `${who} is not in the registry-module table (kind ${m?.kind ?? '?'}): ${tail}`;
  if (!catalogRule)
    return `no rule matches test "${failure.testId}" on ${target.resourceType || 'this resource'} created by ${who}`;
  return `rule ${catalogRule.id} has no input mapping for module ${spec.source} (${who}): ${tail} (inputs: ${spec.docs})`;
}

/** A hint for the LLM on a module target the table does not map: fix through the module's inputs. */
export function moduleHint(catalogRule: Rule | undefined, target: Target): string | undefined {
  const m = target.module;
  if (!m) return catalogRule?.requirement;
  return `${catalogRule ? `${catalogRule.requirement} ` : ''}The ${target.resourceType} is created by the registry module ${m.source} (${target.address}): set or add that module call's inputs; never edit a vendored copy of the module, change its source or version, or add resources the module already manages.`;
}
