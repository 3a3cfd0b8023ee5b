import { gatewayService, gatewayUpstreams } from '@ticketing/gateway/service';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';

/**
 * Every service of the platform; `npm start` runs them and the charts render
 * them: the services the gateway routes to (a new service is added to
 * `gatewayUpstreams`), then the gateway.
 */
export const allServices: readonly ServiceDeclaration[] = [...gatewayUpstreams, gatewayService];
