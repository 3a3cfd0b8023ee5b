import { runMain } from '@ticketing/platform';
import { createAnalyticsDefinition } from './app.js';

runMain(createAnalyticsDefinition());
