import { useLocation } from 'preact-iso';
import type { ComponentChildren } from 'preact';
import { api } from '../api.js';
import { setSession, useSession, type Session } from '../session.js';
import { useSubmit } from '../use-submit.js';
import { Notice } from './notice.js';
import { Page } from './page.js';

/** Where to go after logging in: the page that asked for it, if it is one of ours. */
export function nextUrl(query: Record<string, string>, session: Session): string {
  const next = query['next'];
  if (next && next.startsWith('/') && !next.startsWith('//')) return next;
  return session.account.role === 'partner' ? '/organizer' : '/';
}

/** `path` passing on the page to return to (`?next=`), for the links between log-in and registration. */
export function keepingNext(path: string, query: Record<string, string>): string {
  return query['next'] ? `${path}?next=${encodeURIComponent(query['next'])}` : path;
}

/**
 * Log-in and registration: a form that posts its fields to `path`, keeps the
 * session it answers with, and goes on to the page that sent the person here.
 */
export function AccountForm({
  title,
  path,
  submit,
  busyLabel,
  fields,
  children,
}: {
  title: string;
  path: string;
  submit: string;
  busyLabel: string;
  /** Names of the form's inputs sent as the JSON body. */
  fields: readonly string[];
  children: ComponentChildren;
}) {
  const { query, route } = useLocation();
  const session = useSession();
  const form = useSubmit();
  const { busy, error } = form;
  if (session && !busy) {
    return (
      <Page title={title}>
        <p>
          You are logged in as {session.account.displayName}. <a href="/profile">Your profile</a>
        </p>
      </Page>
    );
  }
  const send = form.submit(async (values) => {
    const next = await api<Session>(path, { method: 'POST', body: Object.fromEntries(fields.map((name) => [name, String(values.get(name) ?? '')])) });
    setSession(next);
    route(nextUrl(query, next), true);
  });
  return (
    <Page title={title}>
      {error && <Notice kind="error">{error.message}</Notice>}
      <form onSubmit={(e) => void send(e)} class="narrow-form">
        {children}
        <button type="submit" disabled={busy}>
          {busy ? busyLabel : submit}
        </button>
      </form>
    </Page>
  );
}
