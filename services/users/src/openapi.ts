import { idempotencyKeyTtlHours, openApiCommon, withPlatformResponses, type OpenApiDocument, type ServiceConfig } from '@ticketing/platform';

const { problemResponse, uuidPathParam } = openApiCommon;
const bearer = [{ bearerAuth: [] }];
const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const body = (name: string) => ({ required: true, content: { 'application/json': { schema: ref(name) } } });
const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength });
// argon2 costs the same for any length, but a cap keeps a megabyte "password" from being hashed at all.
const password = { type: 'string', minLength: 10, maxLength: 128, description: '10 to 128 characters.' };
const email = { type: 'string', format: 'email', maxLength: 254 };
const locked = {
  description: 'Too many failed log-ins for this email or address: retry after `Retry-After` seconds',
  headers: { 'Retry-After': { description: 'Seconds until log-in may be tried again', schema: { type: 'integer', minimum: 1 } } },
  content: { 'application/problem+json': { schema: ref('Problem') } },
};

/** Creating an account that belongs to an organization (a partner, a member of its door staff). */
const addMember = (operationId: string, summary: string) => ({
  operationId,
  summary,
  tags: ['admin'],
  security: bearer,
  parameters: [uuidPathParam('organizationId', 'Organization id')],
  requestBody: body('Registration'),
  responses: {
    '201': json(ref('Account'), 'Created'),
    '404': problemResponse("No such organization (or not the caller's)"),
    '409': problemResponse('The email is already registered'),
  },
});

const usersDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Users service',
    version: '1.0.0',
    description:
      'Accounts, log-in and tokens. Access tokens are JWTs (EdDSA or ES256) valid for ACCESS_TOKEN_TTL_SECONDS, verified by every service ' +
      'against `/.well-known/jwks.json`; refresh tokens are opaque, single-use and rotated on every refresh (see docs/auth.md). ' +
      'Failed log-ins slow down and then lock the email and the client address (429), identically for unregistered emails.',
  },
  tags: [
    { name: 'auth', description: 'Registration, log-in, tokens' },
    { name: 'me', description: "The caller's own account" },
    { name: 'admin', description: 'Organizations and their partners' },
  ],
  paths: {
    '/.well-known/jwks.json': {
      get: { operationId: 'getJwks', summary: 'Public keys that verify access tokens', tags: ['auth'], responses: { '200': json(ref('Jwks'), 'Key set') } },
    },
    '/auth/register': {
      post: {
        operationId: 'register',
        summary: 'Create a buyer account and log in',
        tags: ['auth'],
        requestBody: body('Registration'),
        responses: { '201': json(ref('Session'), 'Registered and logged in'), '409': problemResponse('The email is already registered') },
      },
    },
    '/auth/login': {
      post: {
        operationId: 'login',
        summary: 'Exchange email and password for tokens',
        tags: ['auth'],
        requestBody: body('Credentials'),
        responses: { '200': json(ref('Session'), 'Logged in'), '401': problemResponse('Email or password is wrong'), '429': locked },
      },
    },
    '/auth/refresh': {
      post: {
        operationId: 'refresh',
        summary: 'Spend a refresh token for a new access token and a new refresh token',
        description: 'A refresh token works once. Presenting one that was already spent revokes every token of its log-in.',
        tags: ['auth'],
        requestBody: body('RefreshRequest'),
        responses: { '200': json(ref('Session'), 'New tokens'), '401': problemResponse('Unknown, spent, revoked or expired refresh token') },
      },
    },
    '/auth/logout': {
      post: {
        operationId: 'logout',
        summary: "End the refresh token's log-in (access tokens lapse within their lifetime)",
        tags: ['auth'],
        requestBody: body('RefreshRequest'),
        responses: { '204': { description: 'Logged out' } },
      },
    },
    '/me': {
      get: {
        operationId: 'getMe',
        summary: 'Your profile',
        tags: ['me'],
        security: bearer,
        responses: { '200': json(ref('Account'), 'Profile'), '404': problemResponse('Account deleted') },
      },
      patch: {
        operationId: 'updateMe',
        summary: 'Change your display name',
        tags: ['me'],
        security: bearer,
        requestBody: body('ProfilePatch'),
        responses: { '200': json(ref('Account'), 'Profile'), '404': problemResponse('Account deleted') },
      },
      delete: {
        operationId: 'deleteMe',
        summary: 'Delete your account: email, name and password are erased; bookings stay, under the anonymous account id',
        tags: ['me'],
        security: bearer,
        responses: { '204': { description: 'Deleted' }, '404': problemResponse('Account already deleted') },
      },
    },
    '/organizations': {
      post: {
        operationId: 'createOrganization',
        summary: 'Create an organization (admins)',
        tags: ['admin'],
        security: bearer,
        requestBody: body('OrganizationInput'),
        responses: { '201': json(ref('Organization'), 'Created') },
      },
    },
    '/organizations/{organizationId}/partners': {
      post: addMember('addPartner', 'Create a partner account of the organization (admins)'),
    },
    '/organizations/{organizationId}/staff': {
      post: addMember(
        'addStaff',
        "Create a door-staff account of the organization (its partners, or admins): staff check tickets in at the organization's events",
      ),
    },
  },
  components: {
    securitySchemes: { bearerAuth: openApiCommon.bearerAuth },
    schemas: {
      Problem: openApiCommon.problemSchema,
      Registration: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'password', 'displayName'],
        properties: { email, password, displayName: text(100) },
      },
      Credentials: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'password'],
        // Any stored password is at most 128 characters; shorter ones are still just wrong (401), never a 400 that tells them apart.
        properties: { email: { type: 'string', minLength: 1, maxLength: 254 }, password: { type: 'string', minLength: 1, maxLength: 128 } },
      },
      RefreshRequest: { type: 'object', additionalProperties: false, required: ['refreshToken'], properties: { refreshToken: text(200) } },
      ProfilePatch: { type: 'object', additionalProperties: false, required: ['displayName'], properties: { displayName: text(100) } },
      OrganizationInput: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: text(200) } },
      Organization: {
        type: 'object',
        required: ['id', 'name', 'createdAt'],
        properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' } },
      },
      Account: {
        type: 'object',
        required: ['id', 'email', 'displayName', 'role', 'organizationId', 'createdAt'],
        properties: {
          id: { type: 'string', format: 'uuid', description: 'The token subject; bookings refer to it.' },
          email: { type: 'string' },
          displayName: { type: 'string' },
          role: { enum: ['buyer', 'partner', 'staff', 'admin'] },
          organizationId: { type: ['string', 'null'], format: 'uuid', description: "A partner's or staff member's organization." },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
      Session: {
        type: 'object',
        required: ['account', 'accessToken', 'tokenType', 'expiresIn', 'refreshToken'],
        properties: {
          account: ref('Account'),
          accessToken: { type: 'string' },
          tokenType: { const: 'Bearer' },
          expiresIn: { type: 'integer', description: 'Seconds the access token is valid.' },
          refreshToken: { type: 'string', description: 'Opaque, single use.' },
        },
      },
      Jwks: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: { type: 'object' } } } },
    },
  },
};

/** The document the users service serves; the Idempotency-Key retention is the running service's setting. */
export const usersOpenApi = (config: ServiceConfig): OpenApiDocument =>
  withPlatformResponses(usersDocument, { database: true, idempotencyKeyTtlHours: idempotencyKeyTtlHours(config) });
