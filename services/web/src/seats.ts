import type { MapSeat, SeatMap } from './types.js';

/** Every seat of a map by id. */
export function seatIndex(map: SeatMap | undefined): Map<string, MapSeat> {
  return new Map(map?.sections.flatMap((s) => s.seats.map((seat) => [seat.id, seat] as const)) ?? []);
}

/** The seats of `ids` that the map knows, in reading order (row, then number). */
export function seatsInOrder(ids: readonly string[], index: ReadonlyMap<string, MapSeat>): MapSeat[] {
  return ids
    .map((id) => index.get(id))
    .filter((seat): seat is MapSeat => seat !== undefined)
    .sort((a, b) => a.y - b.y || a.x - b.x);
}
