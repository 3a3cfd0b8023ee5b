import { randomUUID } from 'node:crypto';
import type { PublicStack } from '@ticketing/testing';

/** A partner (own organization), a venue with two seated rows and a standing floor, and an event on sale at it. */
export async function seedOnSaleEvent(stack: PublicStack, options: { title: string; city?: string; rows?: number; seatsPerRow?: number }) {
  const email = `partner-${randomUUID().slice(0, 8)}@example.com`;
  const password = 'a long partner password';
  await stack.createPartner({ email, password, displayName: 'Pat Partner', organization: `Org ${randomUUID().slice(0, 6)}` });
  const token = await stack.logIn(email, password);
  const rows = Array.from({ length: options.rows ?? 2 }, (_, i) => ({ row: String.fromCharCode(65 + i), seats: options.seatsPerRow ?? 8 }));
  const venue = await stack.call('POST', '/api/catalog/venues', {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: {
      name: 'Harbour Arena',
      city: options.city ?? 'Porto',
      timezone: 'Europe/Lisbon',
      sections: [
        { name: 'Stalls', kind: 'seated', category: 'standard', rows },
        { name: 'Floor', kind: 'general_admission', category: 'floor', capacity: 50 },
      ],
    },
  });
  if (venue.status !== 201) throw new Error(`venue: ${venue.status} ${JSON.stringify(venue.body)}`);
  const startsAt = new Date(Date.now() + 30 * 86_400_000);
  const event = await stack.call('POST', '/api/catalog/events', {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: {
      venueId: venue.body.id,
      title: options.title,
      description: 'Songs of the sea',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
      priceTiers: [
        { category: 'standard', priceCents: 3500, currency: 'EUR' },
        { category: 'floor', priceCents: 2000, currency: 'EUR' },
      ],
    },
  });
  if (event.status !== 201) throw new Error(`event: ${event.status} ${JSON.stringify(event.body)}`);
  return { eventId: event.body.id as string, venueId: venue.body.id as string, partner: { email, password, token } };
}
