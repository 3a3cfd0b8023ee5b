/**
 * promtool, the rule checker and rule unit-test runner of Prometheus. It comes
 * with Debian's `prometheus` package, installed (once, when missing) by the
 * local stack's installer, which keeps the package's own service from running.
 */
import { ensurePrometheusInstalled } from '../../../scripts/local-stack/prometheus.js';

/** Path of promtool, installing Debian's `prometheus` package when it is missing. */
export async function ensurePromtool(): Promise<string> {
  return (await ensurePrometheusInstalled()).promtool;
}
