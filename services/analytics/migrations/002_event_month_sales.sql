-- Live bookings, tickets and revenue per organization, event, currency and
-- month of confirmation, kept by the stream job in the transaction that
-- records each sale (a change of a sale's row moves its contribution). The
-- revenue reports group these few rows per event and month instead of every
-- booking of a large organization. Venue and city belong to the event.
CREATE TABLE event_month_sales (
  organization_id  text    NOT NULL,
  event_id         uuid    NOT NULL,
  currency         text    NOT NULL,
  month            date    NOT NULL,
  venue_id         uuid,
  city             text,
  bookings         integer NOT NULL,
  tickets          bigint  NOT NULL,
  revenue_cents    bigint  NOT NULL,
  PRIMARY KEY (organization_id, event_id, currency, month)
);

INSERT INTO event_month_sales (organization_id, event_id, currency, month, venue_id, city, bookings, tickets, revenue_cents)
SELECT organization_id, event_id, currency, confirmed_month, min(venue_id::text)::uuid, min(city), count(*), sum(tickets), sum(amount_cents)
  FROM sales WHERE organization_id IS NOT NULL AND cancelled_at IS NULL AND confirmed_month IS NOT NULL
 GROUP BY organization_id, event_id, currency, confirmed_month;

-- The per-report indexes over every booking are no longer read.
DROP INDEX sales_by_venue;
DROP INDEX sales_by_city;
DROP INDEX sales_by_month;
DROP INDEX sales_by_event;
