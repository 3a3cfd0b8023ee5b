import { runMain } from '@ticketing/platform';
import { catalogDefinition } from './app.js';

runMain(catalogDefinition);
