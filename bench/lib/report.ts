/**
 * Writes a benchmark result as JSON and as a self-contained HTML report (inline SVG charts: latency
 * distribution, throughput over time, stage breakdown, worker memory/CPU), and prints a text summary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fmtMs, perBucket, type Summary } from './stats';
import { esc, groupedBars, histogram, lineChart, type Series } from './svg';
import type { BenchResult, RunResult } from './types';
import type { ActivityTypeStats } from './activityHistory';

/** Pipeline stages in workflow order (others found in results are appended). */
export const STAGE_ORDER = ['claim', 'prepare', 'analyze', 'generate', 'validate', 'open_pr', 'record'];

/** Activity types in workflow order (others found in histories are appended, sorted). */
export const ACTIVITY_ORDER = [
  'claim',
  'prepare',
  'analyze',
  'generate',
  'generateLlm',
  'validate',
  'openPullRequest',
  'joinGroup',
  'record',
];

function activitiesOf(runs: RunResult[]): string[] {
  const seen = new Set(runs.flatMap((r) => Object.keys(r.activities ?? {})));
  return [
    ...ACTIVITY_ORDER.filter((s) => seen.has(s)),
    ...[...seen].filter((s) => !ACTIVITY_ORDER.includes(s)).sort(),
  ];
}

const pctOf = (v: number) => `${(v * 100).toFixed(0)} %`;
const per = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(1));

function stagesOf(runs: RunResult[]): string[] {
  const seen = new Set(runs.flatMap((r) => Object.keys(r.stages)));
  return [...STAGE_ORDER.filter((s) => seen.has(s)), ...[...seen].filter((s) => !STAGE_ORDER.includes(s))];
}

const cell = (s: Summary | undefined, k: keyof Summary) => (s && s.count ? fmtMs(s[k]) : '–');

function runTable(runs: RunResult[]): string {
  const head = [
    'run',
    'failures',
    'PRs',
    'outcomes',
    'duration',
    'failures/min',
    'e2e p50',
    'e2e p95',
    'e2e p99',
    'worker CPU s',
    'CPU s / failure',
    'peak RSS MB',
    'LLM tokens / fix',
  ];
  const rows = runs.map((r) => [
    r.label,
    `${r.completed}/${r.failures}`,
    r.prsOpened,
    Object.entries(r.outcomes)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', '),
    fmtMs(r.durationMs),
    r.failuresPerMinute.toFixed(1),
    cell(r.endToEnd, 'p50'),
    cell(r.endToEnd, 'p95'),
    cell(r.endToEnd, 'p99'),
    r.workers.reduce((a, w) => a + w.cpuSeconds, 0).toFixed(1),
    r.cpuSecondsPerFailure.toFixed(3),
    r.peakRssMb.toFixed(0),
    r.llm.fixes ? r.llm.tokensPerFix.toFixed(0) : '–',
  ]);
  return htmlTable(head, rows);
}

function htmlTable(head: string[], rows: unknown[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function stageTable(run: RunResult, stages: string[]): string {
  const rows = stages
    .filter((s) => run.stages[s])
    .map((s) => {
      const st = run.stages[s];
      return [
        s,
        st.count,
        cell(st, 'p50'),
        cell(st, 'p95'),
        cell(st, 'p99'),
        cell(st, 'max'),
        cell(st, 'mean'),
      ];
    });
  return htmlTable(['stage', 'n', 'p50', 'p95', 'p99', 'max', 'mean'], rows);
}

/** Execution then queue-wait p50/p95/p99 of one activity type (the HTML table and the text summary). */
function timingCells(x: ActivityTypeStats): string[] {
  return [
    cell(x.execution, 'p50'),
    cell(x.execution, 'p95'),
    cell(x.execution, 'p99'),
    cell(x.queueWait, 'p50'),
    cell(x.queueWait, 'p95'),
    cell(x.queueWait, 'p99'),
  ];
}

function activityTable(run: RunResult, types: string[]): string {
  const a = run.activities ?? {};
  const rows = types
    .filter((t) => a[t])
    .map((t) => {
      const x = a[t];
      return [t, x.count, ...timingCells(x), x.retried, x.failed];
    });
  return htmlTable(
    [
      'activity',
      'n',
      'exec p50',
      'exec p95',
      'exec p99',
      'wait p50',
      'wait p95',
      'wait p99',
      'retried',
      'failed',
    ],
    rows,
  );
}

function githubTable(runs: RunResult[]): string {
  return htmlTable(
    [
      'run',
      'PRs',
      'requests',
      'reads / PR',
      'git / PR',
      'writes / PR',
      'other / PR',
      'total / PR',
      'git fetches',
      'errors',
      'top endpoints (per PR)',
    ],
    runs
      .filter((r) => r.github)
      .map((r) => {
        const g = r.github!;
        return [
          r.label,
          g.prs,
          g.total,
          per(g.perPr?.reads),
          per(g.perPr?.git),
          per(g.perPr?.writes),
          per(g.perPr?.other),
          per(g.perPr?.total),
          g.gitFetches,
          g.errors,
          g.top.map((e) => `${e.endpoint} ${e.perPr === undefined ? e.count : per(e.perPr)}`).join('; '),
        ];
      }),
  );
}

/** The HTML report for a result. */
export function renderHtml(result: BenchResult): string {
  const runs = result.runs;
  const stages = stagesOf(runs);
  const span = Math.max(1, ...runs.map((r) => r.durationMs));
  const bucketMs = Math.max(1000, Math.ceil(span / 40 / 1000) * 1000);
  const throughput: Series[] = runs.map((r) => ({
    name: r.label,
    points: perBucket(
      r.observations.map((o) => o.completedAtMs),
      bucketMs,
    ).map(([t, n]) => [t / 1000, (n * 60_000) / bucketMs]),
  }));
  const cumulative: Series[] = runs.map((r) => {
    const ts = r.observations.map((o) => o.completedAtMs).sort((a, b) => a - b);
    const step = Math.max(1, Math.floor(ts.length / 200));
    const pts: [number, number][] = [[0, 0]];
    ts.forEach((t, i) => {
      if (i % step === 0 || i === ts.length - 1) pts.push([t / 1000, i + 1]);
    });
    return { name: r.label, points: pts };
  });
  const rss: Series[] = runs.flatMap((r) =>
    r.workers.map((w) => ({
      name: `${r.label} ${w.label}`,
      points: r.resourceSamples
        .filter((s) => s.pid === w.pid)
        .map((s) => [s.t / 1000, s.rssMb] as [number, number]),
    })),
  );
  const cpu: Series[] = runs.flatMap((r) =>
    r.workers.map((w) => ({
      name: `${r.label} ${w.label}`,
      points: r.resourceSamples
        .filter((s) => s.pid === w.pid)
        .map((s) => [s.t / 1000, s.cpuPct] as [number, number]),
    })),
  );
  const extraKeys = [...new Set(runs.flatMap((r) => Object.keys(r.extra ?? {})))];
  const charts = [
    histogram(
      'End-to-end latency (poll start → PR), seconds',
      'seconds',
      runs.map((r) => ({
        name: r.label,
        values: r.observations.flatMap((o) => (o.endToEndMs === undefined ? [] : [o.endToEndMs / 1000])),
      })),
    ),
    lineChart(
      `Throughput: completions per minute (${bucketMs / 1000} s buckets)`,
      'seconds since poll',
      'per minute',
      throughput,
    ),
    lineChart('Completed remediations over time', 'seconds since poll', 'completed', cumulative),
    ...runs.map((r) =>
      groupedBars(
        `Stage durations: ${r.label} (ms)`,
        'ms',
        stages.filter((s) => r.stages[s]),
        (['p50', 'p95', 'p99'] as const).map((k) => ({
          name: k,
          values: stages.filter((s) => r.stages[s]).map((s) => r.stages[s][k]),
        })),
      ),
    ),
    lineChart('Worker resident memory (MB)', 'seconds', 'MB', rss),
    lineChart('Worker CPU (% of one core)', 'seconds', '%', cpu),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TerraFix benchmark: ${esc(result.scenario)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#111827;max-width:1100px}
table{border-collapse:collapse;margin:8px 0 20px}th,td{border:1px solid #d1d5db;padding:4px 8px;text-align:right}
th{background:#f3f4f6}td:first-child,th:first-child{text-align:left}
svg{display:block;margin:12px 0;border:1px solid #e5e7eb;border-radius:6px;background:#fff}
code{background:#f3f4f6;padding:1px 4px;border-radius:3px}
</style></head><body>
<h1>TerraFix benchmark: ${esc(result.scenario)}</h1>
<p>${esc(result.startedAt)} → ${esc(result.finishedAt)} · ${esc(result.machine.cpus)} × ${esc(result.machine.cpuModel)}, ${esc(result.machine.memoryGb)} GB, Node ${esc(result.machine.node)}</p>
<p>Parameters: <code>${esc(JSON.stringify(result.params))}</code></p>
<h2>Runs</h2>
${runTable(runs)}
${
  extraKeys.length
    ? `<h2>Per-run measurements</h2>${htmlTable(
        ['run', ...extraKeys],
        runs.map((r) => [r.label, ...extraKeys.map((k) => r.extra?.[k] ?? '–')]),
      )}`
    : ''
}
<h2>Rig processes</h2>
${htmlTable(
  ['run', 'process', 'CPU s', 'CPU % avg', 'peak RSS MB'],
  runs.flatMap((r) =>
    r.infra.map((p) => [
      r.label,
      p.label,
      p.cpuSeconds.toFixed(1),
      p.cpuPctAvg.toFixed(0),
      p.peakRssMb.toFixed(0),
    ]),
  ),
)}
<h2>Bottleneck (CPU share of one core while the remediations ran)</h2>
${htmlTable(
  ['run', 'verdict', ...[...new Set(runs.flatMap((r) => r.bottleneck?.processes.map((p) => p.label) ?? []))]],
  runs.map((r) => {
    const labels = [...new Set(runs.flatMap((x) => x.bottleneck?.processes.map((p) => p.label) ?? []))];
    return [
      r.label,
      r.bottleneck?.verdict ?? '–',
      ...labels.map((l) => {
        const p = r.bottleneck?.processes.find((q) => q.label === l);
        return p ? `${p.coreSharePct.toFixed(0)} %` : '–';
      }),
    ];
  }),
)}
<h2>Activity execution and queue wait (workflow histories)</h2>
<p>Execution = ActivityTaskCompleted/Failed − ActivityTaskStarted (the last attempt); queue wait =
Started − Scheduled (includes earlier attempts and retry back-off when retried).</p>
${runs.map((r) => `<h3>${esc(r.label)}</h3>${activityTable(r, activitiesOf(runs))}`).join('')}
<h2>GitHub requests per PR (emulator log)</h2>
${githubTable(runs)}
<h2>Index cache</h2>
${htmlTable(
  ['run', 'hits', 'misses', 'hit rate'],
  runs.map((r) =>
    r.indexCache
      ? [r.label, r.indexCache.hits, r.indexCache.misses, pctOf(r.indexCache.hitRate)]
      : [r.label, '–', '–', '–'],
  ),
)}
${
  runs.some((r) => r.profiles?.length)
    ? `<h2>CPU profiles</h2><ul>${runs.flatMap((r) => (r.profiles ?? []).map((f) => `<li>${esc(r.label)}: <code>${esc(f)}</code></li>`)).join('')}</ul>`
    : ''
}
<h2>Activity execution time (worker metrics, excludes queue wait)</h2>
${htmlTable(
  ['run', ...stages],
  runs.map((r) => [
    r.label,
    ...stages.map((s) => (r.stageExecMeanMs[s] === undefined ? '–' : `${r.stageExecMeanMs[s]} ms`)),
  ]),
)}
<h2>Stages (workflow view: includes queue wait and retries)</h2>
${runs.map((r) => `<h3>${esc(r.label)}</h3>${stageTable(r, stages)}`).join('')}
<h2>Charts</h2>
${charts.join('\n')}
${result.notes.length ? `<h2>Notes</h2><ul>${result.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
${
  runs.some((r) => r.errors.length)
    ? `<h2>Errors</h2><ul>${runs.flatMap((r) => r.errors.slice(0, 20).map((e) => `<li>${esc(r.label)}: ${esc(e)}</li>`)).join('')}</ul>`
    : ''
}
</body></html>
`;
}

/** A plain-text summary for the terminal. */
export function renderText(result: BenchResult): string {
  const lines = [`scenario ${result.scenario}  (${result.machine.cpus} CPUs, Node ${result.machine.node})`];
  if (result.machine.workerRuntime) lines.push(`worker runtime: ${result.machine.workerRuntime}`);
  for (const r of result.runs) {
    lines.push(
      `\n[${r.label}] ${r.completed}/${r.failures} completed, ${r.prsOpened} PRs in ${fmtMs(r.durationMs)} → ${r.failuresPerMinute.toFixed(1)} failures/min` +
        `\n  outcomes: ${JSON.stringify(r.outcomes)}` +
        `\n  end-to-end (poll → PR): p50 ${cell(r.endToEnd, 'p50')}  p95 ${cell(r.endToEnd, 'p95')}  p99 ${cell(r.endToEnd, 'p99')}` +
        `\n  workers: ${r.workers.map((w) => `${w.label} ${w.cpuSeconds.toFixed(1)} CPU s (${w.cpuPctAvg.toFixed(0)}%), peak RSS ${w.peakRssMb.toFixed(0)} MB`).join('; ')}` +
        `\n  CPU s per failure: ${r.cpuSecondsPerFailure.toFixed(3)}` +
        (r.warm
          ? `\n  warm (after the first failure, ${r.warm.failures} failures): worker CPU s per failure ${r.warm.cpuSecondsPerFailure.toFixed(3)}; exec p50/p95 ${Object.entries(
              r.warm.activities,
            )
              .filter(([t]) => ['prepare', 'analyze', 'generate', 'validate', 'openPullRequest'].includes(t))
              .map(([t, x]) => `${t} ${cell(x.execution, 'p50')}/${cell(x.execution, 'p95')}`)
              .join(', ')}`
          : '') +
        `\n  rig: ${r.infra.map((w) => `${w.label} ${w.cpuSeconds.toFixed(1)} CPU s, ${w.peakRssMb.toFixed(0)} MB`).join('; ')}` +
        `\n  activity execution mean (ms, no queue wait): ${JSON.stringify(r.stageExecMeanMs)}` +
        (r.llm.requests
          ? `\n  LLM: ${r.llm.requests} requests, ${r.llm.fixes} fixes, ${r.llm.tokensPerFix.toFixed(0)} tokens/fix (in ${r.llm.inputTokens}, out ${r.llm.outputTokens}, cache read ${r.llm.cacheReadTokens})`
          : ''),
    );
    if (r.extra && Object.keys(r.extra).length) lines.push(`  ${JSON.stringify(r.extra)}`);
    if (r.bottleneck) lines.push(`  ${r.bottleneck.verdict}`);
    const acts = activitiesOf([r]);
    if (acts.length) {
      lines.push(
        `  ${'activity (history)'.padEnd(18)} ${'n'.padStart(5)}${['exec p50', 'exec p95', 'exec p99', 'wait p50', 'wait p95', 'wait p99'].map((h) => h.padStart(9)).join('')} ${'retried'.padStart(8)} ${'failed'.padStart(6)}`,
      );
      for (const t of acts) {
        const x = r.activities![t];
        lines.push(
          `  ${t.padEnd(18)} ${String(x.count).padStart(5)}${timingCells(x)
            .map((c) => c.padStart(9))
            .join('')} ${String(x.retried).padStart(8)} ${String(x.failed).padStart(6)}`,
        );
      }
    }
    if (r.github) {
      const g = r.github;
      lines.push(
        g.perPr
          ? `  GitHub per PR (${g.prs} PRs, ${g.total} requests): reads ${per(g.perPr.reads)}, content-creating writes ${per(g.perPr.writes)}, total ${per(g.perPr.total)} (git fetch/clone ${per(g.perPr.git)}, other ${per(g.perPr.other)}); ${g.gitFetches} git fetches, ${g.errors} error answers${
              g.errors
                ? ` (${Object.entries(g.errorStatuses)
                    .map(([k, v]) => `${k} × ${v}`)
                    .join(', ')})`
                : ''
            }`
          : `  GitHub: ${g.total} requests (reads ${g.reads}, writes ${g.writes}, git ${g.git}, other ${g.other}), no PR opened`,
        `  GitHub top endpoints${g.perPr ? ' (per PR)' : ''}: ${g.top.map((e) => `${e.endpoint} ${e.perPr === undefined ? e.count : per(e.perPr)}`).join('; ')}`,
      );
    }
    lines.push(
      r.indexCache
        ? `  index cache: ${r.indexCache.hits} hits, ${r.indexCache.misses} misses → ${pctOf(r.indexCache.hitRate)} hit rate`
        : '  index cache: no lookups counted (worker without terrafix_index_cache_requests_total?)',
    );
    for (const f of r.profiles ?? []) lines.push(`  CPU profile: ${f}`);
    lines.push('  stage (workflow) n      p50      p95      p99');
    for (const s of stagesOf([r])) {
      const st = r.stages[s];
      if (!st) continue;
      lines.push(
        `  ${s.padEnd(12)} ${String(st.count).padStart(5)} ${cell(st, 'p50').padStart(8)} ${cell(st, 'p95').padStart(8)} ${cell(st, 'p99').padStart(8)}`,
      );
    }
    if (r.errors.length) lines.push(`  errors (${r.errors.length}): ${r.errors.slice(0, 3).join(' | ')}`);
  }
  for (const n of result.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

/** Writes <dir>/<scenario>-<timestamp>.json and .html; returns both paths. */
export function writeReport(result: BenchResult, dir: string): { json: string; html: string } {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const base = path.join(dir, `${result.scenario}-${stamp}`);
  const json = `${base}.json`;
  const html = `${base}.html`;
  fs.writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(html, renderHtml(result));
  return { json, html };
}
