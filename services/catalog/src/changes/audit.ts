import { randomUUID } from 'node:crypto';
import { inputOf, principalOf, problems, type Api, type Pool, type Tx } from '@ticketing/platform';
import type { RequestHandler } from 'express';
import { mayManage } from '../deps.js';

/**
 * Every change to a venue or an event is one row of catalog.changes, written
 * in the transaction of the change: the audit trail (who, when, what) and
 * the outbox of the catalog-changes topic at once (relay.ts). The message
 * format is documented in docs/events.md.
 */

export const catalogMessageSchemaVersion = 1;

export type ChangeEntity = 'venue' | 'event' | 'import';

/** Message types of catalog-changes and what their `data` carries (docs/events.md). */
export type CatalogChangeType =
  | 'venue.created'
  | 'venue.sections_added'
  | 'venue.seats_added'
  | 'venue.seats_closed'
  | 'venue.sections_closed'
  | 'venue.sections_reopened'
  | 'event.created'
  | 'event.updated'
  | 'event.time_changed'
  | 'event.status_changed'
  | 'event.tier_added'
  | 'event.tier_repriced'
  | 'events.imported';

export interface Change {
  actor: string;
  ownerId: string;
  entity: ChangeEntity;
  entityId: string;
  type: CatalogChangeType;
  data: Record<string, unknown>;
}

/** The message relayed for a change row. */
export interface CatalogMessage {
  id: string;
  type: CatalogChangeType;
  schemaVersion: number;
  occurredAt: string;
  actor: string;
  organizationId: string;
  entity: ChangeEntity;
  entityId: string;
  data: Record<string, unknown>;
}

export async function recordChange(tx: Tx | Pool, change: Change): Promise<void> {
  await tx.query(`INSERT INTO catalog.changes (message_id, actor, owner_id, entity, entity_id, type, data) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`, [
    randomUUID(),
    change.actor,
    change.ownerId,
    change.entity,
    change.entityId,
    change.type,
    JSON.stringify(change.data),
  ]);
}

export interface ChangeRow {
  id: string;
  message_id: string;
  occurred_at: Date;
  actor: string;
  owner_id: string;
  entity: ChangeEntity;
  entity_id: string;
  type: CatalogChangeType;
  data: Record<string, unknown>;
}

export const changeColumns = 'id, message_id, occurred_at, actor, owner_id, entity, entity_id, type, data';

export function toMessage(row: ChangeRow): CatalogMessage {
  return {
    id: row.message_id,
    type: row.type,
    schemaVersion: catalogMessageSchemaVersion,
    occurredAt: row.occurred_at.toISOString(),
    actor: row.actor,
    organizationId: row.owner_id,
    entity: row.entity,
    entityId: row.entity_id,
    data: row.data,
  };
}

/** The audit trail of one venue or event, oldest first, one page after `afterSeq`. */
export async function changesOf(db: Pool, entityId: string, afterSeq: number, limit: number) {
  const { rows } = await db.query<ChangeRow>(`SELECT ${changeColumns} FROM catalog.changes WHERE entity_id = $1 AND id > $2 ORDER BY id LIMIT $3`, [
    entityId,
    afterSeq,
    limit,
  ]);
  return {
    items: rows.map((r) => ({ seq: Number(r.id), ...toMessage(r) })),
    nextAfter: rows.length === limit ? Number(rows.at(-1)!.id) : null,
  };
}

/**
 * GET `path` (`/venues/{venueId}/changes`, `/events/{eventId}/changes`): the
 * audit trail of one venue or event, for its owner and admins (404 for
 * anyone else, so ids of other organizations are not confirmed).
 */
export function registerChangesRoute(
  api: Api,
  pool: Pool,
  path: string,
  guard: RequestHandler,
  ownerOf: (db: Pool, id: string) => Promise<string | undefined>,
): void {
  api.operation('get', path, guard, async (req, res) => {
    const { params, query } = inputOf(req);
    const id = Object.values(params as Record<string, string>)[0]!;
    const { after, limit } = query as { after?: number; limit?: number };
    const owner = await ownerOf(pool, id);
    if (owner === undefined || !mayManage(principalOf(req), owner)) throw problems.notFound(`${path.split('/')[1]!.slice(0, -1)} ${id}`);
    res.json(await changesOf(pool, id, after ?? 0, limit ?? 100));
  });
}
