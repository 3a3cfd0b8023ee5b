/**
 * Runs the onsale load test (load-testing/onsale.ts) with real k6.
 *
 *   npm run load -- --local [--scenario smoke|onsale] [--seats 500] [--ga 300] [--buyers 50]
 *       Starts catalog + booking in-process on 127.0.0.1 (throwaway database on
 *       TEST_DATABASE_URL / DATABASE_URL, fresh topic on TEST_KAFKA_BROKERS / KAFKA_BROKERS),
 *       seeds a venue and an event through the catalog API, runs k6, then checks the
 *       inventory invariants in PostgreSQL and prints a summary.
 *
 *   npm run load -- --catalog-url URL --booking-url URL [--event-id ID | --seed] [--scenario onsale]
 *       Targets running services (e.g. a cluster's ingress hosts) and starts nothing.
 *       Buyer tokens: BUYER_TOKENS (comma-separated), or minted with AUTH_TOKEN_SECRET.
 *       --seed creates the venue and event first (organizer token minted with AUTH_TOKEN_SECRET).
 *       --database-url URL (read access to the target's database) adds the invariant check.
 *
 * Exit code: k6's (0 = every threshold held, 99 = a threshold crossed), or 1 when
 * the inventory check fails.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { StackError, runMain } from '../scripts/lib/errors.js';
import { logToStderr } from '../scripts/lib/process.js';
import {
  checkInventory,
  formatReport,
  mintBuyerTokens,
  mintOrganizerToken,
  runK6,
  seedOnsaleEvent,
  startLocalServices,
  type InventoryReport,
  type LocalServices,
} from './lib/onsale.js';

const log = logToStderr;
const usage = 'usage: npm run load -- (--local | --catalog-url URL --booking-url URL (--event-id ID | --seed)) [--scenario smoke|onsale] [--seats N] [--ga N] [--buyers N] [--database-url URL] [--timeout SECONDS] [--keep-database]';

runMain(async () => {
  const { values } = parseArgs({
    options: {
      local: { type: 'boolean', default: false },
      scenario: { type: 'string', default: 'smoke' },
      'catalog-url': { type: 'string' },
      'booking-url': { type: 'string' },
      'event-id': { type: 'string' },
      seed: { type: 'boolean', default: false },
      seats: { type: 'string', default: '500' },
      ga: { type: 'string', default: '300' },
      buyers: { type: 'string', default: '50' },
      'database-url': { type: 'string' },
      'kafka-brokers': { type: 'string' },
      timeout: { type: 'string' },
      'keep-database': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const scenario = values.scenario;
  if (scenario !== 'smoke' && scenario !== 'onsale') throw new StackError(`--scenario ${scenario}: expected smoke or onsale.\n${usage}`);
  const seats = positiveInt('--seats', values.seats, true);
  const gaCapacity = positiveInt('--ga', values.ga, true);
  const buyers = positiveInt('--buyers', values.buyers, false);
  // Bounded in time: smoke is ~10 s, onsale ~5 min unless the knobs say otherwise.
  const timeoutMs = 1000 * (values.timeout ? positiveInt('--timeout', values.timeout, false) : scenario === 'smoke' ? 120 : 15 * 60);

  let local: LocalServices | undefined;
  let checkPool: pg.Pool | undefined;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    let catalogUrl: string;
    let bookingUrl: string;
    let eventId: string | undefined = values['event-id'];
    let buyerTokens: string[];
    let organizerToken: string | undefined;

    if (values.local) {
      if (values['catalog-url'] || values['booking-url']) throw new StackError('--local starts its own services; leave out --catalog-url / --booking-url.');
      const databaseServerUrl = values['database-url'] ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
      const kafkaBrokers = values['kafka-brokers'] ?? process.env.TEST_KAFKA_BROKERS ?? process.env.KAFKA_BROKERS;
      if (!databaseServerUrl || !kafkaBrokers) {
        throw new StackError(
          '--local needs a PostgreSQL server (superuser URL; a throwaway database is created on it) and Kafka: set TEST_DATABASE_URL and TEST_KAFKA_BROKERS ' +
            '(or DATABASE_URL / KAFKA_BROKERS, or --database-url / --kafka-brokers). `npm start` prints both.',
        );
      }
      assertLoopback(databaseServerUrl, 'database');
      log('Starting catalog and booking in-process on 127.0.0.1…');
      local = await startLocalServices({ databaseServerUrl, kafkaBrokers, keepDatabase: values['keep-database'] });
      catalogUrl = local.catalogUrl;
      bookingUrl = local.bookingUrl;
      buyerTokens = mintBuyerTokens(local.authSecret, buyers);
      organizerToken = mintOrganizerToken(local.authSecret);
      checkPool = local.pool;
      if (!eventId) values.seed = true;
    } else {
      if (!values['catalog-url'] || !values['booking-url']) throw new StackError(`Give --local, or the services to target with --catalog-url and --booking-url.\n${usage}`);
      catalogUrl = values['catalog-url'];
      bookingUrl = values['booking-url'];
      const secret = process.env.AUTH_TOKEN_SECRET;
      if (process.env.BUYER_TOKENS) buyerTokens = process.env.BUYER_TOKENS.split(',').filter(Boolean);
      else if (secret) buyerTokens = mintBuyerTokens(secret, buyers);
      else throw new StackError('Set BUYER_TOKENS (comma-separated buyer tokens) or AUTH_TOKEN_SECRET (the target\'s signing secret) to mint them.');
      if (values.seed) {
        if (!secret) throw new StackError('--seed mints an organizer token: set AUTH_TOKEN_SECRET.');
        organizerToken = mintOrganizerToken(secret);
      }
      if (values['database-url']) {
        checkPool = new pg.Pool({ connectionString: values['database-url'], max: 2 });
        checkPool.on('error', () => undefined);
      }
    }

    if (values.seed) {
      if (eventId) throw new StackError('Give either --event-id or --seed, not both.');
      log(`Seeding a venue with ${seats} seats and ${gaCapacity} GA places, and an on-sale event, through ${catalogUrl}…`);
      const seeded = await seedOnsaleEvent(catalogUrl, organizerToken!, { seats, gaCapacity });
      eventId = seeded.eventId;
      log(`Event ${eventId} is on sale.`);
    }
    if (!eventId) throw new StackError(`Which event? Give --event-id, or --seed to create one.\n${usage}`);

    log(`Running k6 (${scenario}) against catalog ${catalogUrl} and booking ${bookingUrl}…`);
    const run = await Promise.race([
      runK6({ catalogUrl, bookingUrl, eventId, buyerTokens }, { scenario, timeoutMs, echo: true }),
      new Promise<never>((_, reject) => stop.signal.addEventListener('abort', () => reject(new StackError('Interrupted.')))),
    ]);

    let inventory: InventoryReport | undefined;
    let inventoryError: unknown;
    if (checkPool) {
      // Let the outbox relay and in-flight requests settle before reading.
      try {
        inventory = await checkInventory(checkPool, eventId);
      } catch (error) {
        inventoryError = error;
      }
    } else {
      log('No --database-url: skipping the inventory check (only k6\'s thresholds judge this run).');
    }
    process.stdout.write(`\nOnsale ${scenario} run, event ${eventId}\n${formatReport(run, inventory)}\n`);
    if (inventoryError) {
      process.stdout.write(`invariants            BROKEN: ${(inventoryError as Error).message}\n`);
      return 1;
    }
    if (!run.summary) process.stdout.write('k6 wrote no summary: it failed before or during the run (output above).\n');
    return run.code;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    if (local) {
      log(values['keep-database'] ? `Stopping services; database kept: ${local.databaseUrl}` : 'Stopping services and dropping the database…');
      await local.close();
    } else {
      await checkPool?.end();
    }
  }
});

function positiveInt(flag: string, raw: string, zeroAllowed: boolean): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < (zeroAllowed ? 0 : 1)) throw new StackError(`${flag} ${raw}: expected a ${zeroAllowed ? 'non-negative' : 'positive'} integer.`);
  return value;
}

/** --local serves on 127.0.0.1 only and is meant for a local database. */
function assertLoopback(url: string, what: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new StackError(`--local runs against loopback servers only; the ${what} URL points at ${host}.`);
  }
}
