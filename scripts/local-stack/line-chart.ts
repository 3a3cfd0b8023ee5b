/** Line charts as PNG, for benchmarks and load-test timelines: an SVG drawn here, rasterized by resvg (no native build). */
import { Resvg } from '@resvg/resvg-js';

export interface ChartSeries {
  name: string;
  color: string;
  points: { x: number; y: number }[];
}

/** A line chart as PNG (an SVG drawn here, rasterized by resvg). */
export function lineChartPng(options: { title: string; xLabel: string; yLabel: string; series: ChartSeries[]; width?: number; height?: number }): Buffer {
  const { width = 800, height = 450 } = options;
  // The legend sits right of the plot: room for its longest name (about 7 px a character at 12 px).
  const legendWidth = 50 + 7 * Math.max(0, ...options.series.map((s) => s.name.length));
  const margin = { left: 70, right: Math.max(180, legendWidth), top: 40, bottom: 50 };
  const all = options.series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...all.map((p) => p.x));
  const maxY = Math.max(1, ...all.map((p) => p.y)) * 1.1;
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const sx = (x: number) => margin.left + (x / maxX) * plotW;
  const sy = (y: number) => margin.top + plotH - (y / maxY) * plotH;
  const ticks = (max: number) => Array.from({ length: 6 }, (_, i) => (max * i) / 5);
  const fmt = (v: number) => (v >= 100 ? Math.round(v).toString() : v.toFixed(1));
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2 - margin.right / 2}" y="22" text-anchor="middle" font-size="15">${esc(options.title)}</text>`,
    ...ticks(maxX).map(
      (x) =>
        `<line x1="${sx(x)}" y1="${margin.top}" x2="${sx(x)}" y2="${margin.top + plotH}" stroke="#eee"/><text x="${sx(x)}" y="${margin.top + plotH + 16}" text-anchor="middle">${fmt(x)}</text>`,
    ),
    ...ticks(maxY).map(
      (y) =>
        `<line x1="${margin.left}" y1="${sy(y)}" x2="${margin.left + plotW}" y2="${sy(y)}" stroke="#eee"/><text x="${margin.left - 6}" y="${sy(y) + 4}" text-anchor="end">${fmt(y)}</text>`,
    ),
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${esc(options.xLabel)}</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`,
    ...options.series.map((s, i) => {
      const path = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
      const dots = s.points.map((p) => `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`).join('');
      const legendY = margin.top + 10 + i * 20;
      return (
        `<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>${dots}` +
        `<line x1="${width - margin.right + 12}" y1="${legendY}" x2="${width - margin.right + 32}" y2="${legendY}" stroke="${s.color}" stroke-width="3"/>` +
        `<text x="${width - margin.right + 38}" y="${legendY + 4}">${esc(s.name)}</text>`
      );
    }),
    '</svg>',
  ];
  return new Resvg(parts.join(''), { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}
