export { createWaitingRoomDefinition, waitingRoomDefinition, type WaitingRoomOptions } from './app.js';
export { waitingRoomService } from './service.js';
