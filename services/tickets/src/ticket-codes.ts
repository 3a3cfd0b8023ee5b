import { CompactSign, compactVerify, errors as joseErrors, type JSONWebKeySet } from 'jose';
import { tokenAlgorithms } from '@ticketing/platform/auth';
import { loadSigningKeySet, type SigningKeys } from '@ticketing/platform/signing-keys';

/**
 * What a ticket's QR code holds: a compact JWS (EdDSA with the active key of
 * TICKETS_SIGNING_KEYS, its `kid` in the header) over the ticket and event
 * ids. A scanner verifies it offline with /.well-known/ticket-keys.json.
 */
export interface TicketClaims {
  /** Ticket id. */
  tid: string;
  /** Event id: a ticket of another event is refused at the door. */
  eid: string;
}

export const ticketCodeType = 'ticket+jws';

export interface TicketCodes {
  readonly publicJwks: JSONWebKeySet;
  sign(claims: TicketClaims): Promise<string>;
  /** The claims of a code signed by a published key; undefined for anything else. */
  verify(code: string): Promise<TicketClaims | undefined>;
}

export async function loadTicketCodes(keySet: string): Promise<TicketCodes> {
  const keys: SigningKeys = await loadSigningKeySet(keySet, 'TICKETS_SIGNING_KEYS');
  const encoder = new TextEncoder();
  return {
    publicJwks: keys.publicJwks,
    sign: (claims) =>
      new CompactSign(encoder.encode(JSON.stringify({ tid: claims.tid, eid: claims.eid })))
        .setProtectedHeader({ alg: keys.activeAlg, kid: keys.activeKid, typ: ticketCodeType })
        .sign(keys.privateKey),
    async verify(code) {
      try {
        const { payload, protectedHeader } = await compactVerify(code, keys.verificationKeys, { algorithms: [...tokenAlgorithms] });
        if (protectedHeader.typ !== ticketCodeType) return undefined;
        const claims = JSON.parse(new TextDecoder().decode(payload)) as Partial<TicketClaims>;
        return typeof claims.tid === 'string' && typeof claims.eid === 'string' ? { tid: claims.tid, eid: claims.eid } : undefined;
      } catch (error) {
        if (error instanceof joseErrors.JOSEError || error instanceof SyntaxError) return undefined;
        throw error;
      }
    },
  };
}
