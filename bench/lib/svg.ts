/** Minimal inline-SVG charts for the HTML report (no external assets, no scripts). */

const W = 720;
const H = 300;
const M = { top: 24, right: 150, bottom: 44, left: 64 };
export const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#4b5563',
];

/** Escapes text for HTML/SVG. */
export function esc(s: unknown): string {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** A "nice" upper bound and tick step for an axis from 0 to max. */
function niceScale(max: number, ticks = 5): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.2 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  return { top: Math.ceil(max / step) * step, step };
}

function fmt(v: number): string {
  if (Math.abs(v) >= 1000) return `${+(v / 1000).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

function frame(title: string, xLabel: string, yLabel: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<style>text{font:11px system-ui,sans-serif;fill:#374151}.t{font-size:13px;font-weight:600}.g{stroke:#e5e7eb}</style>
<text class="t" x="${M.left}" y="16">${esc(title)}</text>
<text x="${M.left + (W - M.left - M.right) / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text>
<text transform="translate(14 ${M.top + (H - M.top - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>
${body}
</svg>`;
}

function axes(
  xMax: number,
  yMax: number,
  xFmt: (v: number) => string = fmt,
): {
  svg: string;
  x: (v: number) => number;
  y: (v: number) => number;
} {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const xs = niceScale(xMax);
  const ys = niceScale(yMax);
  const x = (v: number) => M.left + (v / xs.top) * pw;
  const y = (v: number) => M.top + ph - (v / ys.top) * ph;
  let svg = '';
  for (let v = 0; v <= ys.top + 1e-9; v += ys.step) {
    svg += `<line class="g" x1="${M.left}" x2="${M.left + pw}" y1="${y(v)}" y2="${y(v)}"/><text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`;
  }
  for (let v = 0; v <= xs.top + 1e-9; v += xs.step) {
    svg += `<text x="${x(v)}" y="${M.top + ph + 16}" text-anchor="middle">${esc(xFmt(v))}</text>`;
  }
  svg += `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#6b7280"/><line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#6b7280"/>`;
  return { svg, x, y };
}

function legend(names: string[]): string {
  return names
    .map(
      (n, i) =>
        `<rect x="${W - M.right + 12}" y="${M.top + i * 18}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/><text x="${W - M.right + 28}" y="${M.top + i * 18 + 9}">${esc(n.slice(0, 22))}</text>`,
    )
    .join('');
}

export interface Series {
  name: string;
  points: [number, number][];
}

/** A line chart of one or more series (x and y from 0). */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return frame(title, xLabel, yLabel, '<text x="300" y="150">no data</text>');
  const a = axes(Math.max(...all.map((p) => p[0])), Math.max(...all.map((p) => p[1])));
  const lines = series
    .map((s, i) => {
      const c = PALETTE[i % PALETTE.length];
      const d = s.points
        .map((p, j) => `${j ? 'L' : 'M'}${a.x(p[0]).toFixed(1)},${a.y(p[1]).toFixed(1)}`)
        .join('');
      const dots =
        s.points.length <= 40
          ? s.points.map((p) => `<circle cx="${a.x(p[0])}" cy="${a.y(p[1])}" r="2.5" fill="${c}"/>`).join('')
          : '';
      return `<path d="${d}" fill="none" stroke="${c}" stroke-width="1.8"/>${dots}`;
    })
    .join('');
  return frame(title, xLabel, yLabel, a.svg + lines + legend(series.map((s) => s.name)));
}

/** A histogram of values (one colour per series, bars side by side within a bin). */
export function histogram(
  title: string,
  xLabel: string,
  series: { name: string; values: number[] }[],
  bins = 30,
): string {
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  if (all.length === 0) return frame(title, xLabel, 'count', '<text x="300" y="150">no data</text>');
  const max = Math.max(...all) || 1;
  const width = max / bins;
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s.values) if (Number.isFinite(v)) c[Math.min(bins - 1, Math.floor(v / width))] += 1;
    return c;
  });
  const a = axes(max, Math.max(...counts.flat()));
  const binPx = a.x(width) - a.x(0);
  const barPx = Math.max(1, (binPx - 1) / series.length);
  let bars = '';
  counts.forEach((c, si) =>
    c.forEach((n, b) => {
      if (!n) return;
      const x0 = a.x(b * width) + si * barPx;
      bars += `<rect x="${x0.toFixed(1)}" y="${a.y(n).toFixed(1)}" width="${barPx.toFixed(1)}" height="${(a.y(0) - a.y(n)).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}" opacity="0.85"><title>${esc(series[si].name)}: ${n} in [${fmt(b * width)}, ${fmt((b + 1) * width)})</title></rect>`;
    }),
  );
  return frame(title, xLabel, 'count', a.svg + bars + legend(series.map((s) => s.name)));
}

/** Grouped horizontal bars: for each category, one bar per measure (e.g. p50/p95/p99). */
export function groupedBars(
  title: string,
  xLabel: string,
  categories: string[],
  measures: { name: string; values: number[] }[],
): string {
  const rowH = 12 * measures.length + 8;
  const h = Math.max(H, M.top + M.bottom + rowH * categories.length);
  const pw = W - M.left - M.right - 40;
  const max = Math.max(1, ...measures.flatMap((m) => m.values.filter(Number.isFinite)));
  const xs = niceScale(max);
  const left = M.left + 40;
  const x = (v: number) => left + (v / xs.top) * pw;
  let body = '';
  for (let v = 0; v <= xs.top + 1e-9; v += xs.step) {
    body += `<line class="g" x1="${x(v)}" x2="${x(v)}" y1="${M.top}" y2="${h - M.bottom}"/><text x="${x(v)}" y="${h - M.bottom + 14}" text-anchor="middle">${fmt(v)}</text>`;
  }
  categories.forEach((c, ci) => {
    const y0 = M.top + ci * rowH;
    body += `<text x="${left - 6}" y="${y0 + rowH / 2 + 3}" text-anchor="end">${esc(c)}</text>`;
    measures.forEach((m, mi) => {
      const v = m.values[ci];
      if (!Number.isFinite(v)) return;
      body += `<rect x="${left}" y="${y0 + 4 + mi * 12}" width="${Math.max(1, x(v) - left).toFixed(1)}" height="10" fill="${PALETTE[mi % PALETTE.length]}"><title>${esc(c)} ${esc(m.name)}: ${fmt(v)}</title></rect>`;
    });
  });
  body += legend(measures.map((m) => m.name));
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="${esc(title)}">
<style>text{font:11px system-ui,sans-serif;fill:#374151}.t{font-size:13px;font-weight:600}.g{stroke:#e5e7eb}</style>
<text class="t" x="${M.left}" y="16">${esc(title)}</text>
<text x="${left + pw / 2}" y="${h - 10}" text-anchor="middle">${esc(xLabel)}</text>
${body}
</svg>`;
}
