/** The shapes of the API answers the pages read (see each service's /openapi.json). */

export interface PriceTier {
  category: string;
  priceCents: number;
  currency: string;
}

/** The event lifecycle (docs/catalog.md, "Lifecycle"). */
export type EventStatus = 'draft' | 'scheduled' | 'on_sale' | 'paused' | 'sales_closed' | 'happened' | 'cancelled';

export interface CatalogEvent {
  id: string;
  title: string;
  description: string;
  startsAt: string;
  endsAt: string;
  status: EventStatus;
  /** When a scheduled event goes on sale. */
  salesOpenAt?: string | null;
  venue: { id: string; name: string; city: string; address: string; timezone: string };
  priceTiers: PriceTier[];
}

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

export type SeatStatus = 'available' | 'held' | 'sold';

export interface Availability {
  eventId: string;
  seats: { seatId: string; sectionId: string; category: string; priceCents: number; currency: string; status: SeatStatus }[];
  generalAdmission: { sectionId: string; category: string; priceCents: number; currency: string; capacity: number; available: number }[];
}

export interface Money {
  cents: number;
  currency: string;
}

export interface Hold {
  id: string;
  eventId: string;
  status: 'active' | 'converted' | 'expired' | 'released';
  endReason: string | null;
  expiresAt: string;
  extended: boolean;
  seatIds: string[];
  generalAdmission: { sectionId: string; quantity: number } | null;
  amount: Money;
  bookingReference: string | null;
  payment: { id: string; status: string } | null;
}

export interface Booking {
  id: string;
  reference: string;
  eventId: string;
  status: 'confirmed' | 'cancelled';
  seatIds: string[];
  generalAdmission: { sectionId: string; quantity: number } | null;
  amount: Money;
  createdAt: string;
  cancelledAt: string | null;
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

export interface EventSales {
  eventId: string;
  capacity: number;
  sold: number;
  held: number;
  available: number;
  revenue: Money;
}

/** Per currency: ISO 4217 code → cents. */
export type CentsByCurrency = Record<string, number>;

/** The figures of one 1-minute sales window, or of all of an event's windows summed (services/analytics). */
export interface SalesFigures {
  ticketsSold: number;
  ticketsCancelled: number;
  cancellations: number;
  holdsCreated: number;
  holdsConverted: number;
  revenue: CentsByCurrency;
  refunds: CentsByCurrency;
  lateMessages: number;
  tooLateMessages: number;
}

/** One revision of one window (schemas/analytics-results.v1.schema.json). */
export interface SalesWindow extends SalesFigures {
  eventId: string;
  windowStart: string;
  windowEnd: string;
  revision: number;
}

export interface SalesTotals extends SalesFigures {
  eventId: string;
  windows: number;
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
