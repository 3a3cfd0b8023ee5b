import { runMain } from '@ticketing/platform';
import { usersDefinition } from './app.js';

runMain(usersDefinition);
