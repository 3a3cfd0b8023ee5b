/**
 * The seat map: an SVG drawn from the venue's seat coordinates. Every seat is
 * a checkbox a keyboard can reach (one tab stop for the whole map; arrow keys
 * move between seats, Space or Enter picks one) and is named for a screen
 * reader, e.g. "Row B, seat 7, standard, 35 EUR, available".
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { spokenMoney } from '../format.js';
import type { MapSeat, SeatMap as SeatMapData, SeatStatus } from '../types.js';

/** Category colours, in price-tier order; each is at least 3:1 against white (WCAG non-text contrast). */
const palette = ['#1f6fb2', '#b5461b', '#2e7d32', '#7b3fa0', '#8a6d00', '#00796b', '#ad1457', '#455a64'];
const unit = 28; // px per seat step at 100 %

export function categoryColours(map: SeatMapData): Map<string, string> {
  return new Map(map.priceTiers.map((tier, i) => [tier.category, palette[i % palette.length]!]));
}

interface PlacedSeat extends MapSeat {
  sectionId: string;
  sectionName: string;
  /** Index of its row among all rows of the map, top to bottom. */
  rowIndex: number;
}

export function seatLabel(seat: Pick<MapSeat, 'row' | 'number' | 'category' | 'priceCents'>, currency: string, status: SeatStatus | 'selected'): string {
  const state = status === 'selected' ? 'selected' : status === 'available' ? 'available' : 'unavailable';
  return `Row ${seat.row}, seat ${seat.number}, ${seat.category}, ${spokenMoney(seat.priceCents, currency)}, ${state}`;
}

export function SeatMap({
  map,
  statuses,
  selected,
  onToggle,
  preview,
  describe = (seat, state) => seatLabel(seat, map.currency, state),
}: {
  map: SeatMapData;
  statuses: ReadonlyMap<string, SeatStatus>;
  selected: ReadonlySet<string>;
  onToggle: (seatId: string) => void;
  /** A picture only (the venue editor's preview): no controls, one description. */
  preview?: string;
  /** A seat's name for a screen reader. @default seatLabel (row, seat, category, price, state) */
  describe?: (seat: MapSeat, state: SeatStatus | 'selected') => string;
}) {
  const colours = useMemo(() => categoryColours(map), [map]);
  const { seats, rows, bounds } = useMemo(() => layout(map), [map]);
  const [focusId, setFocusId] = useState<string | undefined>(seats[0]?.id);
  const svg = useRef<SVGSVGElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  // A map wider than the screen (a phone) opens at its middle, facing the stage, cut off on both sides so it reads as scrollable.
  useEffect(() => {
    const el = scroller.current;
    if (el) el.scrollLeft = (el.scrollWidth - el.clientWidth) / 2;
  }, [bounds]);
  if (seats.length === 0) return null;

  const statusOf = (seatId: string): SeatStatus => statuses.get(seatId) ?? 'sold';
  const focusSeat = (seat: PlacedSeat | undefined) => {
    if (!seat) return;
    setFocusId(seat.id);
    svg.current?.querySelector<SVGElement>(`[data-seat="${seat.id}"]`)?.focus();
  };
  const onKeyDown = (event: KeyboardEvent, seat: PlacedSeat) => {
    const row = rows[seat.rowIndex]!;
    const index = row.indexOf(seat);
    const nearestIn = (target: PlacedSeat[] | undefined) =>
      target?.reduce((best, candidate) => (Math.abs(candidate.x - seat.x) < Math.abs(best.x - seat.x) ? candidate : best));
    const moves: Record<string, () => PlacedSeat | undefined> = {
      ArrowRight: () => row[index + 1],
      ArrowLeft: () => row[index - 1],
      ArrowDown: () => nearestIn(rows[seat.rowIndex + 1]),
      ArrowUp: () => nearestIn(rows[seat.rowIndex - 1]),
      Home: () => row[0],
      End: () => row[row.length - 1],
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      focusSeat(move());
    } else if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      if (statusOf(seat.id) === 'available' || selected.has(seat.id)) onToggle(seat.id);
    }
  };

  // Two seat steps of margin on either side (the row labels sit in the left one), so STAGE is centred over the seats.
  const width = (bounds.maxX - bounds.minX + 4) * unit;
  const height = (bounds.maxY - bounds.minY + 2) * unit + sectionLabelSpace(rows);
  const sectionsShown = new Set<string>();
  return (
    <div class="seat-map-scroll" ref={scroller}>
      <svg
        ref={svg}
        class="seat-map"
        viewBox={`0 0 ${width} ${height}`}
        // Never larger than drawn; on small screens at most ~20 % smaller (seats stay a finger wide), then it scrolls.
        style={{ maxWidth: `${width}px`, minWidth: `${Math.round(width * 0.8)}px` }}
        role={preview ? 'img' : 'group'}
        aria-label={preview ?? `Seat map of ${map.venue.name}. Use the arrow keys to move between seats and Space to select one.`}
      >
        <text x={width / 2} y={16} class="stage" text-anchor="middle" aria-hidden="true">
          STAGE
        </text>
        {rows.map((row) => {
          const first = row[0]!;
          const y = yOf(first, bounds, rows);
          const sectionTitle = !sectionsShown.has(first.sectionId) ? (sectionsShown.add(first.sectionId), first.sectionName) : undefined;
          return (
            <g key={`${first.sectionId}-${first.row}`} {...(preview ? {} : { role: 'group', 'aria-label': `${first.sectionName}, row ${first.row}` })}>
              {sectionTitle && (
                <text x={unit / 2} y={y - unit * 0.75} class="section-name" aria-hidden="true">
                  {sectionTitle}
                </text>
              )}
              <text x={unit / 2} y={y + 4} class="row-label" aria-hidden="true">
                {first.row}
              </text>
              {row.map((seat) => {
                const status = statusOf(seat.id);
                const isSelected = selected.has(seat.id);
                const available = status === 'available';
                return (
                  <circle
                    key={seat.id}
                    data-seat={seat.id}
                    data-status={isSelected ? 'selected' : status}
                    class={`seat ${isSelected ? 'seat-selected' : available ? 'seat-available' : 'seat-taken'}`}
                    cx={(seat.x - bounds.minX + 2) * unit}
                    cy={y}
                    r={unit * 0.38}
                    fill={isSelected ? '#111' : available ? colours.get(seat.category) : '#d5d8dc'}
                    {...(preview
                      ? {}
                      : {
                          role: 'checkbox',
                          'aria-checked': isSelected,
                          'aria-disabled': !available && !isSelected,
                          'aria-label': describe(seat, isSelected ? 'selected' : status),
                          tabIndex: seat.id === focusId ? 0 : -1,
                          onClick: () => (available || isSelected) && onToggle(seat.id),
                          onKeyDown: (e: KeyboardEvent) => onKeyDown(e, seat),
                          onFocus: () => setFocusId(seat.id),
                        })}
                  />
                );
              })}
            </g>
          );
        })}
      </svg>
    </div>
  );
}

const sectionGap = 1.2;

/** Seats with their row index; rows top to bottom, each left to right. */
function layout(map: SeatMapData) {
  const seats: PlacedSeat[] = [];
  const byRow = new Map<string, PlacedSeat[]>();
  for (const section of map.sections) {
    for (const seat of section.seats) {
      const placed: PlacedSeat = { ...seat, sectionId: section.id, sectionName: section.name, rowIndex: 0 };
      seats.push(placed);
      const key = `${section.id}\u0000${seat.y}`;
      byRow.set(key, [...(byRow.get(key) ?? []), placed]);
    }
  }
  const rows = [...byRow.values()].sort((a, b) => a[0]!.y - b[0]!.y).map((row) => row.sort((a, b) => a.x - b.x));
  rows.forEach((row, i) => row.forEach((seat) => (seat.rowIndex = i)));
  const xs = seats.map((s) => s.x);
  const ys = seats.map((s) => s.y);
  const bounds = { minX: Math.min(...xs), maxX: Math.max(...xs), minY: Math.min(...ys), maxY: Math.max(...ys) };
  return { seats, rows, bounds };
}

/** Room above each section's first row for its name. */
function sectionLabelSpace(rows: PlacedSeat[][]): number {
  return new Set(rows.map((r) => r[0]!.sectionId)).size * sectionGap * unit;
}

function yOf(seat: PlacedSeat, bounds: { minY: number }, rows: PlacedSeat[][]): number {
  const sectionsAbove = new Set(rows.slice(0, seat.rowIndex + 1).map((r) => r[0]!.sectionId)).size;
  return (seat.y - bounds.minY + 1) * unit + sectionsAbove * sectionGap * unit + 8;
}
