-- Users: organizations, accounts (buyers, partners, admins), refresh tokens
-- and log-in failure counters. Only the users service reads these tables.

CREATE TABLE organizations (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- A deleted account keeps its id (bookings reference it as the token subject)
-- and loses everything that identifies the person.
CREATE TABLE accounts (
  id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  email            text        UNIQUE CHECK (email = lower(email)),
  password_hash    text,
  display_name     text        CHECK (length(display_name) BETWEEN 1 AND 100),
  role             text        NOT NULL CHECK (role IN ('buyer', 'partner', 'admin')),
  organization_id  uuid        REFERENCES organizations (id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  deleted_at       timestamptz,
  CHECK ((role = 'partner') = (organization_id IS NOT NULL)),
  CHECK ((deleted_at IS NULL) = (email IS NOT NULL AND password_hash IS NOT NULL AND display_name IS NOT NULL))
);
CREATE INDEX accounts_organization ON accounts (organization_id) WHERE organization_id IS NOT NULL;

-- Refresh tokens are stored as sha256 of the opaque token. Each use replaces
-- the token with a new one of the same family; presenting a replaced one again
-- means it leaked, and the whole family is revoked.
CREATE TABLE refresh_tokens (
  token_hash   bytea       PRIMARY KEY,
  family_id    uuid        NOT NULL,
  account_id   uuid        NOT NULL REFERENCES accounts (id),
  expires_at   timestamptz NOT NULL,
  replaced_at  timestamptz,
  revoked_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_account ON refresh_tokens (account_id);

-- Failed log-ins per email (whether or not it is registered) and per client
-- address, counted in a window from the first failure.
CREATE TABLE login_failures (
  scope          text        NOT NULL CHECK (scope IN ('account', 'ip')),
  key            text        NOT NULL,
  failures       integer     NOT NULL,
  window_start   timestamptz NOT NULL,
  locked_until   timestamptz,
  PRIMARY KEY (scope, key)
);
