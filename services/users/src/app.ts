import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createTokenVerifier, HttpProblem, inputOf, principalOf, problems, requireRole, withTransaction, type ServiceDefinition } from '@ticketing/platform';
import type { Request, Response } from 'express';
import {
  anonymiseAccount,
  findLiveAccount,
  insertAccount,
  insertOrganization,
  issueRefreshToken,
  normalizeEmail,
  organizationExists,
  principalOfAccount,
  revokeRefreshToken,
  rotateRefreshToken,
  updateDisplayName,
  viewAccount,
  type AccountRow,
} from './accounts.js';
import { clearAccountFailures, lockedSeconds, recordFailure, throttleSettings } from './login-throttle.js';
import { usersOpenApi } from './openapi.js';
import { createPasswordHasher } from './passwords.js';
import { usersService } from './service.js';
import { loadSigningKeys } from './signing-keys.js';

/** The schema this service owns; no other service reads it. */
export const USERS_SCHEMA = 'users';

/**
 * The client address: the socket's, or with `trustedHops` proxies in front
 * (the gateway) the entry of X-Forwarded-For they appended.
 */
export function clientAddressOf(req: Request, trustedHops: number): string {
  const socket = req.socket.remoteAddress ?? 'unknown';
  if (trustedHops === 0) return socket;
  const forwarded = (req.get('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return forwarded[forwarded.length - trustedHops] ?? socket;
}

const tooManyAttempts = (retryAfterSeconds: number) =>
  new HttpProblem(429, 'too-many-login-attempts', 'Too many failed log-ins', 'too many failed log-ins; try again later', {}, retryAfterSeconds);
const wrongCredentials = () => new HttpProblem(401, 'invalid-credentials', 'Log-in failed', 'the email or password is wrong');
const emailTaken = () => problems.conflict('email-taken', 'Email already registered', 'an account with this email exists');

export const usersDefinition: ServiceDefinition = {
  declaration: usersService,
  openApi: usersOpenApi,
  database: { schema: USERS_SCHEMA, migrations: fileURLToPath(new URL('../migrations', import.meta.url)) },
  async setup(ctx) {
    const { api, config } = ctx;
    const pool = ctx.requirePool();
    const keys = await loadSigningKeys(config.string('USERS_SIGNING_KEYS'));
    const passwords = await createPasswordHasher(config);
    const throttle = throttleSettings(config);
    const claims = { issuer: config.string('AUTH_ISSUER'), audience: config.string('AUTH_AUDIENCE'), ttlSeconds: config.integer('ACCESS_TOKEN_TTL_SECONDS') };
    const refreshTtlDays = config.integer('REFRESH_TOKEN_TTL_DAYS');
    const trustedHops = config.integer('TRUSTED_PROXY_HOPS');
    // The service checks its own tokens against the keys it publishes, in process.
    const verifier = createTokenVerifier({ keys: keys.verificationKeys, issuer: claims.issuer, audience: claims.audience });
    const signedIn = requireRole(verifier, 'buyer', 'partner', 'staff', 'admin');
    const organizer = requireRole(verifier, 'partner', 'admin');
    const admin = requireRole(verifier, 'admin');

    const session = async (account: AccountRow, refreshToken?: string) => ({
      account: viewAccount(account),
      accessToken: await keys.sign(principalOfAccount(account), claims),
      tokenType: 'Bearer',
      expiresIn: claims.ttlSeconds,
      refreshToken: refreshToken ?? (await issueRefreshToken(pool, account.id, refreshTtlDays)),
    });

    api.operation('get', '/.well-known/jwks.json', (_req, res) => {
      // Verifiers cache the set; a short max-age bounds how long a newly added key stays unseen.
      res.set('Cache-Control', 'public, max-age=300').json(keys.publicJwks);
    });

    api.operation('post', '/auth/register', async (req, res) => {
      const input = inputOf(req).body as { email: string; password: string; displayName: string };
      const account = await insertAccount(pool, { ...input, passwordHash: await passwords.hash(input.password), role: 'buyer' });
      if (!account) throw emailTaken();
      res.status(201).json(await session(account));
    });

    api.operation('post', '/auth/login', async (req, res) => {
      const input = inputOf(req).body as { email: string; password: string };
      const attempt = { email: normalizeEmail(input.email), ip: clientAddressOf(req, trustedHops) };
      const wait = await lockedSeconds(pool, attempt);
      if (wait > 0) throw tooManyAttempts(wait);
      // Unknown emails run argon2 too (against a dummy hash) and count failures the same way.
      const account = await findLiveAccount(pool, { email: attempt.email });
      if (!(await passwords.verify(account?.password_hash ?? undefined, input.password)) || !account) {
        const failure = await recordFailure(pool, throttle, attempt);
        if (failure.lockedSeconds > 0) throw tooManyAttempts(failure.lockedSeconds);
        await sleep(failure.delayMs);
        throw wrongCredentials();
      }
      await clearAccountFailures(pool, attempt.email);
      res.json(await session(account));
    });

    api.operation('post', '/auth/refresh', async (req, res) => {
      const { refreshToken } = inputOf(req).body as { refreshToken: string };
      const outcome = await withTransaction(pool, (tx) => rotateRefreshToken(tx, refreshToken, refreshTtlDays));
      if (outcome.kind === 'refused') {
        if (outcome.reuse) ctx.logger.warn('spent refresh token presented again; its family is revoked');
        throw problems.unauthorized('the refresh token is not valid');
      }
      res.json(await session(outcome.account, outcome.token));
    });

    api.operation('post', '/auth/logout', async (req, res) => {
      await revokeRefreshToken(pool, (inputOf(req).body as { refreshToken: string }).refreshToken);
      res.status(204).end();
    });

    const me = async (req: Request) => {
      const account = await findLiveAccount(pool, { id: principalOf(req).sub });
      if (!account) throw problems.notFound('account');
      return account;
    };
    api.operation('get', '/me', signedIn, async (req, res) => void res.json(viewAccount(await me(req))));
    api.operation('patch', '/me', signedIn, async (req, res) => {
      const { displayName } = inputOf(req).body as { displayName: string };
      const account = await updateDisplayName(pool, principalOf(req).sub, displayName);
      if (!account) throw problems.notFound('account');
      res.json(viewAccount(account));
    });
    api.operation('delete', '/me', signedIn, async (req, res: Response) => {
      if (!(await withTransaction(pool, (tx) => anonymiseAccount(tx, principalOf(req).sub)))) throw problems.notFound('account');
      res.status(204).end();
    });

    api.operation('post', '/organizations', admin, async (req, res) => {
      const { name } = inputOf(req).body as { name: string };
      const organization = await insertOrganization(pool, name);
      res.status(201).location(`/organizations/${organization.id}`).json(organization);
    });

    /** Creates an account of `role` in the organization of the path, which must exist (and be the caller's, unless an admin). */
    const addMember = (role: 'partner' | 'staff') => async (req: Request, res: Response) => {
      const { params, body } = inputOf(req);
      const { organizationId } = params as { organizationId: string };
      const caller = principalOf(req);
      // Another organization's is answered like a missing one: partners learn nothing of other tenants.
      if ((caller.role !== 'admin' && caller.org !== organizationId) || !(await organizationExists(pool, organizationId))) {
        throw problems.notFound(`organization ${organizationId}`);
      }
      const input = body as { email: string; password: string; displayName: string };
      const account = await insertAccount(pool, { ...input, passwordHash: await passwords.hash(input.password), role, organizationId });
      if (!account) throw emailTaken();
      res.status(201).json(viewAccount(account));
    };
    api.operation('post', '/organizations/{organizationId}/partners', admin, addMember('partner'));
    api.operation('post', '/organizations/{organizationId}/staff', organizer, addMember('staff'));
  },
};
