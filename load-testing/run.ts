/**
 * Runs the onsale load test with autocannon (local, the default there) or
 * with a k6 you installed yourself (load-testing/onsale.ts; clusters).
 *
 *   npm run load -- --local [--scenario smoke|onsale] [--seats 500] [--ga 300] [--buyers 50]
 *       Starts catalog + booking in-process on 127.0.0.1 (throwaway database on
 *       TEST_DATABASE_URL / DATABASE_URL, fresh topic on TEST_KAFKA_BROKERS / KAFKA_BROKERS),
 *       seeds a venue and an event through the catalog API, runs autocannon, then checks
 *       the inventory invariants in PostgreSQL and prints a summary.
 *       autocannon knobs: --connections N, --duration SECONDS, --requests N (per connection).
 *
 *   npm run load -- --catalog-url URL --booking-url URL [--event-id ID | --seed] [--scenario onsale]
 *       Targets running services (e.g. a cluster's ingress hosts) and starts nothing; runs k6.
 *       Buyer tokens: BUYER_TOKENS (comma-separated), or minted with USERS_SIGNING_KEYS.
 *       --seed creates the venue and event first (partner token minted with USERS_SIGNING_KEYS).
 *       --database-url URL (read access to the target's database) adds the invariant check.
 *
 * --generator autocannon|k6 (or --k6) picks the load generator. k6 is never
 * downloaded or built here: K6_BINARY or `k6` on PATH. autocannon targets
 * loopback addresses only.
 *
 * Exit code: k6's (0 = every threshold held, 99 = a threshold crossed); for
 * autocannon 0, or 99 when the same checks fail (5xx, unexpected statuses,
 * nothing sold, slow holds); 1 when the inventory check fails.
 */
import { parseArgs } from 'node:util';
import { startCatalogAndBooking, type LocalServices } from '@ticketing/testing';
import pg from 'pg';
import { StackError, runMain } from '../scripts/local-stack/errors.js';
import { logToStderr } from '../scripts/local-stack/logging.js';
import { tokenMintFromSigningKeys } from '@ticketing/users/signing-keys';
import { assertLoopbackUrl, onsaleProblems, runAutocannonOnsale, type OnsaleCounts } from './lib/autocannon-onsale.js';
import { checkInventory, formatReport, k6Counts, mintBuyerTokens, mintPartnerToken, runK6, seedOnsaleEvent, type InventoryReport } from './lib/onsale.js';

const log = logToStderr;
const usage =
  'usage: npm run load -- (--local | --catalog-url URL --booking-url URL (--event-id ID | --seed)) [--generator autocannon|k6 | --k6] ' +
  '[--scenario smoke|onsale] [--seats N] [--ga N] [--buyers N] [--connections N] [--duration SECONDS] [--requests N] [--database-url URL] [--timeout SECONDS] [--keep-database]';
/** autocannon's bounds per scenario: concurrent buyers, seconds, responses per connection. */
// The request bound normally ends the run (exact counts); the time limit is the safety net.
const autocannonDefaults = { smoke: { connections: 8, duration: 30, requests: 100 }, onsale: { connections: 50, duration: 180, requests: 300 } };

runMain(async () => {
  const { values } = parseArgs({
    options: {
      local: { type: 'boolean', default: false },
      generator: { type: 'string' },
      k6: { type: 'boolean', default: false },
      connections: { type: 'string' },
      duration: { type: 'string' },
      requests: { type: 'string' },
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
  if (values.k6 && values.generator && values.generator !== 'k6') throw new StackError(`--k6 and --generator ${values.generator} contradict each other.`);
  const generator = values.k6 ? 'k6' : (values.generator ?? (values.local ? 'autocannon' : 'k6'));
  if (generator !== 'k6' && generator !== 'autocannon') throw new StackError(`--generator ${generator}: expected autocannon or k6.\n${usage}`);
  const bounds = autocannonDefaults[scenario];
  const connections = values.connections ? positiveInt('--connections', values.connections, false) : bounds.connections;
  const durationSeconds = values.duration ? positiveInt('--duration', values.duration, false) : bounds.duration;
  const requestsPerConnection = values.requests ? positiveInt('--requests', values.requests, false) : bounds.requests;
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
    let partnerToken: string | undefined;

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
      local = await startCatalogAndBooking({ databaseServerUrl, kafkaBrokers, keepDatabase: values['keep-database'] });
      catalogUrl = local.catalogUrl;
      bookingUrl = local.bookingUrl;
      buyerTokens = await mintBuyerTokens(local.mintToken, buyers);
      partnerToken = await mintPartnerToken(local.mintToken);
      checkPool = local.pool;
      if (!eventId) values.seed = true;
    } else {
      if (!values['catalog-url'] || !values['booking-url'])
        throw new StackError(`Give --local, or the services to target with --catalog-url and --booking-url.\n${usage}`);
      catalogUrl = values['catalog-url'];
      bookingUrl = values['booking-url'];
      const signingKeys = process.env.USERS_SIGNING_KEYS;
      const mint = signingKeys ? await tokenMintFromSigningKeys(signingKeys) : undefined;
      if (process.env.BUYER_TOKENS) buyerTokens = process.env.BUYER_TOKENS.split(',').filter(Boolean);
      else if (mint) buyerTokens = await mintBuyerTokens(mint, buyers);
      else throw new StackError("Set BUYER_TOKENS (comma-separated buyer tokens) or USERS_SIGNING_KEYS (the target's users signing keys) to mint them.");
      if (values.seed) {
        if (!mint) throw new StackError('--seed mints a partner token: set USERS_SIGNING_KEYS.');
        partnerToken = await mintPartnerToken(mint);
      }
      if (values['database-url']) {
        checkPool = new pg.Pool({ connectionString: values['database-url'], max: 2 });
        checkPool.on('error', () => undefined);
      }
    }

    // Before seeding anything: autocannon loads this machine only.
    if (generator === 'autocannon') for (const url of [catalogUrl, bookingUrl]) assertLoopbackUrl(url);

    if (values.seed) {
      if (eventId) throw new StackError('Give either --event-id or --seed, not both.');
      log(`Seeding a venue with ${seats} seats and ${gaCapacity} GA places, and an on-sale event, through ${catalogUrl}…`);
      const seeded = await seedOnsaleEvent(catalogUrl, partnerToken!, { seats, gaCapacity });
      eventId = seeded.eventId;
      log(`Event ${eventId} is on sale.`);
    }
    if (!eventId) throw new StackError(`Which event? Give --event-id, or --seed to create one.\n${usage}`);

    const target = { catalogUrl, bookingUrl, eventId, buyerTokens };
    let counts: OnsaleCounts;
    let code: number;
    let k6Failed = false;
    if (generator === 'autocannon') {
      log(
        `Running autocannon (${scenario}: ${connections} buyers, at most ${durationSeconds} s and ${requestsPerConnection} requests each) against booking ${bookingUrl}, searches on catalog ${catalogUrl}…`,
      );
      counts = await runAutocannonOnsale(target, { buyers: connections, durationSeconds, requestsPerConnection, signal: stop.signal });
      const problems = onsaleProblems(counts, { holdP95Ms: process.env.HOLD_P95_MS ? Number(process.env.HOLD_P95_MS) : undefined });
      for (const problem of problems) log(`check failed: ${problem}`);
      code = problems.length > 0 ? 99 : 0;
    } else {
      log(`Running k6 (${scenario}) against catalog ${catalogUrl} and booking ${bookingUrl}…`);
      const interrupted = new Promise<never>((_, reject) => stop.signal.addEventListener('abort', () => reject(new StackError('Interrupted.'))));
      const run = await Promise.race([runK6(target, { scenario, timeoutMs, echo: true }), interrupted]);
      counts = k6Counts(run);
      code = run.code;
      k6Failed = !run.summary;
    }

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
      log(`No --database-url: skipping the inventory check (only ${generator}'s checks judge this run).`);
    }
    process.stdout.write(`\nOnsale ${scenario} run (${generator}), event ${eventId}\n${formatReport(generator, counts, inventory, code)}\n`);
    if (inventoryError) {
      process.stdout.write(`invariants            BROKEN: ${(inventoryError as Error).message}\n`);
      return 1;
    }
    if (k6Failed) process.stdout.write('k6 wrote no summary: it failed before or during the run (output above).\n');
    return code;
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
  if (!Number.isInteger(value) || value < (zeroAllowed ? 0 : 1))
    throw new StackError(`${flag} ${raw}: expected a ${zeroAllowed ? 'non-negative' : 'positive'} integer.`);
  return value;
}

/** --local serves on 127.0.0.1 only and is meant for a local database. */
function assertLoopback(url: string, what: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new StackError(`--local runs against loopback servers only; the ${what} URL points at ${host}.`);
  }
}
