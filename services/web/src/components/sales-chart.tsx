import type { SalesWindow } from '../types.js';

const minuteMs = 60_000;
const width = 480;
const height = 220;
// Room on the right for the newest minute's label, centred under its bar.
const plot = { left: 34, right: 26, top: 12, bottom: 30 };

const timeOf = (ms: number) => new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
const soldText = (n: number) => (n === 0 ? 'no tickets sold' : `${n} ticket${n === 1 ? '' : 's'} sold`);

/** A tidy top for the y axis: 1, 2, 5 or 10 times a power of ten, at least `max`. */
function axisTop(max: number): number {
  if (max <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((top) => top >= max)!;
}

/**
 * Tickets sold per minute over the `minutes` minutes ending with the one
 * holding `endMs`, as SVG bars. Each bar is an image named with its minute
 * and count (read out one by one); axis text is hidden from screen readers,
 * which get the same figures from the bars' names and from the table beside
 * the chart.
 */
export function SalesChart({ windows, endMs, minutes, label }: { windows: Map<string, SalesWindow>; endMs: number; minutes: number; label: string }) {
  const lastStart = Math.floor(endMs / minuteMs) * minuteMs;
  const bars = Array.from({ length: minutes }, (_, i) => {
    const start = lastStart - (minutes - 1 - i) * minuteMs;
    return { start, sold: windows.get(new Date(start).toISOString())?.ticketsSold ?? 0 };
  });
  const top = axisTop(Math.max(...bars.map((b) => b.sold)));
  const plotWidth = width - plot.left - plot.right;
  const plotHeight = height - plot.top - plot.bottom;
  const step = plotWidth / minutes;
  const y = (value: number) => plot.top + plotHeight - (value / top) * plotHeight;
  return (
    <svg class="sales-chart" viewBox={`0 0 ${width} ${height}`} role="group" aria-label={label}>
      <g aria-hidden="true">
        {[0, top / 2, top].map((value) => (
          <g key={value}>
            <line class="grid" x1={plot.left} x2={width - plot.right} y1={y(value)} y2={y(value)} />
            <text class="axis" x={plot.left - 6} y={y(value) + 4} text-anchor="end">
              {value}
            </text>
          </g>
        ))}
        {bars.map((bar, i) =>
          (minutes - 1 - i) % 5 === 0 ? (
            <text key={bar.start} class="axis" x={plot.left + (i + 0.5) * step} y={height - 10} text-anchor="middle">
              {timeOf(bar.start)}
            </text>
          ) : null,
        )}
      </g>
      {bars.map((bar, i) => {
        const name = `${timeOf(bar.start)}: ${soldText(bar.sold)}`;
        // An empty minute still gets a sliver, so that it can be found and read like the others.
        const barTop = Math.min(y(bar.sold), y(0) - 1);
        return (
          <rect
            key={bar.start}
            class={bar.sold > 0 ? 'bar' : 'bar bar-empty'}
            role="img"
            aria-label={name}
            x={plot.left + i * step + step * 0.15}
            width={step * 0.7}
            y={barTop}
            height={y(0) - barTop}
          >
            <title>{name}</title>
          </rect>
        );
      })}
    </svg>
  );
}
