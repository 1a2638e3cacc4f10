/**
 * The incident report as one self-contained HTML file: uPlot (small, fast on tens of thousands
 * of points) and its stylesheet inlined, the data as JSON, no network needed to open it.
 *
 * Readable without colour: each marker is a labelled, dash-patterned line; anomalies are large
 * points; the same facts stand in a table under the charts. It prints (one chart per block).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { ReportData } from '../../core/incident-report.ts';

/** uPlot's files: beside the bundle in a Lambda (copied there at bundling), else from node_modules. */
export const UPLOT_FILES = ['uPlot.iife.min.js', 'uPlot.min.css'] as const;

async function uplot(name: (typeof UPLOT_FILES)[number]): Promise<string> {
  try {
    return await readFile(new URL(`./${name}`, import.meta.url), 'utf8');
  } catch {
    return readFile(createRequire(import.meta.url).resolve(`uplot/dist/${name}`), 'utf8');
  }
}

export async function renderReportPage(data: ReportData): Promise<string> {
  const [script, style] = await Promise.all(UPLOT_FILES.map(uplot));
  // </script> inside the JSON would end the element: escape the slash.
  const json = JSON.stringify(data).replaceAll('</', '<\\/');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(data.title)}</title>
<style>${style}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(data.title)}</h1><p>${escapeHtml(data.subtitle)}</p></header>
<main>
<section id="charts" aria-label="Signals, rollout percentages and what the guardrail did"></section>
<section>
<h2>What happened</h2>
<table id="facts"><thead><tr><th scope="col">Time</th><th scope="col">What</th><th scope="col">Details</th></tr></thead><tbody>
${data.rows.map((r) => `<tr data-what="${escapeHtml(r.what)}"><td>${escapeHtml(r.time)}</td><td>${escapeHtml(r.what)}</td><td>${escapeHtml(r.details)}</td></tr>`).join('\n')}
</tbody></table>
</section>
<section>
<h2>Alerts</h2>
${data.alerts.map((a) => `<article class="alert"><h3>${escapeHtml(a.time.slice(0, 16).replace('T', ' '))} UTC · ${escapeHtml(a.title)}</h3><pre>${escapeHtml(a.text)}</pre></article>`).join('\n') || '<p>None.</p>'}
</section>
</main>
<script type="application/json" id="report-data">${json}</script>
<script>${script}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

const PAGE_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 24px 48px; color: #1b1b1b; }
header h1 { font-size: 20px; margin: 16px 0 0; }
header p { margin: 4px 0 16px; color: #555; }
.chart { position: relative; margin: 0 0 12px; break-inside: avoid; }
.chart h2 { font-size: 14px; margin: 8px 0 2px; }
.marker { position: absolute; top: 0; transform: translateX(-50%); font-size: 11px; white-space: nowrap; background: rgba(255,255,255,0.85); padding: 0 2px; pointer-events: none; }
.marker[data-kind="rollback"], .marker[data-kind="revert"] { font-weight: 700; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; border-bottom: 1px solid #ccc; padding: 4px 8px; vertical-align: top; }
pre { white-space: pre-wrap; background: #f5f5f5; padding: 8px; }
@media print { body { margin: 0; } .chart, .alert, tr { break-inside: avoid; } }
`;

/**
 * Runs in the page: draws one chart per signal and one for the rollout percentages, synced on time,
 * with a closed-loop replay's counterfactual first. Times in UTC, 24-hour; legends show values.
 */
const PAGE_SCRIPT = `
(function () {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const root = document.getElementById('charts');
  const width = Math.max(600, Math.min(1200, root.clientWidth || 1000));
  const dash = { step: [6, 3], deploy: [2, 2], detection: [1, 3], rollback: [], revert: [8, 2, 2, 2], alert: [3, 3], resolved: [10, 4], exhausted: [2, 4] };
  const ink = { step: '#444', deploy: '#444', detection: '#b35c00', rollback: '#c00000', revert: '#c00000', alert: '#7a0080', resolved: '#006400', exhausted: '#600000' };
  const palette = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#7f7f7f', '#bcbd22', '#e377c2'];
  const charts = [];

  // Every time on the page is UTC, as the header says, whatever the viewer's time zone: uPlot
  // places its ticks in the zone tzDate gives, and every label is cut from the ISO (UTC) string.
  function iso(ts) { return new Date(ts * 1e3).toISOString(); }
  const tzDate = function (ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); };
  const timeSeries = { label: 'Time', value: function (u, ts) { return ts == null ? '--' : iso(ts).slice(0, 16).replace('T', ' ') + ' UTC'; } };
  const timeAxis = {
    values: function (u, splits) {
      return splits.map(function (ts, i) {
        const clock = iso(ts).slice(11, ts % 60 ? 19 : 16);
        const day = iso(ts).slice(0, 10);
        return i === 0 || iso(splits[i - 1]).slice(0, 10) !== day ? clock + '\\n' + day : clock;
      });
    },
  };
  function percent(u, v) { return v == null ? '--' : (Math.round(v * 10) / 10) + '%'; }
  const percentAxis = { values: function (u, splits) { return splits.map(function (v) { return v + '%'; }); } };

  // Legends show values: where the cursor is, and when it is off the charts, at the first
  // anomalous datapoint (else the first rollback), or where the chart says (the heap running out).
  const rollback = data.markers.find(function (m) { return m.kind === 'rollback'; });
  const focus = data.focus != null ? data.focus : rollback && rollback.time;
  function pinLegend(u, at) {
    if (u.cursor.idx != null) return;
    const xs = u.data[0];
    if (!xs.length) return;
    let idx = xs.length - 1;
    if (at != null) for (let i = 0; i < xs.length; i++) if (xs[i] <= at) idx = i;
    u.setLegend({ idx: idx });
  }

  function markerPlugin(legendAt) {
    return {
      hooks: {
        draw: [function (u) {
          const ctx = u.ctx;
          ctx.save();
          for (const m of data.markers) {
            const x = Math.round(u.valToPos(m.time, 'x', true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.strokeStyle = ink[m.kind];
            ctx.lineWidth = m.kind === 'rollback' || m.kind === 'exhausted' ? 2 * devicePixelRatio : devicePixelRatio;
            ctx.setLineDash(dash[m.kind].map(function (d) { return d * devicePixelRatio; }));
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        }],
        ready: [function (u) { label(u); pinLegend(u, legendAt); }],
        setSize: [function (u) { label(u); }],
        setCursor: [function (u) { pinLegend(u, legendAt); }],
      },
    };
  }

  // Labels as HTML over the plot: readable without colour, and where the data says.
  function label(u) {
    u.over.querySelectorAll('.marker').forEach(function (el) { el.remove(); });
    data.markers.forEach(function (m, i) {
      if (m.kind === 'alert') return;
      const el = document.createElement('div');
      const left = u.valToPos(m.time, 'x');
      el.className = 'marker';
      el.dataset.kind = m.kind;
      el.dataset.time = String(m.time);
      el.style.left = left + 'px';
      el.style.top = (i % 4) * 14 + 'px';
      // Near the right edge, the label ends at its line instead of being cut off.
      if (left > u.bbox.width / devicePixelRatio * 0.75) el.style.transform = 'translateX(-100%)';
      el.textContent = m.label;
      u.over.appendChild(el);
    });
  }

  function chart(title, times, seriesOpts, values, extra, legendAt) {
    const box = document.createElement('div');
    box.className = 'chart';
    const h = document.createElement('h2');
    h.textContent = title;
    box.appendChild(h);
    root.appendChild(box);
    const u = new uPlot(Object.assign({
      width: width,
      height: 220,
      tzDate: tzDate,
      scales: { x: { time: true } },
      axes: [timeAxis, {}],
      cursor: { sync: { key: 'stormguard' } },
      series: [timeSeries].concat(seriesOpts),
      plugins: [markerPlugin(legendAt === undefined ? focus : legendAt)],
    }, extra || {}), [times].concat(values), box);
    charts.push(u);
    return u;
  }

  // The argument of a closed-loop replay: the same broker's heap without the guardrail (running
  // out) and with it (flat), beside the exhaustion level.
  const cf = data.counterfactual;
  if (cf) {
    chart(cf.title, cf.times, [
      { label: cf.without.name, stroke: '#d62728', width: 2, value: percent },
      { label: cf.with.name, stroke: '#1f77b4', width: 2, value: percent },
      { label: 'heap exhausted', stroke: '#000', width: 1, dash: [2, 3], value: percent },
    ], [cf.without.values, cf.with.values, cf.times.map(function () { return cf.limit; })], {
      axes: [timeAxis, percentAxis],
      scales: { x: { time: true }, y: { range: [0, 100] } },
    }, cf.exhaustedAt);
  }

  data.charts.forEach(function (c) {
    const lines = c.series.map(function (s, i) { return { label: s.name, stroke: palette[i % palette.length], width: 1 }; });
    const n = lines.length;
    chart(c.signal, c.times, lines.concat([
      { label: 'baseline (' + c.baseline.name + ')', stroke: '#000', width: 1.5, dash: [4, 4] },
      { label: 'band low', stroke: '#999', width: 1, dash: [1, 3] },
      { label: 'band high', stroke: '#999', width: 1, dash: [1, 3] },
      { label: 'anomalous', stroke: '#c00000', width: 0, paths: function () { return null; }, points: { show: true, size: 8, width: 2, fill: '#fff', stroke: '#c00000' } },
    ]), c.series.map(function (s) { return s.values; }).concat([c.baseline.mean, c.baseline.low, c.baseline.high, c.anomalies]), {
      bands: [{ series: [n + 3, n + 2], fill: 'rgba(0,0,0,0.06)' }],
    });
  });

  // Each flag's percentage at every minute the signals have (so the legend reads the step in force
  // under the cursor), and, for a closed-loop replay, the steps as they were made without the guardrail.
  const rollouts = data.rollouts.map(function (r) { return { label: r.flag, line: r, dash: undefined }; })
    .concat(cf ? cf.rollouts.map(function (r) { return { label: r.flag + ' without the guardrail', line: r, dash: [6, 4] }; }) : []);
  if (rollouts.length) {
    const grid = [].concat.apply([], data.charts.map(function (c) { return c.times; })).concat([].concat.apply([], rollouts.map(function (r) { return r.line.times; })));
    const times = Array.from(new Set(grid)).sort(function (a, b) { return a - b; });
    const values = rollouts.map(function (r) {
      return times.map(function (t) {
        let v = null;
        for (let i = 0; i < r.line.times.length; i++) if (r.line.times[i] <= t) v = r.line.percents[i];
        return v;
      });
    });
    const flags = data.rollouts.map(function (r) { return r.flag; });
    chart('Rollout percentage', times, rollouts.map(function (r) {
      const i = Math.max(0, flags.indexOf(r.line.flag));
      return { label: r.label, stroke: palette[i % palette.length], width: 2, dash: r.dash, value: percent, paths: uPlot.paths.stepped({ align: 1 }) };
    }), values, {
      axes: [timeAxis, percentAxis],
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.min(100, Math.max(1, max * 1.2))]; } } },
    });
  }

  window.stormguardReport = { charts: charts, markers: data.markers };
  document.body.dataset.ready = 'true';
})();
`;
