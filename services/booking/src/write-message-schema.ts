import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import { ticketBookingsV1Schema } from './message-schema.js';

/** The published JSON Schema, written from message-schema.ts (run this file after changing that one). */
export const messageSchemaFile = fileURLToPath(new URL('../schemas/ticket-bookings.v1.schema.json', import.meta.url));

export async function renderMessageSchema(): Promise<string> {
  const options = await prettier.resolveConfig(messageSchemaFile);
  return prettier.format(JSON.stringify(ticketBookingsV1Schema), { ...options, filepath: messageSchemaFile });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeFile(messageSchemaFile, await renderMessageSchema());
