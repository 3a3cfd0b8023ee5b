/**
 * The shapes of the API answers the pages read: the services' own types where
 * they export them (type-only imports: nothing of the servers reaches the
 * bundle), else as each service's /openapi.json describes them.
 */
import type { WindowDelta as SalesFigures } from '@ticketing/analytics/windows';
import type { Event as CatalogEvent } from '@ticketing/catalog/events/queries';
import type { PriceTier } from '@ticketing/catalog/events/input';

export type { EventTotals as SalesTotals } from '@ticketing/analytics/windows';
export type { Availability, SeatStatus } from '@ticketing/booking/availability';
export type { BookingView as Booking } from '@ticketing/booking/bookings';
export type { HoldView as Hold } from '@ticketing/booking/holds';
export type { EventSales } from '@ticketing/booking/sales';
/** EventStatus: the event lifecycle (docs/catalog.md, "Lifecycle"). */
export type { EventStatus, PriceTier } from '@ticketing/catalog/events/input';
/** CatalogEvent: an event as the catalog answers it (search, GET /events/{id}). */
export type { CatalogEvent };
/** SalesFigures: one 1-minute sales window's figures, or all of an event's windows summed. */
export type { SalesFigures };

export interface SearchPage {
  items: CatalogEvent[];
  nextCursor: string | null;
}

export interface MapSeat {
  id: string;
  row: string;
  number: number;
  x: number;
  y: number;
  category: string;
  priceCents: number;
}

export interface MapSection {
  id: string;
  name: string;
  kind: 'seated' | 'general_admission';
  category: string;
  capacity: number;
  priceCents?: number;
  seats: MapSeat[];
}

export interface SeatMap {
  eventId: string;
  status: CatalogEvent['status'];
  currency: string;
  venue: CatalogEvent['venue'];
  priceTiers: PriceTier[];
  sections: MapSection[];
}

export interface PartnerVenue {
  id: string;
  name: string;
  city: string;
  address: string;
  timezone: string;
  capacity: number;
  sections: { id: string; name: string; kind: 'seated' | 'general_admission'; category: string; capacity: number }[];
  categories: string[];
}

/** Per currency: ISO 4217 code → cents. */
export type CentsByCurrency = Record<string, number>;

/** One revision of one window (schemas/analytics-results.v1.schema.json). */
export interface SalesWindow extends SalesFigures {
  eventId: string;
  windowStart: string;
  windowEnd: string;
  revision: number;
}

/** One audit entry of an event or venue: who, when, what. */
export interface CatalogChange {
  id: string;
  type: string;
  occurredAt: string;
  actor: string;
  data: Record<string, unknown>;
}

export type ImportState = 'queued' | 'running' | 'imported' | 'partially_imported' | 'rejected' | 'failed';

export interface ImportJob {
  id: string;
  format: 'csv' | 'jsonl';
  mode: 'file' | 'batch';
  state: ImportState;
  rows: { read: number; accepted: number; unchanged: number; rejected: number; skipped: number };
  error: string | null;
}

export interface ImportRejection {
  line: number;
  field: string;
  reason: string;
}
