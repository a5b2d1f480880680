/**
 * The GitHub emulator's read-only PR pages (src/sandbox/emulators/prPages.ts): served without a token at the
 * PR's html_url, rendering the title, the Markdown body (escaped, no raw HTML), labels, state,
 * branches and the diff from the emulator's git store. The API stays token-protected.
 */
import { failureMarker, prBody, prTitle } from '../../src/pullRequests/content';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sandbox/emulators/githubEmulator';
import { escapeHtml, renderInline, renderMarkdown } from '../../src/sandbox/emulators/prPages';
import { MAIN_TF, REPO_FILES, failureFor, fixFor } from '../github/helpers';

let emu: GitHubEmulator;

/** The emulator's REST API with its token. */
async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${emu.apiUrl}${path}`, {
    method,
    headers: { authorization: `token ${emu.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Opens a PR on a new branch with `files` changed, the way TerraFix does (through the REST API). */
async function openPr(branch: string, files: Record<string, string>, title: string, body: string) {
  const main = (await emu.branchSha('acme', 'infra', 'main'))!;
  await api('POST', '/repos/acme/infra/git/refs', { ref: `refs/heads/${branch}`, sha: main });
  await emu.pushCommit('acme', 'infra', files, { branch, message: title });
  return api('POST', '/repos/acme/infra/pulls', { title, body, head: branch, base: 'main' });
}

beforeAll(async () => {
  emu = await startGitHubEmulator();
  await emu.createRepo('acme', 'infra', REPO_FILES);
});

afterAll(() => emu?.stop());

describe('PR page over HTTP, no token', () => {
  it('renders a TerraFix PR: title, body, labels, state, branches and the diff', async () => {
    const failure = failureFor('acme-logs');
    const fix = fixFor('acme-logs');
    const title = prTitle(failure);
    const body = `${prBody({ failure, fix })}\n\n${failureMarker(failure.key)}`;
    const pr = await openPr(
      'terrafix/s3-public-access-block/abc123',
      { 'main.tf': fix.files[0]!.content },
      title,
      body,
    );
    await api('POST', `/repos/acme/infra/issues/${pr.number}/labels`, {
      labels: ['terrafix', 'severity:high'],
    });
    await api('POST', `/repos/acme/infra/issues/${pr.number}/comments`, { body: 'Looks **good**' });

    // The html_url the API hands out is the page.
    expect(pr.html_url).toBe(`${emu.apiUrl}/acme/infra/pull/${pr.number}`);
    const res = await fetch(pr.html_url as string);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();

    expect(html).toContain(`<h1>${escapeHtml(title)} <span class="num">#${pr.number}</span></h1>`);
    expect(html).toContain('<span class="state open">Open</span>');
    expect(html).toContain('<code>terrafix/s3-public-access-block/abc123</code>');
    expect(html).toContain('<code>main</code>');
    expect(html).toMatch(/<span class="label"[^>]*>terrafix<\/span>/);
    expect(html).toMatch(/<span class="label"[^>]*>severity:high<\/span>/);
    // Body: headings, list items with bold, inline code, the review checklist, the <details> diff.
    expect(html).toContain('<h2>Compliance failure</h2>');
    expect(html).toContain('<li><strong>Severity:</strong> high</li>');
    expect(html).toMatch(
      /<li><strong>Test:<\/strong> S3 buckets block public access \(<code>aws-s3-public-access-blocked<\/code>\)<\/li>/,
    );
    expect(html).toContain('<li class="task"><input type="checkbox" disabled> ');
    expect(html).toContain('<details><summary>Diff</summary>');
    expect(html).toContain('<pre><code class="language-diff">');
    // The hidden marker is not shown (and not passed through).
    expect(html).not.toContain('terrafix:failure-key');
    // The comment, rendered.
    expect(html).toContain('Looks <strong>good</strong>');
    // The diff, from the git store: the added resource lines of main.tf.
    expect(html).toContain('<b>main.tf</b> <span class="muted">modified · +8 −0</span>');
    expect(html).toContain(
      `<tr class="add"><td class="n"></td><td class="n">9</td><td>${escapeHtml('+resource "aws_s3_bucket_public_access_block" "acme_logs" {')}</td></tr>`,
    );
    expect(html).toContain(`<td>${escapeHtml(' ' + MAIN_TF.split('\n')[4])}</td>`);
    expect(html).toContain('Files changed <span class="muted">1 file · +8 −0</span>');
  });

  it('escapes a hostile body: no raw HTML, no script, no javascript: links', async () => {
    const body = [
      '<script>alert(1)</script>',
      '',
      '- <img src=x onerror=alert(2)> item',
      '- [click](javascript:alert(3)) and [ok](https://example.com/a?b=1&c=2)',
      '',
      '```',
      '</code></pre><script>alert(4)</script>',
      '```',
      '<details><summary><b onmouseover=alert(5)>x</b></summary>',
      '`<iframe>`',
    ].join('\n');
    const pr = await openPr(
      'evil',
      { 'evil.tf': '# <script>alert(6)</script>\n' },
      '<script>alert("t")</script>',
      body,
    );
    const res = await fetch(`${emu.apiUrl}/acme/infra/pull/${pr.number}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toMatch(/<script|<img|<iframe|<b |javascript:alert\(3\)"|onerror=alert\(2\)>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<title>&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt; item');
    expect(html).toContain('[click](javascript:alert(3))');
    expect(html).toContain(
      '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">ok</a>',
    );
    expect(html).toContain('&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(4)&lt;/script&gt;');
    expect(html).toContain('<code>&lt;iframe&gt;</code>');
    expect(html).toContain('+# &lt;script&gt;alert(6)&lt;/script&gt;');
    // The unbalanced <details> is closed by the renderer.
    expect((html.match(/<details>/g) ?? []).length).toBe((html.match(/<\/details>/g) ?? []).length);
  });

  it('lists the pull requests, and 404s for unknown ones', async () => {
    const res = await fetch(`${emu.apiUrl}/acme/infra/pulls`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<a href="/acme/infra/pull/1">');
    expect(html).toContain('<a href="/acme/infra/pull/2">');
    expect(html).toMatch(/2 open, 0 closed/);
    emu.closePullRequest('acme', 'infra', 2);
    expect(await (await fetch(`${emu.apiUrl}/acme/infra/pulls?state=closed`)).text()).toContain(
      '<a href="/acme/infra/pull/2">',
    );
    expect(await (await fetch(`${emu.apiUrl}/acme/infra/pulls?state=closed`)).text()).not.toContain(
      '<a href="/acme/infra/pull/1">',
    );
    const home = await (await fetch(`${emu.apiUrl}/`)).text();
    expect(home).toContain('<a href="/acme/infra/pulls">acme/infra</a>');
    expect((await fetch(`${emu.apiUrl}/acme/infra/pull/99`)).status).toBe(404);
    expect((await fetch(`${emu.apiUrl}/acme/nope/pulls`)).status).toBe(404);
  });

  it('the API and git still need the token', async () => {
    expect((await fetch(`${emu.apiUrl}/repos/acme/infra/pulls/1`)).status).toBe(401);
    expect((await fetch(`${emu.apiUrl}/repos/acme/infra/pulls`)).status).toBe(401);
    expect((await fetch(`${emu.apiUrl}/git/acme/infra.git/info/refs?service=git-upload-pack`)).status).toBe(
      401,
    );
    expect((await fetch(`${emu.apiUrl}/acme/infra/pull/1`, { method: 'POST' })).status).toBe(401);
  });
});

describe('renderMarkdown', () => {
  it('renders the subset PR bodies use', () => {
    expect(renderMarkdown('# T\n\npara *em* **b** `c`\nline two')).toBe(
      '<h1>T</h1>\n<p>para <em>em</em> <strong>b</strong> <code>c</code><br>\nline two</p>',
    );
    expect(renderMarkdown('> **Breaking**\n> - one\n> - two')).toBe(
      '<blockquote><p><strong>Breaking</strong></p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul></blockquote>',
    );
    expect(renderMarkdown('1. a\n2. b')).toBe('<ol>\n<li>a</li>\n<li>b</li>\n</ol>');
    expect(renderMarkdown('- [x] done\n- [ ] todo')).toContain(
      '<li class="task"><input type="checkbox" disabled checked> done</li>',
    );
    expect(renderMarkdown('---')).toBe('<hr>');
    expect(renderMarkdown('a\n<!-- hidden\nstill -->\nb')).toBe('<p>a</p>\n<p>b</p>');
  });

  it('inline: escapes, entities, autolinks, snake_case', () => {
    expect(renderInline('\\*not em\\* a_b_c &lt;!-- x')).toBe('*not em* a_b_c &lt;!-- x');
    expect(renderInline('see https://app.vanta.com/tests/x.')).toBe(
      'see <a href="https://app.vanta.com/tests/x" rel="nofollow noopener noreferrer">https://app.vanta.com/tests/x</a>.',
    );
    expect(renderInline('_(truncated)_')).toBe('<em>(truncated)</em>');
    expect(renderInline('<b>&amp;</b>')).toBe('&lt;b&gt;&amp;&lt;/b&gt;');
  });
});
