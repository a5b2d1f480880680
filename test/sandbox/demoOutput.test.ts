/**
 * The demo's terminal output (src/sandbox/demo.ts): the progress line, stage lines, the summary table
 * (never wider than 120 columns, PR links kept whole), and the CLI environment lines.
 */
import { execFileSync } from 'node:child_process';
import {
  CLI_ENV_VARS,
  SUMMARY_WIDTH,
  ellipsize,
  envFile,
  envLines,
  fitTable,
  formatElapsed,
  parseDemoArgs,
  prPageUrl,
  progressLine,
  shellQuote,
  stageLine,
  summaryTable,
  textWidth,
  type SummaryRow,
} from '../../src/sandbox/demo';
import { SANDBOX_PAYLOAD_KEY, loadDemoOrg } from '../../src/sandbox/sandbox';

const widest = (lines: string[]) => Math.max(...lines.map(textWidth));

/** The rows of the real demo organisation (18 failures), with 5-digit ports and 2-digit PR numbers. */
function demoRows(result = 'PR exists'): SummaryRow[] {
  return loadDemoOrg().expected.map((x, i) => ({
    resource: x.displayName,
    testId: x.testId,
    fix: x.engine === 'llm' ? 'LLM (recorded)' : x.ruleId!,
    result,
    diff: `+${10 + i}/-${i}`,
    pr: `http://127.0.0.1:48234/${x.repo}/pull/${i + 10}`,
  }));
}

describe('progress and stage lines', () => {
  it('reads N/M PRs · running · failed · elapsed', () => {
    expect(
      progressLine({ total: 18, prs: 12, running: 2, failed: 0, other: 0, waiting: 0, elapsedMs: 23_400 }),
    ).toBe('12/18 PRs · 2 running · 0 failed · 23.4s');
    expect(
      progressLine({ total: 18, prs: 15, running: 0, failed: 1, other: 1, waiting: 1, elapsedMs: 65_000 }),
    ).toBe('15/18 PRs · 0 running · 1 failed · 1 without PR · 1 waiting · 1m05s');
  });

  it('formats elapsed time', () => {
    expect(formatElapsed(0)).toBe('0.0s');
    expect(formatElapsed(59_940)).toBe('59.9s');
    expect(formatElapsed(600_000)).toBe('10m00s');
  });

  it('stage lines stay within the width, even for long names', () => {
    const l = stageLine(12_300, 'acme-bastion', 'infra-ec2instances-imdsv1-disabled', 'open_pr');
    expect(l).toBe('  12.3s  acme-bastion (infra-ec2instances-imdsv1-disabled) → open_pr');
    const long = stageLine(1000, 'r'.repeat(300), 't'.repeat(300), 'pr_opened (earlier run)');
    expect(textWidth(long)).toBeLessThanOrEqual(SUMMARY_WIDTH);
    expect(long.endsWith('… → pr_opened (earlier run)')).toBe(true);
  });

  it('parses --verbose', () => {
    expect(parseDemoArgs([])).toEqual({ verbose: false });
    expect(parseDemoArgs(['--verbose'])).toEqual({ verbose: true });
    expect(parseDemoArgs(['-v'])).toEqual({ verbose: true });
    expect(parseDemoArgs([], { DEMO_VERBOSE: '1' })).toEqual({ verbose: true });
    expect(parseDemoArgs([], { DEMO_VERBOSE: '0' })).toEqual({ verbose: false });
  });
});

describe('summary table', () => {
  it('fits 120 columns for the real 18-failure demo and keeps every PR link whole', () => {
    const rows = demoRows();
    expect(rows).toHaveLength(18);
    for (const result of ['PR exists', 'PR opened', 'PR recorded', 'unfinished']) {
      const lines = summaryTable(demoRows(result));
      expect(lines).toHaveLength(2 + rows.length);
      expect(widest(lines)).toBeLessThanOrEqual(SUMMARY_WIDTH);
      for (const [i, r] of rows.entries()) {
        expect(lines[i + 2]).toContain(r.pr);
        expect(lines[i + 2]).toContain(r.diff);
        expect(lines[i + 2]).toContain(result);
        // The resource name comes first and survives the ellipsis.
        expect(lines[i + 2]!.startsWith(r.resource)).toBe(true);
      }
      expect(lines.every((l) => l === l.trimEnd())).toBe(true);
    }
  });

  it('is not ellipsised when it fits', () => {
    const lines = summaryTable([
      { resource: 'b', testId: 't', fix: 'f', result: 'PR opened', diff: '+1/-0', pr: 'http://x/a/b/pull/1' },
    ]);
    expect(lines[2]).toBe('b · t                      f    PR opened  +1/-0  http://x/a/b/pull/1');
    expect(lines.join('\n')).not.toContain('…');
  });

  it('fits 120 columns with very long names, fixes, results and URLs', () => {
    const rows: SummaryRow[] = [
      {
        resource: 'x'.repeat(400),
        testId: 'y'.repeat(400),
        fix: 'z'.repeat(200),
        result: 'r'.repeat(150),
        diff: '+123456/-654321',
        pr: `http://127.0.0.1:65535/${'o'.repeat(100)}/${'n'.repeat(100)}/pull/99999`,
      },
      ...demoRows(),
    ];
    const lines = summaryTable(rows);
    expect(widest(lines)).toBeLessThanOrEqual(SUMMARY_WIDTH);
    expect(lines[2]).toContain('…');
    // A narrower terminal works too.
    expect(widest(summaryTable(rows, 80))).toBeLessThanOrEqual(80);
    expect(widest(summaryTable(demoRows(), 40))).toBeLessThanOrEqual(40);
  });

  it('fitTable shrinks columns in priority order, down to their minimum first', () => {
    const lines = fitTable(
      [{ head: 'a', shrink: 2, min: 5 }, { head: 'b', shrink: 1, min: 3 }, { head: 'c' }],
      [['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc']],
      30,
    );
    // 10+10+10+4 = 34: b gives 4 first.
    expect(lines[2]).toBe('aaaaaaaaaa  bbbbb…  cccccccccc');
    const tighter = fitTable(
      [{ head: 'a', shrink: 2, min: 5 }, { head: 'b', shrink: 1, min: 3 }, { head: 'c' }],
      [['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc']],
      22,
    );
    expect(tighter[2]).toBe('aaaa…  bb…  cccccccccc');
    expect(widest(tighter)).toBeLessThanOrEqual(22);
  });

  it('ellipsize counts code points', () => {
    expect(ellipsize('abcdef', 4)).toBe('abc…');
    expect(ellipsize('—·—', 3)).toBe('—·—');
    expect(ellipsize('abc', 0)).toBe('');
  });
});

describe('CLI environment', () => {
  const env = {
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'terrafix-demo',
    TEMPORAL_SCHEDULE_ID: 'terrafix-demo-poll',
    TEMPORAL_PAYLOAD_KEYS: JSON.stringify({ sandbox: SANDBOX_PAYLOAD_KEY }),
    TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
    REDIS_URL: 'redis://127.0.0.1:41234',
    GITHUB_TOKEN: 'ghp_not_for_the_cli',
  };

  it('exports the variables the CLI needs, quoted for the shell, and nothing else', () => {
    const lines = envLines(env);
    expect(lines).toEqual([
      'export TEMPORAL_ADDRESS=127.0.0.1:7233',
      'export TEMPORAL_NAMESPACE=default',
      'export TEMPORAL_TASK_QUEUE=terrafix-demo',
      'export TEMPORAL_SCHEDULE_ID=terrafix-demo-poll',
      `export TEMPORAL_PAYLOAD_KEYS='{"sandbox":"${SANDBOX_PAYLOAD_KEY}"}'`,
      'export TEMPORAL_UI_URL=http://127.0.0.1:8233',
      'export REDIS_URL=redis://127.0.0.1:41234',
    ]);
    expect(lines.join('\n')).not.toContain('GITHUB_TOKEN');
    expect(CLI_ENV_VARS).toContain('TEMPORAL_PAYLOAD_KEYS');
  });

  it('the env file, sourced by a shell, gives back the exact values', () => {
    const file = envFile({ ...env, TEMPORAL_NAMESPACE: "it's odd" });
    const printed = execFileSync(
      'sh',
      [
        '-c',
        `${file}\nfor v in ${CLI_ENV_VARS.join(' ')}; do printf '%s=%s\\n' "$v" "$(printenv "$v")"; done`,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH } },
    );
    const got = Object.fromEntries(
      printed
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(got).toEqual({
      ...Object.fromEntries(CLI_ENV_VARS.map((k) => [k, env[k]])),
      TEMPORAL_NAMESPACE: "it's odd",
    });
    expect(file.startsWith('# TerraFix demo')).toBe(true);
  });

  it('shellQuote leaves plain words alone', () => {
    expect(shellQuote('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("a'b")).toBe("'a'\\''b'");
  });
});

describe('prPageUrl', () => {
  it('moves a recorded PR URL to the running emulator', () => {
    expect(prPageUrl('http://127.0.0.1:9000', 'http://127.0.0.1:41000/acme/data-infra/pull/7')).toBe(
      'http://127.0.0.1:9000/acme/data-infra/pull/7',
    );
    expect(prPageUrl('http://h', 'not a url')).toBeUndefined();
    expect(prPageUrl('http://h', 'http://x/acme/data-infra/issues/7')).toBeUndefined();
  });
});
