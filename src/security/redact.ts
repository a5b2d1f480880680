/**
 * Credential redaction for text that leaves the process (LLM prompts, PR bodies, logs).
 *
 * `redactCredentials` replaces values that look like credentials with stable placeholders
 * (`__TERRAFIX_SECRET_<n>__`); the same value always gets the same placeholder within one mapping,
 * so several texts can be redacted consistently by passing the mapping along.
 * `restorePlaceholders` puts the original values back, and only those: a placeholder that is not in
 * the mapping is never invented (see `unknownPlaceholders`).
 */

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

/** Words that make an attribute / variable / environment name secret-looking. */
const SECRET_NAME =
  /(pass(word|wd|phrase)?|pwd|secret|token|api_?key|apikey|access_?key|private_?key|client_?secret|auth_?key|credential|signing_?key|master_?key)/i;
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
  if (/^(alias\/|\/)/.test(v) && !/\s/.test(v) && v.split('/').length > 1 && !/[+=]/.test(v)) return true;
  return false;
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
  { kind: 'aws_access_key_id', re: /\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b/g, group: 1 },
  { kind: 'github_token', re: /\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})\b/g, group: 1 },
  { kind: 'slack_token', re: /\b(xox[abprs]-[A-Za-z0-9-]{10,})\b/g, group: 1 },
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
    /(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\1[ \t]*(?:=|:(?!:)|=>)[ \t]*([^\s"'`;,)}\]#][^\s"'`;,)}\]]*)/g;
  for (const m of text.matchAll(quoted)) {
    const name = m[2];
    const value = m[4];
    if (!isSecretName(name) || !isSecretValue(value)) continue;
    const start = (m.index ?? 0) + m[0].length - 1 - value.length;
    out.push({ start, end: start + value.length, kind: 'named_secret' });
  }
  for (const m of text.matchAll(unquoted)) {
    const name = m[2];
    const value = m[3];
    if (!isSecretName(name) || !isSecretValue(value)) continue;
    // In HCL an unquoted value is an expression (a reference), never a literal secret, unless it is
    // inside a heredoc / shell / YAML. We cannot tell reliably, so only accept shapes that are not
    // identifiers-with-dots (references) nor numbers.
    if (/^[A-Za-z_][\w]*(\.[\w[\]"*-]+)+$/.test(value) || /^-?\d+(\.\d+)?$/.test(value)) continue;
    const start = (m.index ?? 0) + m[0].length - value.length;
    out.push({ start, end: start + value.length, kind: 'named_secret' });
  }
}

function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NON_SECRET_SUFFIX.test(name);
}

function isSecretValue(value: string): boolean {
  const v = value.trim();
  if (v.length < 4) return false;
  if (isPlaceholder(v)) return false;
  return !looksLikeReference(v);
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
    if (!sensitive && !isSecretName(m[1])) continue;
    const def = /\bdefault\s*=\s*"((?:\\.|[^"\\\n])*)"/.exec(body);
    if (def && isSecretValue(def[1])) {
      const start = bodyStart + def.index + def[0].length - 1 - def[1].length;
      out.push({ start, end: start + def[1].length, kind: 'variable_default' });
    }
    const heredoc = /\bdefault\s*=\s*<<-?([A-Z_]+)\n([\s\S]*?)\n[ \t]*\1/.exec(body);
    if (heredoc && heredoc[2].trim().length >= 4) {
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

/** 40-character secret-key shapes near an access key id or a secret-looking name. */
function findAwsSecretKeys(text: string, out: Finding[]): void {
  for (const m of text.matchAll(AWS_SECRET_SHAPE)) {
    const v = m[1];
    // Require mixed character classes: a real key is base64-ish, not hex or a word.
    if (!/[A-Z]/.test(v) || !/[a-z]/.test(v) || !/[0-9]/.test(v)) continue;
    if (/^[0-9a-f]{40}$/i.test(v)) continue; // git SHA / hex digest
    const start = m.index ?? 0;
    const window = text.slice(Math.max(0, start - 200), Math.min(text.length, start + 240));
    if (/(?:AKIA|ASIA)[A-Z0-9]{16}/.test(window) || /secret|aws_?key|access_?key/i.test(window)) {
      out.push({ start, end: start + v.length, kind: 'aws_secret_access_key' });
    }
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
  findNamedValues(text, out);
  // Longest first at equal start; then drop findings overlapping an earlier kept one.
  out.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Finding[] = [];
  let lastEnd = -1;
  for (const f of out) {
    if (f.end <= f.start) continue;
    if (f.start < lastEnd) continue;
    kept.push(f);
    lastEnd = f.end;
  }
  return kept;
}

/**
 * Replaces credential-looking values in `text` with stable placeholders. Pass the mapping of an
 * earlier call to redact several texts consistently (same value → same placeholder).
 */
export function redactCredentials(text: string, mapping: RedactionMapping = {}): RedactionResult {
  const map: RedactionMapping = { ...mapping };
  const reverse = new Map<string, string>();
  let next = 1;
  for (const [ph, original] of Object.entries(map)) {
    reverse.set(original, ph);
    const n = Number(/(\d+)/.exec(ph)?.[1] ?? 0);
    if (n >= next) next = n + 1;
  }
  const findings = collectFindings(text);
  const kinds = new Set<string>();
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
    kinds.add(f.kind);
    result += text.slice(pos, f.start) + ph;
    pos = f.end;
  }
  result += text.slice(pos);
  // Values found once must be masked everywhere they occur (e.g. repeated in another attribute).
  for (const [original, ph] of reverse) {
    if (original.length >= 6 && result.includes(original)) result = result.split(original).join(ph);
  }
  return { text: result, mapping: map, replaced: findings.length, kinds: [...kinds].sort() };
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
