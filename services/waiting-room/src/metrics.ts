import type { Metrics } from '@ticketing/platform';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { TickResult } from './queue.js';

/** Outcomes of a join, the label of waiting_room_joins_total. */
export const joinOutcomes = ['joined', 'kept', 'closed', 'sold_out', 'ip_limit'] as const;

/**
 * The waiting room's metrics (docs/metrics.md). Queue state is reported by
 * every replica's scheduler after each step it runs (dashboards take the max
 * over pods); admissions and waits by the replica whose step admitted, so
 * each admission is counted once however many replicas run.
 */
export function createWaitingRoomMetrics(metrics: Metrics) {
  const registers = [metrics.registry];
  const queueLength = new Gauge({ name: 'waiting_room_queue_length', help: 'Buyers waiting in the queue, by event.', labelNames: ['event_id'], registers });
  const shoppers = new Gauge({
    name: 'waiting_room_shoppers',
    help: 'Admitted buyers whose pass has not expired, by event.',
    labelNames: ['event_id'],
    registers,
  });
  const flowing = new Gauge({
    name: 'waiting_room_admission_flowing',
    help: '1 while the room should admit (onsale passed, not sold out, a shopper slot free); 0 while it holds back on purpose.',
    labelNames: ['event_id'],
    registers,
  });
  const admitted = new Counter({ name: 'waiting_room_admitted_total', help: 'Buyers admitted, by event.', labelNames: ['event_id'], registers });
  const wait = new Histogram({
    name: 'waiting_room_wait_seconds',
    help: 'Time from joining the queue to admission.',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
    registers,
  });
  const joins = new Counter({ name: 'waiting_room_joins_total', help: 'Join requests, by outcome.', labelNames: ['outcome'], registers });
  for (const outcome of joinOutcomes) joins.inc({ outcome }, 0);
  const tickErrors = new Counter({
    name: 'waiting_room_scheduler_errors_total',
    help: 'Scheduler steps that failed (Redis or PostgreSQL unreachable).',
    registers,
  });

  return {
    joined(outcome: (typeof joinOutcomes)[number]): void {
      joins.inc({ outcome });
    },
    stepped(eventId: string, result: TickResult): void {
      const labels = { event_id: eventId };
      queueLength.set(labels, result.waiting);
      shoppers.set(labels, result.shoppers);
      flowing.set(labels, result.flowing ? 1 : 0);
      admitted.inc(labels, result.admitted.length);
      for (const a of result.admitted) wait.observe(Math.max(0, a.waitedMs) / 1000);
    },
    stepFailed(): void {
      tickErrors.inc();
    },
    /** A room that is no longer scheduled leaves no stale series behind. */
    forget(eventId: string): void {
      for (const metric of [queueLength, shoppers, flowing, admitted]) metric.remove({ event_id: eventId });
    },
  };
}

export type WaitingRoomMetrics = ReturnType<typeof createWaitingRoomMetrics>;
