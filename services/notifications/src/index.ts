export { notificationsDefinition } from './app.js';
export { notificationsService } from './service.js';
