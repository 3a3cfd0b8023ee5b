/**
 * The router table: every page of the UI, one line each. A new page is one
 * file in pages/ and one line here; `access` says who may open it (checked
 * before the page loads, so a URL typed by hand is refused the same way),
 * `nav` puts it in the header.
 */
import lazy from 'preact-iso/lazy';
import type { AnyComponent } from 'preact';
import type { Role } from './session.js';

export type Access = 'anyone' | 'signed-out' | 'signed-in' | Role[];

/** A page gets its path parameters as props (`/events/:eventId` → `{ eventId }`). */
export type PageComponent = AnyComponent<never>;

export interface PageRoute {
  path: string;
  page: PageComponent;
  access: Access;
  /** Header link text, for pages reachable from the header. */
  nav?: string;
}

const page = (load: () => Promise<{ default: PageComponent }>): PageComponent => lazy(load);

export const routes: PageRoute[] = [
  { path: '/', page: page(() => import('./pages/search.js')), access: 'anyone', nav: 'Find events' },
  { path: '/events/:eventId', page: page(() => import('./pages/event.js')), access: 'anyone' },
  { path: '/events/:eventId/queue', page: page(() => import('./pages/queue.js')), access: ['buyer', 'admin'] },
  { path: '/holds/:holdId', page: page(() => import('./pages/checkout.js')), access: ['buyer', 'admin'] },
  { path: '/bookings', page: page(() => import('./pages/my-bookings.js')), access: ['buyer', 'admin'], nav: 'My bookings' },
  { path: '/bookings/:reference', page: page(() => import('./pages/booking.js')), access: ['buyer', 'admin'] },
  { path: '/organizer', page: page(() => import('./pages/organizer-events.js')), access: ['partner', 'admin'], nav: 'My events' },
  { path: '/organizer/events/:eventId/sales', page: page(() => import('./pages/event-sales.js')), access: ['partner', 'admin'] },
  { path: '/organizer/imports', page: page(() => import('./pages/imports.js')), access: ['partner', 'admin'] },
  { path: '/organizer/venues/new', page: page(() => import('./pages/venue-editor.js')), access: ['partner', 'admin'], nav: 'New venue' },
  // After /organizer/venues/new: the first matching path wins.
  { path: '/organizer/venues/:venueId', page: page(() => import('./pages/venue-manage.js')), access: ['partner', 'admin'] },
  { path: '/organizer/events/new', page: page(() => import('./pages/event-editor.js')), access: ['partner', 'admin'], nav: 'New event' },
  // After /organizer/events/new: the first matching path wins.
  { path: '/organizer/events/:eventId', page: page(() => import('./pages/event-manage.js')), access: ['partner', 'admin'] },
  { path: '/login', page: page(() => import('./pages/login.js')), access: 'signed-out' },
  { path: '/register', page: page(() => import('./pages/register.js')), access: 'signed-out' },
  { path: '/inbox', page: page(() => import('./pages/inbox.js')), access: 'signed-in', nav: 'Inbox' },
  { path: '/profile', page: page(() => import('./pages/profile.js')), access: 'signed-in' },
];

export const notFound = page(() => import('./pages/not-found.js'));
