/**
 * The organizer account `npm start` keeps ready, so a newcomer can log in to
 * the web UI as a partner and build a venue and an event without first
 * calling the admin API by hand. `npm start` keeps its password in
 * .local/dev/secrets.env; the account and its organization are created
 * through the users service the first time (an admin token signed with the
 * local key), and found by logging in on later runs.
 */
import { devToken } from './dev-tokens.js';

export const demoOrganizerEmail = 'organizer@example.com';

export async function ensureDemoOrganizer(usersUrl: string, password: string): Promise<{ email: string; password: string }> {
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${usersUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const login = await post('/auth/login', { email: demoOrganizerEmail, password });
  await login.body?.cancel();
  if (login.ok) return { email: demoOrganizerEmail, password };
  const admin = await devToken({ sub: 'dev-admin', role: 'admin' }, 300);
  const org = await post('/organizations', { name: 'Demo Events' }, admin);
  if (!org.ok) throw new Error(`creating the demo organization answered ${org.status}`);
  const { id } = (await org.json()) as { id: string };
  const partner = await post(`/organizations/${id}/partners`, { email: demoOrganizerEmail, password, displayName: 'Demo Organizer' }, admin);
  await partner.body?.cancel();
  if (!partner.ok) throw new Error(`creating the demo organizer answered ${partner.status}`);
  return { email: demoOrganizerEmail, password };
}
