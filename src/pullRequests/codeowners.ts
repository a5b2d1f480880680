/**
 * CODEOWNERS parsing and matching (GitHub semantics: gitignore-like patterns, the last matching
 * line wins, `@user`, `@org/team` and e-mail owners).
 */

export interface CodeOwnersRule {
  pattern: string;
  regex: RegExp;
  owners: string[];
}

/** Locations GitHub reads CODEOWNERS from, in its order of precedence. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];

function globToRegex(pattern: string): RegExp {
  let p = pattern;
  const anchored = p.startsWith('/') || p.slice(0, -1).includes('/');
  p = p.replace(/^\//, '');
  const dirOnly = p.endsWith('/');
  p = p.replace(/\/$/, '');
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (p[i + 1] === '*') {
        const slash = p[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const prefix = anchored ? '^' : '^(?:.*/)?';
  // A pattern matches the path itself or anything below it (directories own their contents).
  const suffix = dirOnly ? '/.*$' : '(?:/.*)?$';
  return new RegExp(prefix + re + suffix);
}

/** Parses CODEOWNERS text; malformed lines are skipped. */
export function parseCodeOwners(text: string): CodeOwnersRule[] {
  const rules: CodeOwnersRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const [pattern, ...owners] = line.split(/\s+/);
    if (!pattern || pattern.startsWith('!')) continue;
    rules.push({ pattern, regex: globToRegex(pattern), owners });
  }
  return rules;
}

/** Owners of one path: those of the last matching rule. */
export function ownersOf(rules: CodeOwnersRule[], filePath: string): string[] {
  let owners: string[] = [];
  for (const r of rules) if (r.regex.test(filePath)) owners = r.owners;
  return owners;
}

/** Users and teams owning any of the files (e-mail owners are dropped: they cannot be requested). */
export function reviewersFor(rules: CodeOwnersRule[], files: string[]): { users: string[]; teams: string[] } {
  const users = new Set<string>();
  const teams = new Set<string>();
  for (const f of files) {
    for (const o of ownersOf(rules, f)) {
      if (!o.startsWith('@')) continue;
      const name = o.slice(1);
      if (name.includes('/')) teams.add(name);
      else if (name) users.add(name);
    }
  }
  return { users: [...users], teams: [...teams] };
}
