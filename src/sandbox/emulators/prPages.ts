/**
 * Read-only HTML pages of the GitHub emulator's pull requests, so the links the demo prints open in
 * a browser without a token: `/<owner>/<repo>/pull/<n>` (the PR's html_url) and `/<owner>/<repo>/pulls`.
 *
 * PR bodies carry untrusted text (failure descriptions, LLM explanations), so nothing from them is
 * passed through as HTML: the small Markdown renderer below emits only its own tags, escapes every
 * piece of text, keeps only http(s) link targets, and drops HTML comments (the TerraFix marker).
 * `<details><summary>…</summary>` / `</details>` lines, which TerraFix writes around the diff, are
 * recognised as such and re-emitted with the summary text escaped. The pages are also served with a
 * Content-Security-Policy that allows no script at all.
 */
import type { FileDiff } from './gitStore';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Headers for every HTML page: no script, no framing, no sniffing. */
export const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** The few entities TerraFix and GitHub bodies use as text (decoded, then escaped again). */
const ENTITIES: Record<string, string> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  '#39': "'",
  nbsp: '\u00a0',
};

const SAFE_URL = /^https?:\/\/[^\s<>"'`]+$/i;

/** Renders inline Markdown (code spans, bold, italics, links, autolinks, escapes) as escaped HTML. */
export function renderInline(src: string): string {
  let out = '';
  let text = '';
  const flush = () => {
    out += escapeHtml(text);
    text = '';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const rest = src.slice(i);
    if (c === '\\' && i + 1 < src.length && /[\\`*_{}[\]()#+\-.!|<>~]/.test(src[i + 1]!)) {
      text += src[i + 1];
      i += 2;
      continue;
    }
    if (c === '&') {
      const m = /^&(lt|gt|amp|quot|#39|nbsp);/.exec(rest);
      if (m) {
        text += ENTITIES[m[1]!];
        i += m[0].length;
        continue;
      }
    }
    if (c === '`') {
      const ticks = /^`+/.exec(rest)![0];
      const end = src.indexOf(ticks, i + ticks.length);
      if (end > 0) {
        flush();
        out += `<code>${escapeHtml(src.slice(i + ticks.length, end).replace(/^ (.*) $/, '$1'))}</code>`;
        i = end + ticks.length;
        continue;
      }
      text += ticks;
      i += ticks.length;
      continue;
    }
    if (rest.startsWith('**') || rest.startsWith('__')) {
      const d = rest.slice(0, 2);
      const end = findClose(src, d, i + 2);
      if (end > i + 2) {
        flush();
        out += `<strong>${renderInline(src.slice(i + 2, end))}</strong>`;
        i = end + 2;
        continue;
      }
    }
    if (c === '*' || c === '_') {
      const prev = i > 0 ? src[i - 1]! : ' ';
      const opens = /\S/.test(src[i + 1] ?? ' ') && (c === '*' || !/[A-Za-z0-9]/.test(prev));
      const end = opens ? findClose(src, c, i + 1) : -1;
      if (end > i + 1 && (c === '*' || !/[A-Za-z0-9]/.test(src[end + 1] ?? ' '))) {
        flush();
        out += `<em>${renderInline(src.slice(i + 1, end))}</em>`;
        i = end + 1;
        continue;
      }
    }
    if (c === '[') {
      const m = /^\[((?:\\.|[^\\\]])*)\]\(([^()\s]+)\)/.exec(rest);
      if (m && SAFE_URL.test(m[2]!)) {
        flush();
        out += `<a href="${escapeHtml(m[2]!)}" rel="nofollow noopener noreferrer">${renderInline(m[1]!)}</a>`;
        i += m[0].length;
        continue;
      }
    }
    if ((c === 'h' || c === 'H') && /[^A-Za-z0-9]/.test(src[i - 1] ?? ' ')) {
      const m = /^https?:\/\/[^\s<>"'`]+/i.exec(rest);
      if (m) {
        const url = m[0].replace(/[.,;:!?)\]]+$/, '');
        flush();
        out += `<a href="${escapeHtml(url)}" rel="nofollow noopener noreferrer">${escapeHtml(url)}</a>`;
        i += url.length;
        continue;
      }
    }
    text += c;
    i += 1;
  }
  flush();
  return out;
}

/** Index of the closing delimiter `d` after `from` (not backslash-escaped, not inside a code span). */
function findClose(src: string, d: string, from: number): number {
  for (let j = from; j < src.length; j++) {
    const c = src[j]!;
    if (c === '\\') {
      j += 1;
      continue;
    }
    if (c === '`') {
      const ticks = /^`+/.exec(src.slice(j))![0];
      const end = src.indexOf(ticks, j + ticks.length);
      if (end > 0) j = end + ticks.length - 1;
      continue;
    }
    if (src.startsWith(d, j) && /\S/.test(src[j - 1] ?? ' ')) return j;
  }
  return -1;
}

const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;

/** Renders a Markdown document (the subset PR bodies use) as safe HTML. */
export function renderMarkdown(md: string): string {
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let detailsDepth = 0;
  let para: string[] = [];
  const endPara = () => {
    if (para.length) out.push(`<p>${para.map(renderInline).join('<br>\n')}</p>`);
    para = [];
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = /^\s*(`{3,}|~{3,})\s*([\w+-]*)\s*$/.exec(line);
    if (fence) {
      endPara();
      const close = new RegExp(`^\\s*${fence[1]![0] === '`' ? '`' : '~'}{${fence[1]!.length},}\\s*$`);
      const body: string[] = [];
      i += 1;
      while (i < lines.length && !close.test(lines[i]!)) body.push(lines[i++]!);
      i += 1;
      out.push(codeBlock(body, fence[2]!));
      continue;
    }
    if (/^\s*$/.test(line)) {
      endPara();
      i += 1;
      continue;
    }
    // HTML comments (the TerraFix marker): dropped, also when they span lines.
    if (/^\s*<!--/.test(line)) {
      endPara();
      while (i < lines.length && !lines[i]!.includes('-->')) i += 1;
      i += 1;
      continue;
    }
    const summary = /^\s*<details>\s*(?:<summary>(.*?)<\/summary>)?\s*$/i.exec(line);
    if (summary) {
      endPara();
      detailsDepth += 1;
      out.push(`<details><summary>${renderInline(summary[1] ?? 'Details')}</summary>`);
      i += 1;
      continue;
    }
    if (/^\s*<\/details>\s*$/i.test(line)) {
      endPara();
      if (detailsDepth > 0) {
        detailsDepth -= 1;
        out.push('</details>');
      }
      i += 1;
      continue;
    }
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (heading) {
      endPara();
      const n = heading[1]!.length;
      out.push(`<h${n}>${renderInline(heading[2]!)}</h${n}>`);
      i += 1;
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      endPara();
      out.push('<hr>');
      i += 1;
      continue;
    }
    if (/^\s{0,3}>/.test(line)) {
      endPara();
      const quoted: string[] = [];
      while (i < lines.length && /^\s{0,3}>/.test(lines[i]!))
        quoted.push(lines[i++]!.replace(/^\s{0,3}> ?/, ''));
      out.push(`<blockquote>${renderMarkdown(quoted.join('\n'))}</blockquote>`);
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item && (para.length === 0 || !/^\d/.test(item[2]!))) {
      endPara();
      const ordered = /^\d/.test(item[2]!);
      const items: string[][] = [];
      while (i < lines.length) {
        const l = lines[i]!;
        const m = LIST_ITEM.exec(l);
        if (m && /^\d/.test(m[2]!) === ordered) items.push([m[3]!]);
        else if (items.length && /^\s+\S/.test(l) && !m) items.at(-1)!.push(l.trim());
        else break;
        i += 1;
      }
      const lis = items.map((parts) => {
        const task = /^\[([ xX])\]\s+(.*)$/.exec(parts[0]!);
        const first = task ? task[2]! : parts[0]!;
        const box = task ? `<input type="checkbox" disabled${task[1] === ' ' ? '' : ' checked'}> ` : '';
        return `<li${task ? ' class="task"' : ''}>${box}${[first, ...parts.slice(1)].map(renderInline).join('<br>\n')}</li>`;
      });
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>\n${lis.join('\n')}\n</${tag}>`);
      continue;
    }
    para.push(line.trim());
    i += 1;
  }
  endPara();
  while (detailsDepth-- > 0) out.push('</details>');
  return out.join('\n');
}

function codeBlock(lines: string[], lang: string): string {
  const cls = lang ? ` class="language-${escapeHtml(lang.toLowerCase())}"` : '';
  const body =
    lang.toLowerCase() === 'diff'
      ? lines.map((l) => `<span class="${diffClass(l)}">${escapeHtml(l)}</span>`).join('\n')
      : escapeHtml(lines.join('\n'));
  return `<pre><code${cls}>${body}</code></pre>`;
}

function diffClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) return 'd-meta';
  if (line.startsWith('@@')) return 'd-hunk';
  if (line.startsWith('+')) return 'd-add';
  if (line.startsWith('-')) return 'd-del';
  return 'd-ctx';
}

/** What a PR page shows; built by the emulator from its state and its git store. */
export interface PullPageData {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged: boolean;
  user: string;
  head: { ref: string; sha: string; exists: boolean };
  base: { ref: string; sha: string };
  labels: { name: string; color: string; description?: string }[];
  requestedReviewers: string[];
  requestedTeams: string[];
  assignees: string[];
  comments: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  /** null when the diff could not be computed (e.g. the head branch and commit are gone). */
  files: FileDiff[] | null;
  /** JSON API URL (token needed) and clone URL, for reference. */
  apiUrl: string;
  cloneUrl: string;
}

export interface PullListItem {
  number: number;
  title: string;
  state: 'open' | 'closed';
  merged: boolean;
  head: string;
  base: string;
  labels: { name: string; color: string }[];
  createdAt: string;
}

/** At most this many diff lines are rendered per page (the rest is summarised). */
export const MAX_DIFF_LINES = 5000;

const STYLE = `
body{font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;margin:0;background:#fff}
header.top{background:#24292f;color:#fff;padding:10px 24px}header.top a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:1040px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:26px;font-weight:400;margin:8px 0}h1 .num{color:#656d76}
.meta{color:#656d76;margin:4px 0 16px}.meta code{background:#ddf4ff;color:#0969da;padding:1px 6px;border-radius:6px}
.state{display:inline-block;padding:4px 12px;border-radius:2em;color:#fff;font-weight:600;margin-right:8px}
.state.open{background:#1f883d}.state.closed{background:#cf222e}.state.merged{background:#8250df}
.label{display:inline-block;padding:0 8px;border-radius:2em;font-size:12px;font-weight:600;line-height:20px;margin:0 4px 4px 0;border:1px solid rgba(31,35,40,.15)}
.box{border:1px solid #d0d7de;border-radius:6px;margin:16px 0}.box>h2,.box>.head{margin:0;padding:8px 16px;background:#f6f8fa;border-bottom:1px solid #d0d7de;font-size:14px}
.box>.content{padding:16px}
.side{color:#656d76;font-size:13px}.side b{color:#1f2328}
pre{background:#f6f8fa;padding:12px;border-radius:6px;overflow:auto;font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
code{font:85% ui-monospace,SFMono-Regular,Menlo,monospace;background:rgba(175,184,193,.2);padding:.2em .4em;border-radius:6px}
pre code{background:none;padding:0;font-size:100%}
blockquote{margin:0;padding:0 1em;color:#656d76;border-left:.25em solid #d0d7de}
li.task{list-style:none;margin-left:-1.3em}
table.diff{border-collapse:collapse;width:100%;font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
table.diff td{padding:0 8px;white-space:pre-wrap;word-break:break-all;vertical-align:top}
table.diff td.n{color:#656d76;text-align:right;width:1%;min-width:40px;user-select:none}
tr.add td{background:#e6ffec}tr.del td{background:#ffebe9}tr.hunk td{background:#ddf4ff;color:#656d76}
span.d-add{background:#e6ffec;display:block}span.d-del{background:#ffebe9;display:block}span.d-hunk,span.d-meta{color:#656d76;display:block}
table.list{border-collapse:collapse;width:100%}table.list td,table.list th{text-align:left;padding:8px 12px;border-bottom:1px solid #d0d7de;vertical-align:top}
.muted{color:#656d76}a{color:#0969da}
`;

function page(title: string, home: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<header class="top"><a href="${escapeHtml(home)}">GitHub emulator</a> <span class="muted">· TerraFix sandbox (read-only)</span></header>`,
    `<main>${body}</main>`,
    '</body></html>',
  ].join('\n');
}

function labelChip(l: { name: string; color: string; description?: string }): string {
  const color = /^[0-9a-f]{6}$/i.test(l.color) ? l.color.toLowerCase() : 'ededed';
  const n = parseInt(color, 16);
  const luma = 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
  const title = l.description ? ` title="${escapeHtml(l.description)}"` : '';
  return `<span class="label" style="background:#${color};color:${luma > 150 ? '#1f2328' : '#fff'}"${title}>${escapeHtml(l.name)}</span>`;
}

function stateBadge(state: 'open' | 'closed', merged: boolean): string {
  const s = merged ? 'merged' : state;
  return `<span class="state ${s}">${s[0]!.toUpperCase()}${s.slice(1)}</span>`;
}

function diffTable(files: FileDiff[]): string {
  const parts: string[] = [];
  let budget = MAX_DIFF_LINES;
  for (const f of files) {
    const head = `<div class="head"><b>${escapeHtml(f.path)}</b> <span class="muted">${f.status} · +${f.additions} −${f.deletions}</span></div>`;
    if (f.binary) {
      parts.push(`<div class="box">${head}<div class="content muted">Binary file not shown.</div></div>`);
      continue;
    }
    if (budget <= 0) {
      parts.push(
        `<div class="box">${head}<div class="content muted">Diff not shown (page limit).</div></div>`,
      );
      continue;
    }
    const rows: string[] = [];
    for (const h of f.hunks) {
      const m = /^@@ -(\d+)(?:,\d+)? \+(\d+)/.exec(h.header);
      let a = Number(m?.[1] ?? 0);
      let b = Number(m?.[2] ?? 0);
      rows.push(
        `<tr class="hunk"><td class="n"></td><td class="n"></td><td>${escapeHtml(h.header)}</td></tr>`,
      );
      for (const l of h.lines) {
        if (budget-- <= 0) break;
        const kind = l[0];
        if (kind === '+') rows.push(row('add', '', String(b++), l));
        else if (kind === '-') rows.push(row('del', String(a++), '', l));
        else if (kind === '\\') rows.push(row('ctx', '', '', l));
        else rows.push(row('ctx', String(a++), String(b++), l));
      }
    }
    parts.push(`<div class="box">${head}<table class="diff">${rows.join('')}</table></div>`);
  }
  return parts.join('\n');
}

function row(cls: string, a: string, b: string, line: string): string {
  return `<tr class="${cls}"><td class="n">${a}</td><td class="n">${b}</td><td>${escapeHtml(line)}</td></tr>`;
}

/** The page of one pull request: title, state, branches, labels, rendered body, comments, diff. */
export function renderPullPage(d: PullPageData): string {
  const repoPath = `/${encodeURIComponent(d.owner)}/${encodeURIComponent(d.repo)}`;
  const files = d.files;
  const adds = files?.reduce((n, f) => n + f.additions, 0) ?? 0;
  const dels = files?.reduce((n, f) => n + f.deletions, 0) ?? 0;
  const when = d.mergedAt
    ? `merged ${escapeHtml(d.mergedAt)}`
    : d.closedAt
      ? `closed ${escapeHtml(d.closedAt)}`
      : `opened ${escapeHtml(d.createdAt)}`;
  const people = [
    ['Reviewers', [...d.requestedReviewers, ...d.requestedTeams.map((t) => `team ${t}`)]],
    ['Assignees', d.assignees],
  ] as const;
  const body = [
    `<p class="muted"><a href="${repoPath}/pulls">${escapeHtml(`${d.owner}/${d.repo}`)} · pull requests</a></p>`,
    `<h1>${escapeHtml(d.title)} <span class="num">#${d.number}</span></h1>`,
    `<div class="meta">${stateBadge(d.state, d.merged)}<b>${escapeHtml(d.user)}</b> wants to merge into <code>${escapeHtml(d.base.ref)}</code> from <code>${escapeHtml(d.head.ref)}</code>${d.head.exists ? '' : ' <span class="muted">(branch deleted)</span>'} · ${when}</div>`,
    `<div class="side">`,
    `<div><b>Labels</b> ${d.labels.length ? d.labels.map(labelChip).join('') : '<span class="muted">none</span>'}</div>`,
    ...people.map(
      ([k, v]) =>
        `<div><b>${k}</b> ${v.length ? v.map((x) => escapeHtml(x)).join(', ') : '<span class="muted">none</span>'}</div>`,
    ),
    `<div><b>Head</b> <code>${escapeHtml(d.head.sha.slice(0, 12))}</code> <b>Base</b> <code>${escapeHtml(d.base.sha.slice(0, 12))}</code> · updated ${escapeHtml(d.updatedAt)}</div>`,
    `</div>`,
    `<div class="box"><h2>Description</h2><div class="content">${d.body ? renderMarkdown(d.body) : '<p class="muted">No description provided.</p>'}</div></div>`,
    ...d.comments.map(
      (c, i) =>
        `<div class="box"><h2>Comment ${i + 1}</h2><div class="content">${renderMarkdown(c)}</div></div>`,
    ),
    files
      ? `<h2>Files changed <span class="muted">${files.length} file${files.length === 1 ? '' : 's'} · +${adds} −${dels}</span></h2>\n${diffTable(files)}`
      : '<h2>Files changed</h2><p class="muted">The diff is not available (the commits are gone).</p>',
    `<p class="muted">API (token required): ${escapeHtml(d.apiUrl)}<br>Clone (token required): ${escapeHtml(d.cloneUrl)}</p>`,
  ].join('\n');
  return page(`${d.title} · Pull Request #${d.number} · ${d.owner}/${d.repo}`, '/', body);
}

/** The list of a repository's pull requests (all states unless `state` is given). */
export function renderPullIndex(
  owner: string,
  repo: string,
  pulls: PullListItem[],
  state: 'open' | 'closed' | 'all' = 'all',
): string {
  const repoPath = `/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
  const shown = pulls.filter((p) => state === 'all' || p.state === state);
  const open = pulls.filter((p) => p.state === 'open').length;
  const tabs = (['all', 'open', 'closed'] as const)
    .map((s) =>
      s === state ? `<b>${s}</b>` : `<a href="${repoPath}/pulls${s === 'all' ? '' : `?state=${s}`}">${s}</a>`,
    )
    .join(' · ');
  const rows = shown
    .sort((a, b) => b.number - a.number)
    .map(
      (p) =>
        `<tr><td>${stateBadge(p.state, p.merged)}</td><td><a href="${repoPath}/pull/${p.number}">${escapeHtml(p.title)}</a> <span class="muted">#${p.number}</span><br>${p.labels.map(labelChip).join('')}</td><td class="muted"><code>${escapeHtml(p.head)}</code> → <code>${escapeHtml(p.base)}</code><br>${escapeHtml(p.createdAt)}</td></tr>`,
    );
  const body = [
    `<h1>${escapeHtml(`${owner}/${repo}`)} <span class="num">pull requests</span></h1>`,
    `<p class="meta">${open} open, ${pulls.length - open} closed · ${tabs}</p>`,
    rows.length ? `<table class="list">${rows.join('\n')}</table>` : '<p class="muted">No pull requests.</p>',
  ].join('\n');
  return page(`Pull requests · ${owner}/${repo}`, '/', body);
}

/** The emulator's home page: its repositories and their pull request counts. */
export function renderRepoIndex(
  repos: { owner: string; name: string; pulls: number; open: number }[],
): string {
  const rows = repos.map(
    (r) =>
      `<tr><td><a href="/${encodeURIComponent(r.owner)}/${encodeURIComponent(r.name)}/pulls">${escapeHtml(`${r.owner}/${r.name}`)}</a></td><td class="muted">${r.open} open, ${r.pulls - r.open} closed</td></tr>`,
  );
  const body = [
    '<h1>Repositories</h1>',
    rows.length ? `<table class="list">${rows.join('\n')}</table>` : '<p class="muted">No repositories.</p>',
  ].join('\n');
  return page('GitHub emulator', '/', body);
}
