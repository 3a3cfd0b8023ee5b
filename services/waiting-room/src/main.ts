import { runMain } from '@ticketing/platform';
import { waitingRoomDefinition } from './app.js';

runMain(waitingRoomDefinition);
