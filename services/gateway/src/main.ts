import { runMain } from '@ticketing/platform';
import { gatewayDefinition } from './app.js';

runMain(gatewayDefinition);
