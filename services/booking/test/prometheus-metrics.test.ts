import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startObservedStack, type ObservedStack } from '@ticketing/testing';

/**
 * The metric catalogue the dashboards and alerts are written against
 * (docs/metrics.md): every name with the labels its series carry
 * besides `service` (and Prometheus' `job` / `instance`).
 */
const catalogue: Record<string, { labels: string[]; kind?: 'histogram'; jobs?: string[] }> = {
  http_requests_total: { labels: ['method', 'route', 'status'] },
  http_request_duration_seconds: { labels: ['method', 'route'], kind: 'histogram' },
  http_problems_total: { labels: ['route', 'type'] },
  db_pool_connections: { labels: ['state'] },
  db_pool_acquire_duration_seconds: { labels: [], kind: 'histogram' },
  db_errors_total: { labels: ['reason'] },
  kafka_produce_errors_total: { labels: ['topic'], jobs: ['booking'] },
  kafka_consumer_messages_total: { labels: ['topic', 'group', 'outcome'], jobs: ['bookings-check'] },
  kafka_consumer_lag: { labels: ['topic', 'group', 'partition'], jobs: ['bookings-check'] },
  booking_holds_total: { labels: ['event'], jobs: ['booking'] },
  booking_bookings_total: { labels: ['event'], jobs: ['booking'] },
  booking_revenue_minor_units_total: { labels: ['currency', 'flow'], jobs: ['booking'] },
  booking_hold_rejections_total: { labels: ['reason'], jobs: ['booking'] },
  booking_payments_total: { labels: ['outcome'], jobs: ['booking'] },
  booking_late_payments_total: { labels: ['result'], jobs: ['booking'] },
  booking_seats_remaining: { labels: ['event_id', 'kind'], jobs: ['booking'] },
  booking_outbox_pending_messages: { labels: [], jobs: ['booking'] },
  booking_outbox_oldest_pending_age_seconds: { labels: [], jobs: ['booking'] },
  booking_outbox_publish_duration_seconds: { labels: [], kind: 'histogram', jobs: ['booking'] },
  booking_outbox_published_total: { labels: [], jobs: ['booking'] },
  booking_outbox_relay_leader: { labels: [], jobs: ['booking'] },
  booking_payments_pending: { labels: [], jobs: ['booking'] },
  booking_payments_pending_oldest_age_seconds: { labels: [], jobs: ['booking'] },
  booking_holds_lapsed_unswept: { labels: [], jobs: ['booking'] },
  booking_payments_reconciled_total: { labels: [], jobs: ['booking'] },
  booking_refunds_retried_total: { labels: [], jobs: ['booking'] },
  booking_event_cancellation_items_total: { labels: [], jobs: ['booking'] },
  process_cpu_seconds_total: { labels: [] },
  process_resident_memory_bytes: { labels: [] },
  nodejs_eventloop_lag_seconds: { labels: [] },
  nodejs_heap_size_used_bytes: { labels: [] },
};
const everyJob = ['catalog', 'booking'];
const ambient = new Set(['__name__', 'service', 'job', 'instance']);

/** The value of the one series `promql` selects. */
async function valueOf(stack: ObservedStack, promql: string): Promise<number> {
  const result = await stack.query(promql);
  assert.equal(result.length, 1, `${promql} selects one series: ${JSON.stringify(result)}`);
  return Number(result[0]!.value[1]);
}

describe('metrics in a real Prometheus scraping catalog and booking under load', () => {
  let stack: ObservedStack;
  before(async () => {
    stack = await startObservedStack();
  });
  after(() => stack?.stop());

  test('the load ran: mostly answered, some refused, none failed', () => {
    const total = Object.values(stack.load).reduce((a, b) => a + b, 0);
    assert.ok(total >= 300, `requests: ${JSON.stringify(stack.load)}`);
    assert.ok((stack.load[201] ?? 0) > 30 && (stack.load[409] ?? 0) > 10, JSON.stringify(stack.load));
    assert.equal(stack.load[500], undefined, JSON.stringify(stack.load));
  });

  test('every catalogued metric is scraped from every service that owns it, with exactly its labels', async () => {
    const names = Object.entries(catalogue).flatMap(([name, { kind }]) => (kind === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name]));
    const present = await stack.query(`count by (__name__, job) ({__name__=~"${names.join('|')}"})`);
    const found = new Set(present.map((s) => `${s.metric.__name__} ${s.metric.job}`));
    const missing = Object.entries(catalogue).flatMap(([name, { kind, jobs = everyJob }]) =>
      jobs.map((job) => `${kind === 'histogram' ? `${name}_bucket` : name} ${job}`).filter((key) => !found.has(key)),
    );
    assert.deepEqual(missing, [], 'series missing in Prometheus');

    for (const [name, { labels, kind }] of Object.entries(catalogue)) {
      const series = await stack.query(kind === 'histogram' ? `${name}_bucket` : name);
      for (const { metric } of series) {
        const keys = Object.keys(metric).filter((key) => !ambient.has(key) && !(kind === 'histogram' && key === 'le'));
        assert.deepEqual(keys.sort(), [...labels].sort(), `${name} labels`);
        assert.equal(metric.service, metric.job, `${name} carries service=${metric.job}`);
      }
    }
  });

  test('queryPrometheus rejects an expression Prometheus cannot parse, with its reason', async () => {
    await assert.rejects(stack.query('sum(rate(http_requests_total[1m])'), /bad_data.*parse error/);
  });

  test('HTTP: route templates only, buckets from 5 ms to 5 s, problems by slug', async () => {
    const routes = (await stack.query('count by (route) (http_requests_total)')).map((s) => s.metric.route!);
    assert.ok(routes.includes('/holds/{holdId}/checkout') && routes.includes('/events/{eventId}'), routes.join(' '));
    assert.ok(
      routes.every((r) => r === 'unmatched' || !/[0-9a-f]{8}-/.test(r)),
      `no raw ids in routes: ${routes.join(' ')}`,
    );
    const buckets = (await stack.query('count by (le) (http_request_duration_seconds_bucket{job="booking"})')).map((s) => s.metric.le).sort();
    assert.deepEqual(buckets, ['+Inf', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5'].sort());
    assert.ok((await valueOf(stack, 'sum(http_problems_total{job="booking", route="/holds", type="seats-unavailable"})')) > 0);
    assert.ok((await valueOf(stack, 'sum(http_problems_total{job="catalog", type="not-found"})')) > 0);
  });

  test('booking facts: holds, bookings, payments and rejections were counted', async () => {
    const positive = [
      'booking_holds_total{event="created"}',
      'booking_holds_total{event="extended"}',
      'booking_holds_total{event="released"}',
      'booking_holds_total{event="expired"}',
      'booking_bookings_total{event="confirmed"}',
      'booking_bookings_total{event="cancelled"}',
      'booking_revenue_minor_units_total{flow="sold"}',
      'booking_revenue_minor_units_total{flow="refunded"}',
      'booking_payments_total{outcome="approved"}',
      'booking_payments_total{outcome="declined"}',
      'booking_payments_total{outcome="timed_out"}',
      'booking_payments_total{outcome="pending"}',
      'booking_hold_rejections_total{reason="seats_unavailable"}',
      'booking_hold_rejections_total{reason="not_enough_places"}',
      'booking_hold_rejections_total{reason="event_not_on_sale"}',
      'booking_outbox_published_total',
    ];
    const zero = await Promise.all(positive.map(async (q) => ({ q, v: await valueOf(stack, q) })));
    assert.deepEqual(
      zero.filter(({ v }) => !(v > 0)).map(({ q }) => q),
      [],
    );
    assert.equal(await valueOf(stack, 'booking_outbox_relay_leader'), 1);
    assert.equal(await valueOf(stack, 'booking_outbox_pending_messages'), 0);
    assert.equal(await valueOf(stack, 'booking_holds_lapsed_unswept'), 0);
    assert.ok((await valueOf(stack, 'booking_payments_pending')) > 0, 'the async payments wait for their webhook');
    const remaining = await stack.query('booking_seats_remaining');
    assert.deepEqual(remaining.map((s) => s.metric.kind).sort(), ['ga', 'seats'], 'one on-sale event, seats and GA');
    assert.ok(Number(remaining.find((s) => s.metric.kind === 'seats')!.value[1]) > 0);
  });

  test('the consumer loop: every booking message processed, none left behind', async () => {
    assert.ok((await valueOf(stack, `sum(kafka_consumer_messages_total{job="${stack.consumerJob}", outcome="processed"})`)) > 0);
    assert.equal(await valueOf(stack, `sum(kafka_consumer_messages_total{job="${stack.consumerJob}", outcome=~"failed|dead_lettered"})`), 0);
    assert.equal(await valueOf(stack, `max(kafka_consumer_lag{job="${stack.consumerJob}"})`), 0);
  });

  test('database pool: states in use, idle, waiting; connections waited for', async () => {
    const states = (await stack.query('db_pool_connections{job="booking"}')).map((s) => s.metric.state).sort();
    assert.deepEqual(states, ['idle', 'in_use', 'waiting']);
    assert.ok((await valueOf(stack, 'db_pool_acquire_duration_seconds_count{job="booking"}')) > 100);
  });
});
