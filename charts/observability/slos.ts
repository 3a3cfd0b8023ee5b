/**
 * Service level objectives of the booking API, in one place: the alert rules
 * (multi-window multi-burn-rate, as in Google's SRE workbook) and the SLO
 * panels of the overview dashboard both read them.
 */

/** The service whose API the objectives are about. */
export const sloService = 'booking';

/** Share of a 30-day window in which requests must succeed / be fast. */
export const slos = {
  /** Requests answered without a 5xx. */
  availability: { objective: 0.999 },
  /** Requests answered within `thresholdSeconds` (a bucket boundary of http_request_duration_seconds). */
  latency: { objective: 0.99, thresholdSeconds: 0.5 },
  /** Period the error budget is counted over. */
  period: '30d',
} as const;

export type SliName = 'availability' | 'latency';

/**
 * Burn-rate alert windows: fire when both the long and the short window burn
 * the budget `factor` times faster than sustainable. The first two page
 * (2 % / 5 % of a 30-day budget gone in 1 h / 6 h), the other two open a ticket.
 */
export const burnRateWindows = [
  { long: '1h', short: '5m', factor: 14.4, severity: 'critical' },
  { long: '6h', short: '30m', factor: 6, severity: 'critical' },
  { long: '1d', short: '2h', factor: 3, severity: 'warning' },
  { long: '3d', short: '6h', factor: 1, severity: 'warning' },
] as const;

/** Every window a recording rule is needed for. */
export const sliWindows = [...new Set(burnRateWindows.flatMap((w) => [w.short, w.long]))];

/** Name of the recording rule with the error ratio (bad / all requests) of one SLI over one window. */
export function sliErrorRatio(sli: SliName, window: string): string {
  return `slo:${sloService}_${sli}_errors:ratio_rate${window}`;
}

/** Allowed error ratio of an SLI: 1 - objective. */
export function errorBudget(sli: SliName): number {
  return Number((1 - slos[sli].objective).toFixed(6));
}
