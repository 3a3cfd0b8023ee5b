import { runMain } from '@ticketing/platform';
import { createBookingDefinition } from './app.js';

runMain(createBookingDefinition());
