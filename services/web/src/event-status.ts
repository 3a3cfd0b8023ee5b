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

/** The statuses after which nothing about an event changes, and it sells nothing. */
export const endedStatuses: readonly EventStatus[] = ['happened', 'cancelled'];
