/**
 * Puts redacted secrets back into a model answer, and only where they were taken from.
 *
 * Every placeholder the answer contains must sit at one of the places (file, block address,
 * attribute path) its value was redacted from; a placeholder anywhere else (explanation,
 * changedAttributes, breakingChanges, additionalRequirements, another attribute such as `tags`,
 * a new block, an edit's file/address/path) makes the whole answer invalid: PlaceholderMisuseError.
 */
import type { Patch, PatchEdit } from '../../contracts';
import { PlaceholderMisuseError } from '../../errors';
import {
  describeLocation,
  hclScopes,
  sameLocation,
  spanAt,
  type ScopeOptions,
  type SecretLocation,
} from '../../security/hclScope';
import {
  placeholderOccurrences,
  restorePlaceholders,
  unknownPlaceholders,
  type PlaceholderLocations,
  type RedactionMapping,
} from '../../security/redact';

const RULE = 'a secret placeholder may only stay at the attribute it was taken from';

function misuse(ph: string, where: string, locations: PlaceholderLocations): never {
  const from = (locations[ph] ?? []).map(describeLocation);
  throw new PlaceholderMisuseError(
    `the answer puts ${ph} in ${where}, but ${RULE} (${from.length ? from.join(' or ') : 'it may not be used anywhere'})`,
  );
}

function forbidAny(text: string, where: string, locations: PlaceholderLocations): void {
  const first = placeholderOccurrences(text)[0];
  if (first) misuse(first.placeholder, where, locations);
}

/** Checks every placeholder in an edit's text against where it was taken from. */
function checkScoped(
  text: string,
  file: string,
  scope: ScopeOptions,
  where: string,
  locations: PlaceholderLocations,
): void {
  const occ = placeholderOccurrences(text);
  if (!occ.length) return;
  const spans = hclScopes(text, scope);
  for (const o of occ) {
    const s = spanAt(spans, o.index);
    const at: SecretLocation | undefined = s ? { file, address: s.address, path: s.path } : undefined;
    const allowed = at && (locations[o.placeholder] ?? []).some((l) => sameLocation(l, at));
    if (!allowed) misuse(o.placeholder, at ? `${where} at ${describeLocation(at)}` : where, locations);
  }
}

function checkEdit(e: PatchEdit, n: number, locations: PlaceholderLocations): void {
  const where = `edit ${n} (${e.kind})`;
  forbidAny(e.file, `${where} file`, locations);
  if (e.kind === 'insert_after') {
    if (e.afterAddress) forbidAny(e.afterAddress, `${where} afterAddress`, locations);
    forbidAny(e.text, `${where}: new blocks`, locations);
    return;
  }
  forbidAny(e.address, `${where} address`, locations);
  for (const seg of 'path' in e ? e.path : []) forbidAny(seg, `${where} path`, locations);
  if (e.kind === 'replace_block')
    checkScoped(e.text, e.file, { mode: 'block', address: e.address }, where, locations);
  else if (e.kind === 'set_attribute')
    checkScoped(e.value, e.file, { mode: 'value', address: e.address, basePath: e.path }, where, locations);
  else if (e.kind === 'add_nested_block')
    checkScoped(e.text, e.file, { mode: 'body', address: e.address, basePath: e.path }, where, locations);
}

/**
 * Restores the placeholders of a model answer, after checking that each one stays at a place its
 * value was taken from; throws PlaceholderMisuseError (invalid LLM output) otherwise.
 */
export function restorePatchAtLocations(
  p: Patch,
  mapping: RedactionMapping,
  locations: PlaceholderLocations,
): Patch {
  const unknown = unknownPlaceholders(JSON.stringify(p), mapping);
  if (unknown.length)
    throw new PlaceholderMisuseError(
      `the answer contains unknown secret placeholders: ${unknown.join(', ')}`,
    );
  forbidAny(p.explanation, 'the explanation', locations);
  p.changedAttributes.forEach((t) => forbidAny(t, 'changedAttributes', locations));
  p.breakingChanges.forEach((t) => forbidAny(t, 'breakingChanges', locations));
  p.additionalRequirements.forEach((t) => forbidAny(t, 'additionalRequirements', locations));
  p.edits.forEach((e, i) => checkEdit(e, i + 1, locations));
  const edits = p.edits.map((e): PatchEdit => {
    if (e.kind === 'set_attribute') return { ...e, value: restorePlaceholders(e.value, mapping) };
    if (e.kind === 'replace_block' || e.kind === 'add_nested_block')
      return { ...e, text: restorePlaceholders(e.text, mapping) };
    return e;
  });
  return { ...p, edits };
}
