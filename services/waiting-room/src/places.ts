/**
 * What a buyer is shown about their place: the same view for joining,
 * asking, and every update of the live stream.
 */
import { admissionPassClaims } from '@ticketing/platform/admission-pass';
import { loadSigningKeys, type SigningKeySet } from '@ticketing/users/signing-keys';
import type { Place, RoomState } from './queue.js';
import { passKeysSetting } from './service.js';

export interface PlaceView {
  eventId: string;
  state: Place['state'];
  room: RoomState;
  position: number | null;
  queueLength: number;
  /** Seconds until admission, computed from the room's settings; null when not waiting. */
  estimatedWaitSeconds: number | null;
  /** `admission-rate`: position ÷ rate (exact while the rate holds); `shopping-time`: at most, if every shopper ahead uses the whole time. */
  estimateBasis: 'admission-rate' | 'shopping-time' | null;
  /** Before the onsale the order among early arrivals is drawn at random: the position moves as others arrive. */
  provisional: boolean;
  onsaleAt: string;
  joinedAt: string | null;
  admittedAt: string | null;
  pass: string | null;
  passExpiresAt: string | null;
}

/**
 * The honest wait: with a rate, the position-th buyer is admitted position ÷
 * rate minutes after the onsale (or now); with only a shopper cap, each round
 * of `cap` buyers takes at most the shopping time.
 */
export function estimateWait(place: Place): Pick<PlaceView, 'estimatedWaitSeconds' | 'estimateBasis'> {
  if (place.state !== 'waiting' || place.room.soldOut) return { estimatedWaitSeconds: null, estimateBasis: null };
  const { admissionPerMinute: rate, maxConcurrentShoppers: cap, shoppingSeconds } = place.room;
  const untilOnsale = Math.max(0, place.room.onsaleAt.getTime() - place.now.getTime()) / 1000;
  if (cap === null && rate !== null) return { estimatedWaitSeconds: Math.ceil(untilOnsale + (place.position / rate) * 60), estimateBasis: 'admission-rate' };
  const free = Math.max(0, (cap ?? 0) - place.room.shoppers);
  const rounds = Math.ceil(Math.max(0, place.position - free) / (cap ?? 1));
  const byCap = rounds * shoppingSeconds;
  const byRate = rate === null ? 0 : (place.position / rate) * 60;
  return { estimatedWaitSeconds: Math.ceil(untilOnsale + Math.max(byCap, byRate)), estimateBasis: 'shopping-time' };
}

export interface PassIssuer {
  readonly publicJwks: SigningKeySet['publicJwks'];
  /** A pass for `account` at `eventId`, valid until `expiresAt` (by the queue's clock `now`). */
  issue(account: string, eventId: string, expiresAt: Date, now: Date): Promise<string>;
}

export async function createPassIssuer(keysText: string): Promise<PassIssuer> {
  const keys = await loadSigningKeys(keysText, passKeysSetting);
  return {
    publicJwks: keys.publicJwks,
    issue: (account, eventId, expiresAt, now) =>
      keys.signClaims(account, { evt: eventId }, { ...admissionPassClaims, ttlSeconds: Math.max(1, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)) }),
  };
}

export async function viewOf(eventId: string, account: string, place: Place, passes: PassIssuer): Promise<PlaceView> {
  const admitted = place.state === 'admitted' && place.passExpiresAt !== undefined;
  return {
    eventId,
    state: place.state,
    room: place.room.state,
    position: place.state === 'waiting' ? place.position : null,
    queueLength: place.queueLength,
    ...estimateWait(place),
    provisional: place.state === 'waiting' && place.room.state === 'before_onsale',
    onsaleAt: place.room.onsaleAt.toISOString(),
    joinedAt: place.state === 'waiting' && place.since ? place.since.toISOString() : null,
    admittedAt: admitted && place.since ? place.since.toISOString() : null,
    pass: admitted ? await passes.issue(account, eventId, place.passExpiresAt!, place.now) : null,
    passExpiresAt: admitted ? place.passExpiresAt!.toISOString() : null,
  };
}
