/**
 * `npm run load -- --scenario smoke|browse|spike|soak [--engine local|k6] [--set NAME=VALUE]…`
 *
 * Runs one of the onsale scenarios (load-testing/scenarios.ts):
 *   - by default against catalog + booking started in-process on 127.0.0.1
 *     (a throwaway database on TEST_DATABASE_URL / DATABASE_URL, a fresh topic on
 *     TEST_KAFKA_BROKERS / KAFKA_BROKERS), with the local engine (or --engine k6);
 *   - with --catalog-url URL --booking-url URL against running services (e.g. a
 *     cluster's gateway), with k6 unless --engine local (loopback targets only).
 *     Tokens: BUYER_TOKENS, or minted with USERS_SIGNING_KEYS (which also lets it seed).
 *     --database-url adds the inventory check, --kafka-brokers the Kafka check.
 *
 * Shows progress while running, ends with the summary table (stdout) and a JSON
 * report (--json FILE, `-` for stdout instead of the table; default
 * .local/load/<scenario>-<time>.json). Exit code: 0 passed, 99 a threshold
 * crossed, 1 an invariant broken (a seat sold twice, a booking without exactly
 * one booking.confirmed message).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { tokenMintFromSigningKeys } from '@ticketing/users/signing-keys';
import { StackError, runMain } from '../scripts/local-stack/errors.js';
import { logToStderr } from '../scripts/local-stack/logging.js';
import { localDir } from '../scripts/local-stack/paths.js';
import { scenarioNames } from './scenarios.js';
import { runOnsale, type Services } from './lib/run-onsale.js';

const usage =
  `usage: npm run load -- [--scenario ${scenarioNames.join('|')}] [--engine local|k6] [--set NAME=VALUE]… ` +
  '[--catalog-url URL --booking-url URL] [--event-id ID] [--database-url URL] [--kafka-brokers LIST] [--topic NAME] [--max-requests N] [--json FILE|-] [--keep-database]';

runMain(async () => {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'smoke' },
      // The default already; kept so `npm run load -- --local` still works.
      local: { type: 'boolean', default: false },
      engine: { type: 'string' },
      set: { type: 'string', multiple: true, default: [] },
      'catalog-url': { type: 'string' },
      'booking-url': { type: 'string' },
      'event-id': { type: 'string' },
      'database-url': { type: 'string' },
      'kafka-brokers': { type: 'string' },
      topic: { type: 'string' },
      'max-requests': { type: 'string' },
      json: { type: 'string' },
      'keep-database': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (!(scenarioNames as readonly string[]).includes(values.scenario))
    throw new StackError(`--scenario ${values.scenario}: expected one of ${scenarioNames.join(', ')}.\n${usage}`);
  const knobs: Record<string, string> = {};
  for (const pair of values.set) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new StackError(`--set ${pair}: expected NAME=VALUE (e.g. SPIKE_BASE_RATE=5).`);
    knobs[match[1]!] = match[2]!;
  }
  const remote = values['catalog-url'] !== undefined || values['booking-url'] !== undefined;
  if (remote && values.local) throw new StackError('--local starts its own services; leave out --catalog-url / --booking-url.');
  const engine = values.engine ?? (remote ? 'k6' : 'local');
  if (engine !== 'local' && engine !== 'k6') throw new StackError(`--engine ${engine}: expected local or k6.\n${usage}`);
  const maxRequests = values['max-requests'] === undefined ? undefined : Number(values['max-requests']);
  if (maxRequests !== undefined && !(Number.isInteger(maxRequests) && maxRequests > 0))
    throw new StackError(`--max-requests ${values['max-requests']}: expected a positive integer.`);

  let services: Services;
  if (remote) {
    if (!values['catalog-url'] || !values['booking-url']) throw new StackError(`Give both --catalog-url and --booking-url.\n${usage}`);
    const signingKeys = process.env.USERS_SIGNING_KEYS;
    services = {
      kind: 'running',
      catalogUrl: values['catalog-url'],
      bookingUrl: values['booking-url'],
      mint: signingKeys ? await tokenMintFromSigningKeys(signingKeys) : undefined,
      buyerTokens: process.env.BUYER_TOKENS?.split(',').filter(Boolean),
      databaseUrl: values['database-url'],
      kafkaBrokers: values['kafka-brokers'],
      topic: values.topic,
    };
  } else {
    const databaseServerUrl = values['database-url'] ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
    const kafkaBrokers = values['kafka-brokers'] ?? process.env.TEST_KAFKA_BROKERS ?? process.env.KAFKA_BROKERS;
    if (!databaseServerUrl || !kafkaBrokers) {
      throw new StackError(
        'In-process runs need a PostgreSQL server (superuser URL; a throwaway database is created on it) and Kafka: set TEST_DATABASE_URL and TEST_KAFKA_BROKERS ' +
          '(or DATABASE_URL / KAFKA_BROKERS, or --database-url / --kafka-brokers). `npm start` prints both.',
      );
    }
    const host = new URL(databaseServerUrl).hostname;
    if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) throw new StackError(`In-process runs use a loopback database; this one is on ${host}.`);
    services = { kind: 'in-process', databaseServerUrl, kafkaBrokers, keepDatabase: values['keep-database'] };
  }

  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const report = await runOnsale({
      scenario: values.scenario,
      knobs,
      engine,
      services,
      eventId: values['event-id'],
      maxRequests,
      log: logToStderr,
      signal: stop.signal,
    });
    const json = `${JSON.stringify({ ...report, summary: undefined }, null, 2)}\n`;
    if (values.json === '-') process.stdout.write(json);
    else {
      const file = values.json ?? join(localDir, 'load', `${values.scenario}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, json);
      process.stdout.write(`\n${report.summary}\n\nJSON report: ${file}\n`);
    }
    return report.exitCode;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
});
