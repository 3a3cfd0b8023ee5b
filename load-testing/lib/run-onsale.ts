/**
 * One onsale load run from start to verdict, as `npm run load` and the tests
 * do it: start the services in-process (or take running ones), seed the
 * scenario's event, run an engine, judge the scenario's thresholds, then check
 * the invariants (inventory in PostgreSQL, booking.confirmed on Kafka).
 */
import { startCatalogAndBooking, type LocalServices } from '@ticketing/testing';
import { bookingsTopic } from '@ticketing/booking/service';
import pg from 'pg';
import { StackError } from '../../scripts/local-stack/errors.js';
import { profileSeconds, scenario as defineScenario, type Knobs, type Target } from '../scenarios.js';
import { assertLoopbackUrl, runLocal } from './engine.js';
import { fromK6Summary, runK6 } from './k6.js';
import {
  checkConfirmedOnKafka,
  checkInventory,
  formatInvariants,
  mintBuyerTokens,
  mintPartnerToken,
  seedOnsaleEvent,
  targetOfEvent,
  type InventoryReport,
  type KafkaReport,
  type TokenMint,
} from './onsale.js';
import { evaluateThresholds, formatSummary, type RunResult, type ThresholdCheck } from './results.js';

export type Services =
  /** Catalog and booking in this process on 127.0.0.1, on a throwaway database and a fresh topic. */
  | { kind: 'in-process'; databaseServerUrl: string; kafkaBrokers: string; keepDatabase?: boolean }
  /** Running services; nothing is started. */
  | {
      kind: 'running';
      catalogUrl: string;
      bookingUrl: string;
      /** Signs buyer (and, to seed, partner) tokens; or give buyerTokens. */
      mint?: TokenMint;
      buyerTokens?: string[];
      /** Read access to the target's database: adds the inventory check. */
      databaseUrl?: string;
      /** Adds the Kafka check; the topic defaults to the booking declaration's. */
      kafkaBrokers?: string;
      topic?: string;
    };

export interface OnsaleRunOptions {
  scenario: string;
  knobs?: Knobs;
  engine: 'local' | 'k6';
  services: Services;
  /** An existing on-sale event instead of seeding the scenario's. */
  eventId?: string;
  maxRequests?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface OnsaleRunReport {
  result: RunResult;
  thresholds: ThresholdCheck[];
  eventId: string;
  inventory?: InventoryReport;
  kafka?: KafkaReport;
  /** What broke an invariant, if one did. */
  invariantError?: string;
  /** k6's own exit code (99: a k6 threshold crossed). */
  engineExitCode?: number;
  /** 0 passed, 99 a threshold crossed (or k6 failed), 1 an invariant broken. */
  exitCode: number;
  summary: string;
}

export async function runOnsale(options: OnsaleRunOptions): Promise<OnsaleRunReport> {
  const log = options.log ?? (() => undefined);
  const knobs = options.knobs ?? {};
  const scenario = defineScenario(options.scenario, knobs);
  const services = options.services;
  let local: LocalServices | undefined;
  let checkPool: pg.Pool | undefined;
  try {
    let catalogUrl: string;
    let bookingUrl: string;
    let mint: TokenMint | undefined;
    let buyerTokens: string[] | undefined;
    let kafka: { brokers: string; topic: string } | undefined;
    if (services.kind === 'in-process') {
      log('Starting catalog and booking in-process on 127.0.0.1…');
      local = await startCatalogAndBooking({
        databaseServerUrl: services.databaseServerUrl,
        kafkaBrokers: services.kafkaBrokers,
        keepDatabase: services.keepDatabase,
      });
      ({ catalogUrl, bookingUrl } = local);
      mint = local.mintToken;
      checkPool = local.pool;
      kafka = { brokers: services.kafkaBrokers, topic: local.topic };
    } else {
      ({ catalogUrl, bookingUrl, mint, buyerTokens } = services);
      if (services.databaseUrl) {
        checkPool = new pg.Pool({ connectionString: services.databaseUrl, max: 2 });
        checkPool.on('error', () => undefined);
      }
      if (services.kafkaBrokers) kafka = { brokers: services.kafkaBrokers, topic: services.topic ?? bookingsTopic };
    }
    // Before seeding anything: the local engine loads this machine only.
    if (options.engine === 'local') for (const url of [catalogUrl, bookingUrl]) assertLoopbackUrl(url);

    if (!buyerTokens) {
      if (!mint) throw new StackError("Give buyer tokens (BUYER_TOKENS) or the target's signing keys (USERS_SIGNING_KEYS) to mint them.");
      buyerTokens = await mintBuyerTokens(mint, scenario.data.buyers);
    }
    let target: Target;
    if (options.eventId) target = await targetOfEvent(catalogUrl, options.eventId);
    else {
      if (!mint) throw new StackError('Seeding an event mints a partner token: give USERS_SIGNING_KEYS, or --event-id.');
      log(
        `Seeding ${scenario.data.seats} seats and ${scenario.data.gaCapacity} GA places (seed ${scenario.data.seed}) and an on-sale event through ${catalogUrl}…`,
      );
      target = await seedOnsaleEvent(catalogUrl, await mintPartnerToken(mint), scenario.data);
    }
    log(`Scenario ${scenario.name} (${scenario.description}) on event ${target.eventId} with the ${options.engine} engine…`);

    let result: RunResult;
    let engineExitCode: number | undefined;
    if (options.engine === 'local') {
      result = await runLocal(
        scenario,
        { catalogUrl, bookingUrl, target, buyerTokens },
        { maxRequests: options.maxRequests, onProgress: log, signal: options.signal },
      );
    } else {
      const bound = (profileSeconds(scenario.profile) ?? 0) + scenario.gracefulStopSeconds + 60;
      const run = await runK6(
        { catalogUrl, bookingUrl, eventId: target.eventId, buyerTokens },
        {
          scenario: scenario.name,
          knobs: Object.fromEntries(Object.entries(knobs).filter((e): e is [string, string] => e[1] !== undefined)),
          timeoutMs: 1000 * bound,
        },
      );
      engineExitCode = run.code;
      if (!run.summary) throw new StackError(`k6 exited ${run.code} without a summary: it failed before or during the run (its output is above).`);
      result = fromK6Summary(scenario.name, scenario.thresholds, run.summary);
    }
    const thresholds = evaluateThresholds(scenario.thresholds, result);

    const report: OnsaleRunReport = { result, thresholds, eventId: target.eventId, engineExitCode, exitCode: 0, summary: '' };
    if (checkPool) {
      try {
        report.inventory = await checkInventory(checkPool, target.eventId);
        if (kafka) report.kafka = await checkConfirmedOnKafka(checkPool, kafka.brokers.split(','), kafka.topic, target.eventId);
      } catch (error) {
        report.invariantError = (error as Error).message;
      }
    }
    const crossed = thresholds.some((c) => !c.ok) || (engineExitCode !== undefined && engineExitCode !== 0);
    report.exitCode = report.invariantError ? 1 : crossed ? 99 : 0;
    report.summary = [
      formatSummary(result, thresholds),
      ...(engineExitCode === undefined ? [] : [`k6 exit code ${engineExitCode}${engineExitCode === 99 ? ' (a k6 threshold crossed)' : ''}`]),
      report.invariantError
        ? `invariants: BROKEN: ${report.invariantError}`
        : report.inventory
          ? formatInvariants(report.inventory, report.kafka)
          : 'invariants: not checked (no database given)',
    ].join('\n');
    return report;
  } finally {
    if (local) {
      log(services.kind === 'in-process' && services.keepDatabase ? `Stopping services; database kept: ${local.databaseUrl}` : 'Stopping services…');
      await local.close();
    } else await checkPool?.end();
  }
}
