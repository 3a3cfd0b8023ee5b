import { analyticsService } from '@ticketing/analytics/service';
import { bookingService } from '@ticketing/booking/service';
import { catalogService } from '@ticketing/catalog/service';
import { gatewayService } from '@ticketing/gateway/service';
import type { ServiceDeclaration } from '@ticketing/platform/service-declaration';
import { usersService } from '@ticketing/users/service';
import { waitingRoomService } from '@ticketing/waiting-room/service';

/** Every service of the platform; `npm start` runs them and the charts render them. */
export const allServices: readonly ServiceDeclaration[] = [usersService, catalogService, bookingService, analyticsService, waitingRoomService, gatewayService];
