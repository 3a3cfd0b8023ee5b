/**
 * The shapes of the API answers the pages read: the services' own types where
 * they export them (type-only imports: nothing of the servers reaches the
 * bundle), else as each service's /openapi.json describes them.
 */
import type { WindowDelta as SalesFigures } from '@ticketing/analytics/windows';
import type { Event as CatalogEvent } from '@ticketing/catalog/events/queries';
import type { CatalogMessage } from '@ticketing/catalog/changes/audit';
import type { PriceTier } from '@ticketing/catalog/events/input';
import type { ImportFormat, ImportMode, ImportState as CatalogImportState, RowCounts } from '@ticketing/catalog/imports/queries';
import type { Seat as VenueSeat, Venue } from '@ticketing/catalog/venues/queries';

export type { EventTotals as SalesTotals } from '@ticketing/analytics/windows';
export type { Availability, SeatStatus } from '@ticketing/booking/availability';
export type { BookingView as Booking } from '@ticketing/booking/bookings';
export type { HoldView as Hold } from '@ticketing/booking/holds';
export type { EventSales } from '@ticketing/booking/sales';
export type { Rejection as ImportRejection } from '@ticketing/catalog/imports/records';
/** EventStatus: the event lifecycle (docs/catalog.md, "Lifecycle"). */
export type { EventStatus, PriceTier } from '@ticketing/catalog/events/input';
/** CatalogEvent: an event as the catalog answers it (search, GET /events/{id}). */
export type { CatalogEvent };
/** SalesFigures: one 1-minute sales window's figures, or all of an event's windows summed. */
export type { SalesFigures };
/** VenueSeat: a seat of a venue as the catalog answers it (GET /venues/{id}/seats), without prices. */
export type { VenueSeat };

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

/** A venue as its partner lists it, with the price categories its sections use. */
/** A section its organizer closed; reopening brings back `places` (the seats closed with it, or the standing capacity). */
export interface ClosedSection {
  id: string;
  name: string;
  kind: 'seated' | 'general_admission';
  category: string;
  places: number;
  closedAt: string;
}

export type PartnerVenue = Venue & { categories: string[]; closedSections: ClosedSection[] };

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
export type CatalogChange = Pick<CatalogMessage, 'id' | 'type' | 'occurredAt' | 'actor' | 'data'>;

/** The states of an import job as the pages see it (an upload still under way is never shown). */
export type ImportState = Exclude<CatalogImportState, 'uploading'>;

export interface ImportJob {
  id: string;
  format: ImportFormat;
  mode: ImportMode;
  state: ImportState;
  rows: RowCounts;
  error: string | null;
}
