/**
 * Credential redaction for text that leaves the process (LLM prompts, PR bodies, logs).
 *
 * `redactCredentials` replaces values that look like credentials with stable placeholders
 * (`__TERRAFIX_SECRET_<n>__`); the same value always gets the same placeholder within one mapping,
 * so several texts can be redacted consistently by passing the mapping along.
 * `restorePlaceholders` puts the original values back, and only those: a placeholder that is not in
 * the mapping is never invented (see `unknownPlaceholders`).
 * `redactWithLocations` also records, for each placeholder, the block address and attribute path of
 * every place its value was taken from, so that an answer can be held to putting it back only there.
 */
import { locateOffsets, type SecretLocation } from './hclScope';

export type { SecretLocation };

/** Placeholder → original value. Plain object so it can travel as JSON. */
export type RedactionMapping = Record<string, string>;

export interface RedactionResult {
  /** The text with every credential replaced by a placeholder. */
  text: string;
  /** Placeholder → original value (includes the entries of the mapping passed in). */
  mapping: RedactionMapping;
  /** How many occurrences were replaced in this text. */
  replaced: number;
  /** Kinds of credentials found (e.g. "aws_access_key_id"), deduplicated. */
  kinds: string[];
}

const PLACEHOLDER_PREFIX = '__TERRAFIX_SECRET_';
const PLACEHOLDER_RE = /__TERRAFIX_SECRET_(\d+)__/g;

/** True when the string is (only) a placeholder produced by this module. */
export function isPlaceholder(s: string): boolean {
  return /^__TERRAFIX_SECRET_\d+__$/.test(s);
}

/** Words that make an attribute / variable / environment name secret-looking (any value length). */
const SECRET_NAME =
  /(pass(word|wd|phrase)?|pwd|secret|token|api_?key|apikey|access_?key|private_?key|client_?secret|auth_?key|credential|signing_?key|master_?key|encryption_?key|license_?key|ssh_?key|account_?key|storage_?key|shared_?key|client_?key|app_?key|(?:^|[_.-])pw(?:$|[_.-])|(?:^|[_.-])creds?(?:$|[_.-]))/i;
/** `key` or `*_key`: often a secret, often not (S3 object keys, DynamoDB hash_key): needs a key-like value. */
const WEAK_KEY_NAME = /(?:^|[_.-])key$/i;
/** Names that are never secrets although they contain a secret word. */
const PUBLIC_NAME = /(public|kms|bypass|passthrough|compass|tokenizer)/i;
/** Suffixes that make a secret-looking name refer to metadata, not the secret itself. */
const NON_SECRET_SUFFIX =
  /(_arn|_id|_ids|_name|_names|_version|_policy|_type|_length|_ttl|_rotation\w*|_enabled|_required|_reuse\w*|_age|_period|_kms\w*|_path|_file|_url|_count|_validity\w*|_units|_expiration\w*|_source|_location|_prefix)$/i;

/** Values that are references or expressions, not literal secrets. */
function looksLikeReference(v: string): boolean {
  if (v.includes('${') || v.includes('%{')) return true;
  if (/^(var|local|module|data|each|count|path|terraform|self)\.[\w.[\]"-]+$/.test(v)) return true;
  if (/^aws_[a-z0-9_]+\.[\w[\]".-]+$/.test(v)) return true;
  if (/^[a-z_]+\(/.test(v)) return true; // function call
  if (/^\$[A-Za-z_{]/.test(v)) return true; // shell variable
  if (/^(true|false|null|none|nil|changeme\b)?$/i.test(v)) return true;
  if (/^arn:aws[\w-]*:/.test(v)) return true;
  if (/^alias\/[\w/-]+$/.test(v)) return true;
  return false;
}

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

/** A value shaped like generated key material (not a word, name or path). */
function looksKeyLike(v: string): boolean {
  if (/\s/.test(v)) return false;
  if (/^[0-9a-f]{32,}$/i.test(v)) return true;
  return v.length >= 20 && /[A-Z]/.test(v) && /[a-z]/.test(v) && /[0-9]/.test(v) && entropy(v) >= 4;
}

interface Finding {
  start: number;
  end: number;
  kind: string;
}

/** Patterns whose whole match (or group 1) is a credential whatever its context. */
const STANDALONE: { kind: string; re: RegExp; group?: number }[] = [
  {
    kind: 'private_key',
    re: /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?-----END \1-----/g,
  },
  {
    // A private key whose END line is missing (truncated, or cut off by a heredoc): the BEGIN line and
    // every following line (real or `\n`-escaped) that looks like key material or a PEM header.
    kind: 'private_key',
    re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:(?:\r?\n|\\n)[ \t]*(?:[A-Za-z0-9+/=]+|[A-Za-z-]+:[^\n"\\]*))+/g,
  },
  { kind: 'aws_access_key_id', re: /\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b/g, group: 1 },
  { kind: 'github_token', re: /\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})\b/g, group: 1 },
  { kind: 'slack_token', re: /\b(xox[abprs]-[A-Za-z0-9-]{10,})\b/g, group: 1 },
  {
    kind: 'slack_webhook',
    re: /(https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+)/g,
    group: 1,
  },
  { kind: 'stripe_key', re: /\b((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,})\b/g, group: 1 },
  { kind: 'google_api_key', re: /\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g, group: 1 },
  { kind: 'gitlab_token', re: /\b(glpat-[0-9A-Za-z_-]{20,})/g, group: 1 },
  { kind: 'npm_token', re: /\b(npm_[A-Za-z0-9]{36})\b/g, group: 1 },
  { kind: 'jwt', re: /\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})\b/g, group: 1 },
  {
    kind: 'url_credentials',
    re: /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@"']+:([^/\s@"']{3,})@/gi,
    group: 1,
  },
];

/** A 40-character AWS secret access key shape. */
const AWS_SECRET_SHAPE = /(?<![A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/g;

function findNamedValues(text: string, out: Finding[]): void {
  // Quoted values: allow spaces inside quotes; unquoted: up to whitespace or delimiter.
  const quoted =
    /(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\1[ \t]*(?:=|:(?!:)|=>)[ \t]*(["'])((?:\\.|(?!\3)[^\\\n])*)\3/g;
  const unquoted =
    /(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\1[ \t]*(?:=|:(?!:)|=>)[ \t]*([^\s"'`;,)}\]#<][^\s"'`;,)}\]]*)/g;
  for (const m of text.matchAll(quoted)) {
    const name = m[2];
    const value = m[4];
    if (!isNamedSecret(name, value, true)) continue;
    const start = (m.index ?? 0) + m[0].length - 1 - value.length;
    out.push({ start, end: start + value.length, kind: 'named_secret' });
  }
  for (const m of text.matchAll(unquoted)) {
    const name = m[2];
    const value = m[3];
    if (!isNamedSecret(name, value, false)) continue;
    // In HCL an unquoted value is an expression (a reference), never a literal secret, unless it is
    // inside a heredoc / shell / YAML. We cannot tell reliably, so only accept shapes that are not
    // identifiers-with-dots (references) nor numbers.
    if (/^[A-Za-z_][\w]*(\.[\w[\]"*-]+)+$/.test(value) || /^-?\d+(\.\d+)?$/.test(value)) continue;
    const start = (m.index ?? 0) + m[0].length - value.length;
    out.push({ start, end: start + value.length, kind: 'named_secret' });
  }
}

/** How strongly a name says "secret": strong = any literal value, weak = only key-like values. */
function nameStrength(name: string): 'strong' | 'weak' | null {
  if (PUBLIC_NAME.test(name) || NON_SECRET_SUFFIX.test(name)) return null;
  if (SECRET_NAME.test(name)) return 'strong';
  if (WEAK_KEY_NAME.test(name) || /^key$/i.test(name)) return 'weak';
  return null;
}

function isSecretName(name: string): boolean {
  return nameStrength(name) === 'strong';
}

/** A literal `value` under `name` that must be redacted (quoted literals of any length). */
function isNamedSecret(name: string, value: string, quoted: boolean): boolean {
  const strength = nameStrength(name);
  if (!strength) return false;
  const v = value.trim();
  if (!v || isPlaceholder(v) || looksLikeReference(v)) return false;
  if (strength === 'weak') return looksKeyLike(v);
  return quoted || v.length >= 3;
}

/** Heredoc bodies under secret-looking names (`password = <<-EOT ... EOT`). */
function findSecretHeredocs(text: string, out: Finding[]): void {
  const re =
    /(["']?)([A-Za-z_][\w.-]*)\1[ \t]*(?:=|:)[ \t]*<<-?([A-Za-z_]\w*)[ \t]*\r?\n([\s\S]*?)\r?\n[ \t]*\3[ \t]*(?=\r?\n|$)/g;
  for (const m of text.matchAll(re)) {
    const strength = nameStrength(m[2]);
    const body = m[4];
    const v = body.trim();
    if (!strength || !v || /^\$\{[^}]*\}$/.test(v)) continue;
    if (strength === 'weak' && !looksKeyLike(v)) continue;
    const start = (m.index ?? 0) + m[0].indexOf('\n', m[0].indexOf('<<')) + 1;
    out.push({ start, end: start + body.length, kind: 'named_secret' });
  }
}

/** `{ name = "DB_PASSWORD", value = "..." }` (ECS environment, JSON or HCL): the value of a secret name. */
function findNameValuePairs(text: string, out: Finding[]): void {
  for (const m of text.matchAll(/\{[^{}]*\}/g)) {
    const obj = m[0];
    const nm = /(?<![\w-])(["']?)(?:name|key)\1[ \t]*[=:][ \t]*(["'])([^"'\n]*)\2/i.exec(obj);
    const val = /(?<![\w-])(["']?)value\1[ \t]*[=:][ \t]*(["'])((?:\\.|(?!\2)[^\\\n])*)\2/i.exec(obj);
    if (!nm || !val || !isNamedSecret(nm[3], val[3], true)) continue;
    const start = (m.index ?? 0) + val.index + val[0].length - 1 - val[3].length;
    out.push({ start, end: start + val[3].length, kind: 'named_secret' });
  }
}

/** Defaults of variables whose name looks secret or that are marked `sensitive = true`. */
function findSensitiveVariableDefaults(text: string, out: Finding[]): void {
  const head = /\bvariable\s+"?([A-Za-z0-9_-]+)"?\s*\{/g;
  for (const m of text.matchAll(head)) {
    const bodyStart = (m.index ?? 0) + m[0].length;
    const bodyEnd = matchingBrace(text, bodyStart - 1);
    if (bodyEnd < 0) continue;
    const body = text.slice(bodyStart, bodyEnd);
    const sensitive = /\bsensitive\s*=\s*true\b/.test(body);
    if (!sensitive && !nameStrength(m[1])) continue;
    const def = /\bdefault\s*=\s*"((?:\\.|[^"\\\n])*)"/.exec(body);
    if (
      def &&
      (sensitive ? def[1].trim() && !looksLikeReference(def[1].trim()) : isNamedSecret(m[1], def[1], true))
    ) {
      const start = bodyStart + def.index + def[0].length - 1 - def[1].length;
      out.push({ start, end: start + def[1].length, kind: 'variable_default' });
    }
    const heredoc = /\bdefault\s*=\s*<<-?([A-Za-z_]\w*)[ \t]*\n([\s\S]*?)\n[ \t]*\1/.exec(body);
    if (
      heredoc &&
      heredoc[2].trim().length >= 1 &&
      (sensitive || isSecretName(m[1]) || looksKeyLike(heredoc[2].trim()))
    ) {
      const start = bodyStart + heredoc.index + heredoc[0].indexOf('\n') + 1;
      out.push({ start, end: start + heredoc[2].length, kind: 'variable_default' });
    }
  }
}

/** Index of the `}` closing the `{` at `open`, skipping strings; -1 when unbalanced. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  let inStr = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Fraction of the characters that sit in capitalised words (`Word`), high for CamelCase names. */
function wordiness(v: string): number {
  let n = 0;
  for (const m of v.matchAll(/[A-Z][a-z]{2,}/g)) n += m[0].length;
  return n / v.length;
}

/** 40-character secret-key shapes: near an access key id or a secret-looking word, or random enough alone. */
function findAwsSecretKeys(text: string, out: Finding[]): void {
  for (const m of text.matchAll(AWS_SECRET_SHAPE)) {
    const v = m[1];
    // Require mixed character classes: a real key is base64-ish, not hex or a word.
    if (!/[A-Z]/.test(v) || !/[a-z]/.test(v) || !/[0-9]/.test(v)) continue;
    if (/^[0-9a-f]{40}$/i.test(v)) continue; // git SHA / hex digest
    const start = m.index ?? 0;
    const window = text.slice(Math.max(0, start - 200), Math.min(text.length, start + 240));
    const nearKeyword =
      /(?:AKIA|ASIA)[A-Z0-9]{16}/.test(window) || /secret|aws_?key|access_?key/i.test(window);
    // No keyword: high-entropy base64 that is not a CamelCase identifier or a path.
    if (wordiness(v) >= 0.5) continue; // a CamelCase identifier, not key material
    const alone = entropy(v) >= 4.3 && !/^[\w-]*\/[\w-]*\//.test(v.slice(0, 12));
    if (nearKeyword || alone) out.push({ start, end: start + v.length, kind: 'aws_secret_access_key' });
  }
}

function collectFindings(text: string): Finding[] {
  const out: Finding[] = [];
  for (const p of STANDALONE) {
    for (const m of text.matchAll(p.re)) {
      const g = p.group ?? 0;
      const value = m[g];
      const start = (m.index ?? 0) + (g === 0 ? 0 : m[0].indexOf(value));
      out.push({ start, end: start + value.length, kind: p.kind });
    }
  }
  findAwsSecretKeys(text, out);
  findSensitiveVariableDefaults(text, out);
  findSecretHeredocs(text, out);
  findNameValuePairs(text, out);
  findNamedValues(text, out);
  return dropOverlaps(out, []);
}

/** Sorts findings and drops those overlapping an earlier kept one (or one of `fixed`). */
function dropOverlaps(findings: Finding[], fixed: Finding[]): Finding[] {
  // Longest first at equal start; then drop findings overlapping an earlier kept one.
  findings.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Finding[] = [];
  let lastEnd = -1;
  for (const f of findings) {
    if (f.end <= f.start) continue;
    if (f.start < lastEnd) continue;
    if (fixed.some((x) => f.start < x.end && x.start < f.end)) continue;
    kept.push(f);
    lastEnd = f.end;
  }
  return kept;
}

/** Occurrences of already-known secret values that no finding covers (masked everywhere they occur). */
function findRepeats(text: string, values: Iterable<string>, found: Finding[]): Finding[] {
  const out: Finding[] = [];
  for (const v of values) {
    if (v.length < 6) continue;
    for (let i = text.indexOf(v); i >= 0; i = text.indexOf(v, i + v.length))
      out.push({ start: i, end: i + v.length, kind: 'repeat' });
  }
  return dropOverlaps(out, found);
}

interface CoreResult extends RedactionResult {
  /** Each replaced occurrence: its offset in the original text and its placeholder. */
  occurrences: { start: number; placeholder: string }[];
}

function redactCore(text: string, mapping: RedactionMapping): CoreResult {
  const map: RedactionMapping = { ...mapping };
  const reverse = new Map<string, string>();
  let next = 1;
  for (const [ph, original] of Object.entries(map)) {
    reverse.set(original, ph);
    const n = Number(/(\d+)/.exec(ph)?.[1] ?? 0);
    if (n >= next) next = n + 1;
  }
  const primary = collectFindings(text);
  // Values found once must be masked everywhere they occur (e.g. repeated in another attribute).
  const values = new Set([...reverse.keys(), ...primary.map((f) => text.slice(f.start, f.end))]);
  const findings = [...primary, ...findRepeats(text, values, primary)].sort((a, b) => a.start - b.start);
  const kinds = new Set<string>();
  const occurrences: CoreResult['occurrences'] = [];
  let result = '';
  let pos = 0;
  for (const f of findings) {
    const value = text.slice(f.start, f.end);
    let ph = reverse.get(value);
    if (!ph) {
      ph = `${PLACEHOLDER_PREFIX}${next++}__`;
      reverse.set(value, ph);
      map[ph] = value;
    }
    if (f.kind !== 'repeat') kinds.add(f.kind);
    occurrences.push({ start: f.start, placeholder: ph });
    result += text.slice(pos, f.start) + ph;
    pos = f.end;
  }
  result += text.slice(pos);
  return { text: result, mapping: map, replaced: findings.length, kinds: [...kinds].sort(), occurrences };
}

/**
 * Replaces credential-looking values in `text` with stable placeholders. Pass the mapping of an
 * earlier call to redact several texts consistently (same value → same placeholder).
 */
export function redactCredentials(text: string, mapping: RedactionMapping = {}): RedactionResult {
  const { occurrences: _occurrences, ...r } = redactCore(text, mapping);
  return r;
}

/** Placeholder → every place (file, block address, attribute path) its value was taken from. */
export type PlaceholderLocations = Record<string, SecretLocation[]>;

/**
 * `redactCredentials` that also records where each placeholder was taken from: the `<block>` section's
 * file and address (prompt text) or the block header (plain Terraform), and the attribute path.
 * Occurrences outside any attribute we can name get no location and can never be restored.
 */
export function redactWithLocations(
  text: string,
  mapping: RedactionMapping = {},
): RedactionResult & { locations: PlaceholderLocations } {
  const { occurrences, ...r } = redactCore(text, mapping);
  const where = locateOffsets(
    text,
    occurrences.map((o) => o.start),
  );
  const locations: PlaceholderLocations = {};
  occurrences.forEach((o, i) => {
    const loc = where[i];
    if (!loc) return;
    const list = (locations[o.placeholder] ??= []);
    if (
      !list.some(
        (l) =>
          l.file === loc.file &&
          l.address === loc.address &&
          l.path.join('\u0000') === loc.path.join('\u0000'),
      )
    )
      list.push(loc);
  });
  return { ...r, locations };
}

/** Every placeholder occurrence in `text`: its offset and the placeholder. */
export function placeholderOccurrences(text: string): { index: number; placeholder: string }[] {
  return [...text.matchAll(PLACEHOLDER_RE)].map((m) => ({ index: m.index ?? 0, placeholder: m[0] }));
}

/** Placeholders present in `text` that the mapping does not know (a model inventing secrets). */
export function unknownPlaceholders(text: string, mapping: RedactionMapping): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER_RE)) if (!(m[0] in mapping)) out.add(m[0]);
  return [...out];
}

/** Puts the original values back; unknown placeholders are left as they are (see unknownPlaceholders). */
export function restorePlaceholders(text: string, mapping: RedactionMapping): string {
  return text.replace(PLACEHOLDER_RE, (ph) => (ph in mapping ? mapping[ph] : ph));
}
