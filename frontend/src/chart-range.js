// The x range of a chart, apart from charts.js (which needs a browser) so that node tests it.

/** Bars need room on both sides of the first and last day; a single point needs a span
 * around it, or the axis spreads it over years. */
export function xRange(kind, isTime, min, max) {
  if (kind === 'bar') return [min - 43200, max + 43200];
  if (min === max) return isTime ? [min - 1800, max + 1800] : [min - 1, max + 1];
  return [min, max];
}
