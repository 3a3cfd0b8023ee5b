/**
 * The organizer's settings of each room (waiting_room.rooms), and what the
 * room reads from the schemas of others: the event's owner and status from
 * the catalog, and whether anything is left to sell from booking's inventory.
 * Reads only; the catalog and booking own those tables.
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from '@ticketing/platform';
import type { RoomSettings } from './queue.js';

export const WAITING_ROOM_SCHEMA = 'waiting_room';

export interface SettingsInput {
  onsaleAt: string;
  admissionPerMinute?: number | null;
  maxConcurrentShoppers?: number | null;
  shoppingSeconds: number;
  open: boolean;
}

export interface RoomRow extends RoomSettings {
  eventId: string;
  organizationId: string;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  event_id: string;
  organization_id: string;
  onsale_at: Date;
  admission_per_minute: number | null;
  max_concurrent_shoppers: number | null;
  shopping_seconds: number;
  open: boolean;
  shuffle_seed: string;
  created_at: Date;
  updated_at: Date;
  version: string;
}

/** Columns of a room aliased `r`, and its change time in ms as the version of its Redis copy. */
const columns = `r.event_id, r.organization_id, r.onsale_at, r.admission_per_minute, r.max_concurrent_shoppers, r.shopping_seconds, r.open,
                 r.shuffle_seed, r.created_at, r.updated_at, (extract(epoch FROM r.updated_at) * 1000)::bigint AS version`;

function roomOf(row: Row): RoomRow {
  return {
    eventId: row.event_id,
    organizationId: row.organization_id,
    onsaleAt: row.onsale_at,
    admissionPerMinute: row.admission_per_minute,
    maxConcurrentShoppers: row.max_concurrent_shoppers,
    shoppingSeconds: row.shopping_seconds,
    open: row.open,
    shuffleSeed: row.shuffle_seed,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: Number(row.version),
  };
}

export interface CatalogEventFacts {
  ownerId: string;
  status: string;
  startsAt: Date;
}

/** The event as the catalog has it (catalog.events), or undefined. */
export async function catalogEventOf(pool: Pool, eventId: string): Promise<CatalogEventFacts | undefined> {
  const { rows } = await pool.query<{ owner_id: string; status: string; starts_at: Date }>(
    'SELECT owner_id, status, starts_at FROM catalog.events WHERE id = $1',
    [eventId],
  );
  const row = rows[0];
  return row && { ownerId: row.owner_id, status: row.status, startsAt: row.starts_at };
}

export async function findRoom(pool: Pool, eventId: string): Promise<RoomRow | undefined> {
  const { rows } = await pool.query<Row>(`SELECT ${columns} FROM waiting_room.rooms r WHERE r.event_id = $1`, [eventId]);
  return rows[0] && roomOf(rows[0]);
}

/** Creates the room (with a fresh shuffle seed) or changes its settings; the seed never changes. */
export async function saveRoom(pool: Pool, eventId: string, organizationId: string, input: SettingsInput): Promise<{ room: RoomRow; created: boolean }> {
  const { rows } = await pool.query<Row & { created: boolean }>(
    `INSERT INTO waiting_room.rooms AS r (event_id, organization_id, onsale_at, admission_per_minute, max_concurrent_shoppers, shopping_seconds, open, shuffle_seed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (event_id) DO UPDATE
        SET onsale_at = EXCLUDED.onsale_at, admission_per_minute = EXCLUDED.admission_per_minute,
            max_concurrent_shoppers = EXCLUDED.max_concurrent_shoppers, shopping_seconds = EXCLUDED.shopping_seconds,
            open = EXCLUDED.open, updated_at = greatest(clock_timestamp(), r.updated_at + interval '1 millisecond')
     RETURNING ${columns}, (xmax = 0) AS created`,
    [
      eventId,
      organizationId,
      input.onsaleAt,
      input.admissionPerMinute ?? null,
      input.maxConcurrentShoppers ?? null,
      input.shoppingSeconds,
      input.open,
      randomBytes(16).toString('hex'),
    ],
  );
  return { room: roomOf(rows[0]!), created: rows[0]!.created };
}

export async function deleteRoom(pool: Pool, eventId: string): Promise<boolean> {
  return ((await pool.query('DELETE FROM waiting_room.rooms WHERE event_id = $1', [eventId])).rowCount ?? 0) > 0;
}

export interface ActiveRoom {
  room: RoomRow;
  /** The catalog cancelled the event: nobody new may join. */
  cancelled: boolean;
  /** Booking has inventory for the event and none of it is free or held. */
  soldOut: boolean;
}

/**
 * Rooms of events that have not started, with their catalog status and
 * whether booking's inventory is gone (no seat that is not sold, no general
 * admission section with a place not sold). A room of a started event is no
 * longer scheduled.
 */
export async function activeRooms(pool: Pool): Promise<ActiveRoom[]> {
  const { rows } = await pool.query<Row & { cancelled: boolean; sold_out: boolean }>(
    `SELECT ${columns}, e.status = 'cancelled' AS cancelled,
            EXISTS (SELECT 1 FROM booking.event_inventory i WHERE i.event_id = r.event_id)
              AND NOT EXISTS (SELECT 1 FROM booking.seat_inventory s WHERE s.event_id = r.event_id AND s.status <> 'sold')
              AND NOT EXISTS (SELECT 1 FROM booking.ga_sections g WHERE g.event_id = r.event_id AND g.sold < g.capacity) AS sold_out
       FROM waiting_room.rooms r JOIN catalog.events e ON e.id = r.event_id
      WHERE e.starts_at > now()`,
  );
  return rows.map((row) => ({ room: roomOf(row), cancelled: row.cancelled, soldOut: row.sold_out }));
}
