import { inputOf, principalOf, problems, requireRole, tokenVerifierFrom, type Pool, type Principal, type ServiceDefinition } from '@ticketing/platform';
import { stringify } from 'csv-stringify/sync';
import type { Request, Response } from 'express';
import { startWindowUpdates } from './live.js';
import { createAnalyticsMetrics } from './metrics.js';
import { analyticsOpenApi } from './openapi.js';
import { reportNames, runReport, type Report } from './reports.js';
import { startResultsRelay } from './results-relay.js';
import { analyticsService } from './service.js';
import { startStreamJob } from './stream-job.js';
import { eventTotals, listWindows } from './windows.js';

/** The organization that owns the event, from the catalog (its partners see its sales). */
async function eventOwnerOf(pool: Pool, eventId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ owner_id: string }>('SELECT owner_id FROM catalog.events WHERE id = $1', [eventId]);
  return rows[0]?.owner_id;
}

/** 404 unless the event exists and is the requester's organization's (admins see every event). */
async function requireEventOf(pool: Pool, eventId: string, requester: Principal): Promise<void> {
  const owner = await eventOwnerOf(pool, eventId);
  if (owner === undefined || (requester.role !== 'admin' && owner !== requester.org)) throw problems.notFound(`event ${eventId}`);
}

/** Whose report: a partner's own organization; an admin names one. */
function reportOrganization(requester: Principal, organizationId: string | undefined): string {
  if (requester.role === 'admin') {
    if (!organizationId) throw problems.badRequest('an admin names the organization with organizationId');
    return organizationId;
  }
  if (!requester.org) throw problems.forbidden('the token names no organization');
  if (organizationId !== undefined && organizationId !== requester.org) throw problems.forbidden('a partner sees only its own organization');
  return requester.org;
}

/** A cell a spreadsheet would run as a formula is written as text. */
const spreadsheetSafe = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

function sendReport(req: Request, res: Response, report: Report, format: string | undefined): void {
  const csv = format === 'csv' || (format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv');
  if (!csv) return void res.json(report);
  res.type('text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${report.name}.csv"`);
  res.send(stringify(report.rows, { header: true, columns: [...report.columns], cast: { string: spreadsheetSafe } }));
}

export function createAnalyticsDefinition(): ServiceDefinition {
  return {
    declaration: analyticsService,
    openApi: analyticsOpenApi,
    database: { schema: 'analytics', migrations: new URL('../migrations', import.meta.url).pathname },
    setup(ctx) {
      const { config, api, logger } = ctx;
      const pool = ctx.requirePool();
      const kafka = ctx.requireKafka();
      const partner = requireRole(tokenVerifierFrom(config), 'partner', 'admin');
      const allowedLatenessSeconds = config.integer('ANALYTICS_ALLOWED_LATENESS_SECONDS');
      const metrics = createAnalyticsMetrics(ctx.metrics.registry);

      const relay = startResultsRelay({
        pool,
        kafka,
        logger,
        metrics: ctx.metrics,
        topic: config.string('KAFKA_TOPIC_ANALYTICS_RESULTS'),
        intervalMs: config.integer('ANALYTICS_RELAY_INTERVAL_MS'),
      });
      const job = startStreamJob({
        pool,
        kafka,
        logger,
        metrics: ctx.metrics,
        topic: config.string('KAFKA_TOPIC_BOOKINGS'),
        group: config.string('KAFKA_CONSUMER_GROUP'),
        allowedLatenessMs: allowedLatenessSeconds * 1000,
        onWindowUpdated: () => relay.notify(),
        onCounted: (outcome) => metrics.counted(outcome),
      });
      // A missed announcement would leave a stream behind: end them all, clients reconnect to a fresh snapshot.
      const updates = startWindowUpdates({ databaseUrl: config.string('DATABASE_URL'), logger, onGap: () => ctx.eventStreams.closeAll() });
      ctx.onShutdown(() => relay.stop());
      ctx.onShutdown(() => job.stop());
      ctx.onShutdown(() => updates.stop());

      api.operation('get', '/events/{eventId}/windows', partner, async (req, res) => {
        const { params, query } = inputOf(req);
        const eventId = params.eventId as string;
        await requireEventOf(pool, eventId, principalOf(req));
        const range = {
          from: query.from ? new Date(query.from as string) : undefined,
          to: query.to ? new Date(query.to as string) : undefined,
          limit: query.limit as number,
        };
        res.json({ eventId, allowedLatenessSeconds, items: await listWindows(pool, eventId, range) });
      });

      api.operation('get', '/events/{eventId}/totals', partner, async (req, res) => {
        const eventId = inputOf(req).params.eventId as string;
        await requireEventOf(pool, eventId, principalOf(req));
        res.json(await eventTotals(pool, eventId));
      });

      api.operation('get', '/events/{eventId}/windows/stream', partner, async (req, res) => {
        const eventId = inputOf(req).params.eventId as string;
        await requireEventOf(pool, eventId, principalOf(req));
        const stream = ctx.eventStreams.open(req, res);
        // Subscribed before the snapshot is read, so no revision falls between the two.
        stream.onClose(updates.subscribe(eventId, (result) => stream.send('window', result, result.id)));
        for (const window of await listWindows(pool, eventId, { limit: 60 })) stream.send('window', window, window.id);
      });

      for (const name of reportNames) {
        api.operation('get', `/reports/${name}`, partner, async (req, res) => {
          const query = inputOf(req).query as { organizationId?: string; format?: string; limit?: number };
          const organizationId = reportOrganization(principalOf(req), query.organizationId);
          sendReport(req, res, await runReport(pool, name, organizationId, query.limit), query.format);
        });
      }
    },
  };
}
