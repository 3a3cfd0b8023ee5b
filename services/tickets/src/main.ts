import { runMain } from '@ticketing/platform';
import { ticketsDefinition } from './app.js';

runMain(ticketsDefinition);
