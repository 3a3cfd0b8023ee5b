import { runMain } from '@ticketing/platform';
import { notificationsDefinition } from './app.js';

runMain(notificationsDefinition);
