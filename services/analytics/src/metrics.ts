import { Counter, type Registry } from 'prom-client';
import type { CountOutcome } from './stream-job.js';

export const countOutcomes = ['on_time', 'late', 'too_late', 'duplicate'] as const;

/** What the stream job reports on /metrics (docs/metrics.md). */
export function createAnalyticsMetrics(registry: Registry) {
  const counted = new Counter({
    name: 'analytics_messages_counted_total',
    help: 'ticket-bookings messages the stream job read, by lateness against their window (on_time, late, too_late) or duplicate (an id counted before).',
    labelNames: ['lateness'] as const,
    registers: [registry],
  });
  for (const lateness of countOutcomes) counted.inc({ lateness }, 0);
  return {
    counted(outcome: CountOutcome | undefined): void {
      counted.inc({ lateness: outcome?.lateness ?? 'duplicate' });
    },
  };
}
