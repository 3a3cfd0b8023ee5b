export { ticketsDefinition } from './app.js';
export { ticketsService } from './service.js';
