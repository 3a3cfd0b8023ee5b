import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Field, formValue } from '../components/form.js';
import { Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { getSession, setSession, useSession, type Account } from '../session.js';

export default function Profile() {
  const session = useSession();
  const { route } = useLocation();
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string }>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  if (!session) return null;
  const { account } = session;

  const rename = async (event: Event) => {
    event.preventDefault();
    try {
      const updated = await api<Account>('/users/me', { method: 'PATCH', body: { displayName: formValue(event, 'displayName') } });
      const current = getSession();
      if (current) setSession({ ...current, account: { ...current.account, ...updated } });
      setMessage({ kind: 'success', text: 'Your name is saved.' });
    } catch (error) {
      setMessage({ kind: 'error', text: (error as ApiError).message });
    }
  };
  const logOut = async () => {
    // The refresh token is revoked on the server; the access token simply runs out.
    await api('/users/auth/logout', { method: 'POST', body: { refreshToken: session.refreshToken } }).catch(() => undefined);
    setSession(undefined);
    route('/');
  };
  const deleteAccount = async () => {
    try {
      await api('/users/me', { method: 'DELETE' });
      setSession(undefined);
      route('/?deleted=1');
    } catch (error) {
      setMessage({ kind: 'error', text: (error as ApiError).message });
    }
  };

  return (
    <Page title="Your profile">
      <div aria-live="polite">{message && <Notice kind={message.kind}>{message.text}</Notice>}</div>
      <dl class="profile">
        <dt>Email</dt>
        <dd>{account.email}</dd>
        <dt>Account type</dt>
        <dd>{account.role === 'partner' ? 'Organizer' : account.role === 'admin' ? 'Administrator' : 'Buyer'}</dd>
      </dl>
      <form onSubmit={(e) => void rename(e)} class="narrow-form">
        <Field id="displayName" label="Name" defaultValue={account.displayName} required maxLength={100} />
        <button type="submit">Save name</button>
      </form>
      <h2>Log out</h2>
      <button type="button" class="secondary" onClick={() => void logOut()}>
        Log out
      </button>
      <h2>Delete account</h2>
      <p>Your email, name and password are erased. Bookings you made stay valid, under an anonymous account.</p>
      {confirmDelete ? (
        <div class="actions" role="group" aria-label="Confirm deletion">
          <button type="button" class="danger" onClick={() => void deleteAccount()}>
            Yes, delete my account
          </button>
          <button type="button" class="secondary" onClick={() => setConfirmDelete(false)}>
            Keep my account
          </button>
        </div>
      ) : (
        <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
          Delete my account…
        </button>
      )}
    </Page>
  );
}
