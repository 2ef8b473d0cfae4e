// Entry point of static/js/charts.js: draws every
//   <div data-pm-chart="ID" data-pm-chart-kind="line|bar"></div>
// from the JSON of <script type="application/json" id="ID"> (Django's json_script):
//   {"x": [unix seconds...], "series": [{"label": "...", "values": [...]}], "y_label": "..."}
// ("x_time": false makes x plain numbers, such as the index of a model's output)
// on load, after htmx swaps (including hx-swap-oob pushed over /ws/live/), and again
// when the chart's box changes width. The convention is in docs/FRONTEND.md.
import uPlot from 'uplot';
import { xRange } from './chart-range.js';

// Pico's accent first, then colours that stay apart for the colour-blind.
const COLOURS = ['#e6007a', '#0072b2', '#009e73', '#d55e00', '#cc79a7', '#56b4e9'];
const DEFAULT_HEIGHT = 240;

const charts = new Map(); // element → uPlot, so a re-render replaces instead of stacking

// One observer for all charts: a chart follows its box's width (phone rotation,
// window resize, a sidebar opening) without redrawing its data.
const resized = new ResizeObserver((entries) => {
  for (const { target } of entries) {
    const chart = charts.get(target);
    if (chart && Math.abs(chart.width - target.clientWidth) > 1) chart.setSize({ width: target.clientWidth, height: chart.height });
  }
});

function drop(el) {
  charts.get(el)?.destroy();
  charts.delete(el);
  resized.unobserve(el);
}

function readData(el) {
  const source = document.getElementById(el.dataset.pmChart);
  if (!source) return null;
  try {
    return JSON.parse(source.textContent);
  } catch (err) {
    console.error('PolkaMesh chart: bad JSON in', el.dataset.pmChart, err);
    return null;
  }
}

function seriesOptions(kind, index, label) {
  const colour = COLOURS[index % COLOURS.length];
  if (kind === 'bar') {
    return { label, stroke: colour, fill: `${colour}99`, width: 1, paths: uPlot.paths.bars({ size: [0.6, 48] }), points: { show: false } };
  }
  return { label, stroke: colour, width: 2, points: { size: 4 } };
}

function options(el, data, width) {
  const kind = el.dataset.pmChartKind === 'bar' ? 'bar' : 'line';
  const axis = { stroke: getComputedStyle(el).color, grid: { stroke: 'rgba(128,128,128,.15)' }, ticks: { stroke: 'rgba(128,128,128,.3)' } };
  return {
    width,
    height: Number(el.dataset.pmChartHeight) || DEFAULT_HEIGHT,
    scales: { x: { time: data.x_time !== false, range: (u, min, max) => xRange(kind, data.x_time !== false, min, max) } },
    series: [{ label: data.x_label || 'time' }, ...data.series.map((s, i) => seriesOptions(kind, i, s.label))],
    // An index axis (x_time false) steps by whole numbers.
    axes: [data.x_time === false ? { ...axis, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : axis, { ...axis, label: data.y_label || '', size: 60 }],
  };
}

/** Draw (or redraw) one chart element. */
export function renderChart(el) {
  drop(el);
  el.replaceChildren();
  const data = readData(el);
  if (!data || !Array.isArray(data.x) || !Array.isArray(data.series)) return;
  if (data.x.length === 0) {
    const empty = document.createElement('p');
    empty.className = 'pm-muted';
    empty.textContent = el.dataset.pmChartEmpty || 'Nothing to chart yet.';
    el.append(empty);
    return;
  }
  const columns = [data.x, ...data.series.map((s) => s.values)];
  charts.set(el, new uPlot(options(el, data, el.clientWidth || 300), columns, el));
  resized.observe(el);
  el.dataset.pmChartReady = '';
}

/** Draw every chart inside `root` (the document, or what htmx just swapped in). */
export function renderCharts(root = document) {
  if (root instanceof Element && root.matches('[data-pm-chart]')) renderChart(root);
  for (const el of root.querySelectorAll ? root.querySelectorAll('[data-pm-chart]') : []) renderChart(el);
  // Charts whose element left the page (swapped out) are dropped with it.
  for (const el of [...charts.keys()]) if (!el.isConnected) drop(el);
}

/** Draw the charts that are in the page but not drawn yet (freshly swapped in). */
function renderNewCharts() {
  for (const el of document.querySelectorAll('[data-pm-chart]')) if (!charts.has(el)) renderChart(el);
  for (const el of [...charts.keys()]) if (!el.isConnected) drop(el);
}

function init() {
  renderCharts(document);
  document.addEventListener('htmx:afterSettle', (event) => renderCharts(event.target));
  // Fragments pushed over /ws/live/ (hx-swap-oob) replace their target: the event names
  // the element that left the page, so draw whatever chart in the page is new.
  document.addEventListener('htmx:oobAfterSwap', () => renderNewCharts());
}

window.PolkaMeshCharts = Object.freeze({ render: renderCharts });

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init, { once: true });
else init();
