/**
 * Holds on an event with a waiting room need the buyer's admission pass
 * (services/platform/src/admission-pass.ts): neither the API nor a script can
 * skip the queue. The one place booking knows of the waiting room: which
 * events have one (read from the waiting room's schema, `waiting_room.rooms`,
 * which it owns) and the pass check against its published keys.
 */
import { HttpProblem, principalOf, problems, type Pool } from '@ticketing/platform';
import { named } from './statements.js';
import { admissionPassHeader, createAdmissionPassVerifier, passRejections, type PassRejection } from '@ticketing/platform/admission-pass';
import type { Request } from 'express';
import { Counter, type Registry } from 'prom-client';

const undefinedTable = '42P01';

/** Whether the event has a waiting room. Before the waiting room's schema exists no event has one. */
async function hasWaitingRoom(pool: Pool, eventId: string): Promise<boolean> {
  try {
    const { rows } = await pool.query<{ exists: boolean }>(
      named('has-waiting-room', 'SELECT EXISTS (SELECT 1 FROM waiting_room.rooms WHERE event_id = $1) AS exists'),
      [eventId],
    );
    return rows[0]?.exists === true;
  } catch (error) {
    if ((error as { code?: string }).code === undefinedTable) return false;
    throw error;
  }
}

const reasons: Record<Exclude<PassRejection, 'keys_unavailable'>, string> = {
  missing: `no admission pass (header ${admissionPassHeader})`,
  expired: 'the admission pass has expired',
  invalid: 'the admission pass is not valid',
  other_account: 'the admission pass belongs to another account',
  other_event: 'the admission pass is for another event',
};

export function createWaitingRoomGuard(deps: { pool: Pool; jwksUrl: string; registry: Registry }) {
  const verifier = createAdmissionPassVerifier({ jwksUrl: deps.jwksUrl });
  const rejected = new Counter({
    name: 'booking_waiting_room_passes_rejected_total',
    help: 'Holds on a waiting-room event refused for want of a valid admission pass, by reason.',
    labelNames: ['reason'],
    registers: [deps.registry],
  });
  for (const reason of passRejections) rejected.inc({ reason }, 0);

  /** Throws 403 (or 503 while the pass keys cannot be fetched) unless the caller may hold on `eventId`. */
  return async function requireAdmission(req: Request, eventId: string): Promise<void> {
    if (!(await hasWaitingRoom(deps.pool, eventId))) return;
    const check = await verifier.check(req.get(admissionPassHeader), principalOf(req).sub, eventId);
    if (check.ok) return;
    rejected.inc({ reason: check.reason });
    if (check.reason === 'keys_unavailable') {
      throw problems.unavailable('the waiting room’s pass keys cannot be fetched', 5, 'waiting-room-keys-unavailable');
    }
    throw new HttpProblem(
      403,
      'waiting-room-pass-required',
      'Admission pass required',
      `event ${eventId} sells through its waiting room: ${reasons[check.reason]}`,
      {
        reason: check.reason,
        waitingRoom: { service: 'waiting-room', eventId, queue: `/api/waiting-room/events/${eventId}/queue` },
      },
    );
  };
}
