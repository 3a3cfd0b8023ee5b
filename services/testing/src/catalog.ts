/**
 * The catalog service in-process on a fresh database, the tokens its tests
 * (and those of the services that call it) use, and a small venue and event.
 */
import { catalogDefinition } from '@ticketing/catalog/app';
import { startService, type RunningService } from '@ticketing/platform';
import { createTestDatabase, http, testToken } from '@ticketing/platform/testing';
import { testServiceEnv } from './services.js';

export interface TestCatalog {
  service: RunningService;
  url: string;
  call: ReturnType<typeof callOf>;
  close(): Promise<void>;
}

function callOf(url: string) {
  return (method: string, path: string, options: Parameters<typeof http>[3] = {}) => http(url, method, path, options);
}

/** A catalog service on its own fresh database, in this process. */
export async function startCatalog(env: Record<string, string> = {}): Promise<TestCatalog> {
  const db = await createTestDatabase('catalog');
  const service = await startService(catalogDefinition, testServiceEnv(db.url, { LOG_LEVEL: 'warn', ...env }));
  return {
    service,
    url: service.url,
    call: callOf(service.url),
    async close() {
      await service.stop();
      await db.drop();
    },
  };
}

export const tokens = {
  /** Partners of two organizations: alice's owns what she creates, bob's does not. */
  alice: testToken('partner-alice', 'partner', { org: 'org-alice' }),
  bob: testToken('partner-bob', 'partner', { org: 'org-bob' }),
  buyer: testToken('buyer-1', 'buyer'),
  admin: testToken('admin-1', 'admin'),
};

/** A small venue: one seated section (2 rows, one of them vip) and a GA floor. */
export function smallVenue(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Blue Hall',
    city: 'Berlin',
    address: 'Hauptstr. 1',
    timezone: 'Europe/Berlin',
    sections: [
      {
        name: 'Stalls',
        kind: 'seated',
        category: 'standard',
        rows: [
          { row: 'A', seats: 4, category: 'vip' },
          { row: 'B', seats: 5, offset: -0.5 },
        ],
      },
      { name: 'Floor', kind: 'general_admission', category: 'floor', capacity: 100 },
    ],
    ...overrides,
  };
}

const smallVenueTiers = [
  { category: 'vip', priceCents: 9000, currency: 'EUR' },
  { category: 'standard', priceCents: 5000, currency: 'EUR' },
  { category: 'floor', priceCents: 3000, currency: 'EUR' },
];

/** An event at `venueId` priced for every category of the small venue. */
export function eventBody(venueId: string, overrides: Record<string, unknown> = {}) {
  return {
    venueId,
    title: 'Night Concert',
    description: 'An evening of music',
    startsAt: '2031-05-01T19:00:00Z',
    endsAt: '2031-05-01T22:00:00Z',
    priceTiers: smallVenueTiers,
    ...overrides,
  };
}
