/**
 * Admission passes of the waiting room: the contract between the waiting-room
 * service, which signs them when it admits a buyer, and booking, which
 * refuses a hold on a waiting-room event without one. A pass is a short-lived
 * JWT (EdDSA or ES256) bound to one account (`sub`) and one event (`evt`),
 * verified against the waiting room's published JWKS, so booking holds no
 * signing key and makes no call per hold (the key set is cached).
 */
import { errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { keySetOf, keysUnavailable, tokenAlgorithms } from './auth.js';

/** The request header a buyer sends the pass in. */
export const admissionPassHeader = 'Waiting-Room-Pass';
/** `iss` and `aud` of every pass: never confused with an access token (other issuer and audience). */
export const admissionPassClaims = { issuer: 'ticketing-waiting-room', audience: 'ticketing-booking' } as const;

/** Why a pass was not accepted; also the label of the rejection counter. */
export const passRejections = ['missing', 'expired', 'invalid', 'other_account', 'other_event', 'keys_unavailable'] as const;
export type PassRejection = (typeof passRejections)[number];

export type PassCheck = { ok: true; expiresAt: Date } | { ok: false; reason: PassRejection };

export interface AdmissionPassVerifier {
  /** Whether `pass` admits account `sub` to event `eventId` now. Never throws for a bad pass. */
  check(pass: string | undefined, sub: string, eventId: string): Promise<PassCheck>;
}

export function createAdmissionPassVerifier(options: { jwksUrl: string } | { keys: JWTVerifyGetKey }): AdmissionPassVerifier {
  const keys = keySetOf(options);
  return {
    async check(pass, sub, eventId) {
      if (!pass) return { ok: false, reason: 'missing' };
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(pass, keys, {
          ...admissionPassClaims,
          algorithms: [...tokenAlgorithms],
          requiredClaims: ['sub', 'evt', 'exp'],
        }));
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
        if (keysUnavailable(error)) return { ok: false, reason: 'keys_unavailable' };
        return { ok: false, reason: 'invalid' };
      }
      if (payload['sub'] !== sub) return { ok: false, reason: 'other_account' };
      if (payload['evt'] !== eventId) return { ok: false, reason: 'other_event' };
      return { ok: true, expiresAt: new Date((payload['exp'] as number) * 1000) };
    },
  };
}
