/**
 * The signed-in account and its tokens, kept in localStorage so a reload (or
 * a second tab) stays signed in. Components subscribe with useSession().
 */
import { useEffect, useState } from 'preact/hooks';

export type Role = 'buyer' | 'partner' | 'admin';

export interface Account {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  organizationId?: string | null;
}

export interface Session {
  account: Account;
  accessToken: string;
  refreshToken: string;
}

const storageKey = 'ticketing.session';
const listeners = new Set<() => void>();

function read(): Session | undefined {
  try {
    const raw = localStorage.getItem(storageKey);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

let current: Session | undefined = read();

export function getSession(): Session | undefined {
  return current;
}

export function setSession(session: Session | undefined): void {
  current = session;
  if (session) localStorage.setItem(storageKey, JSON.stringify(session));
  else localStorage.removeItem(storageKey);
  for (const listener of listeners) listener();
}

// Another tab signed in or out.
addEventListener('storage', (event) => {
  if (event.key !== storageKey) return;
  current = read();
  for (const listener of listeners) listener();
});

export function useSession(): Session | undefined {
  const [session, update] = useState(current);
  useEffect(() => {
    const listener = () => update(current);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return session;
}
