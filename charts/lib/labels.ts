import { partOf } from '../settings.js';

/** Labels that select the pods of one service (stable: used in selectors). */
export function selectorLabels(service: string): Record<string, string> {
  return { 'app.kubernetes.io/name': service, 'app.kubernetes.io/part-of': partOf };
}

/** Labels for every object of one service (selector labels + component). */
export function serviceLabels(service: string, version: string): Record<string, string> {
  return {
    ...selectorLabels(service),
    'app.kubernetes.io/component': 'api',
    'app.kubernetes.io/version': version,
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
}
