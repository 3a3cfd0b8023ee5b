/**
 * Import files for the tests and the benchmark, generated row by row (never
 * whole in memory when streamed): showtimes of one venue, a few deliberately
 * broken at known lines.
 */

export const csvHeader = 'event_key,venue_id,title,description,starts_at,ends_at,currency,prices';

/** What is wrong with a broken row, as the import must report it. */
export interface BrokenRow {
  index: number;
  field: string;
  reason: RegExp;
  row: (venueId: string, index: number) => string;
}

const dayMs = 86_400_000;
/** Start of showtime `i`: from a day ahead, 15 minutes apart. */
export const startOf = (i: number) => new Date(Date.UTC(2031, 0, 1) + i * 15 * 60_000);

export function showtimeRow(venueId: string, i: number, prices = 'vip=9000;standard=5000;floor=3000'): string {
  const starts = startOf(i);
  const ends = new Date(starts.getTime() + 2 * 3_600_000);
  return `show-${i},${venueId},"Film ${i % 500}, screening ${i}",Cinema night,${starts.toISOString()},${ends.toISOString()},EUR,${prices}`;
}

/** The broken rows of the standard file, by row index (line = index + 2). */
export function brokenRows(count: number): BrokenRow[] {
  const at = (fraction: number, offset: number) => Math.floor(count * fraction) + offset;
  return [
    { index: at(0.2, 0), field: 'starts_at', reason: /date-time|pattern/, row: (v, i) => showtimeRow(v, i).replace(startOf(i).toISOString(), 'tomorrow') },
    { index: at(0.2, 7), field: 'prices', reason: /without a price.*floor/, row: (v, i) => showtimeRow(v, i, 'vip=9000;standard=5000') },
    { index: at(0.5, 3), field: 'prices', reason: /not category=priceCents/, row: (v, i) => showtimeRow(v, i, 'vip:9000') },
    { index: at(0.5, 4), field: 'line', reason: /has 9 fields; the header has 8/, row: (v, i) => `${showtimeRow(v, i)},extra` },
    {
      index: at(0.8, 1),
      field: 'ends_at',
      reason: /after startsAt/,
      row: (v, i) => showtimeRow(v, i).replace(new Date(startOf(i).getTime() + 7_200_000).toISOString(), new Date(startOf(i).getTime() - dayMs).toISOString()),
    },
  ];
}

/** The standard file: `count` showtimes of `venueId`, the broken rows in place (unless `valid`). */
export function* showtimesCsv(venueId: string, count: number, options: { valid?: boolean } = {}): Generator<string> {
  const broken = new Map(options.valid ? [] : brokenRows(count).map((b) => [b.index, b]));
  yield csvHeader + '\n';
  let lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push((broken.get(i)?.row ?? showtimeRow)(venueId, i));
    if (lines.length === 1000) {
      yield lines.join('\n') + '\n';
      lines = [];
    }
  }
  if (lines.length) yield lines.join('\n') + '\n';
}

export const csvText = (venueId: string, count: number, options: { valid?: boolean } = {}) => [...showtimesCsv(venueId, count, options)].join('');
