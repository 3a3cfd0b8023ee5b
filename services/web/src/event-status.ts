import type { EventStatus } from './types.js';

/** Each lifecycle status as the organizer pages name it. */
export const statusNames: Record<EventStatus, string> = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  on_sale: 'On sale',
  paused: 'Paused',
  sales_closed: 'Sales closed',
  happened: 'Happened',
  cancelled: 'Cancelled',
};
