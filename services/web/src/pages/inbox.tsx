import { useState } from 'preact/hooks';
import { api, downloadFile, type ApiError } from '../api.js';
import { Loading, Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { formatDateTime } from '../format.js';
import { useLoad } from '../use-load.js';

interface InboxEntry {
  id: string;
  kind: 'booking-confirmed' | 'booking-cancelled' | 'refund-issued' | 'hold-expiring';
  subject: string;
  body: string;
  /** booking-confirmed: the tickets PDF, through the gateway. */
  link: string | null;
  createdAt: string;
  readAt: string | null;
}

/** The API path of a tickets PDF link (the link is absolute; the download goes through this origin's /api). */
const apiPathOf = (link: string) => new URL(link).pathname.replace(/^\/api/, '');

/** What the platform told the signed-in account about its bookings (notifications service), newest first. */
export default function Inbox() {
  const [loaded, , set] = useLoad((signal) => api<{ items: InboxEntry[] }>('/notifications/me/notifications?limit=50', { signal }).then((r) => r.items), []);
  const [error, setError] = useState<string>();

  const open = async (entry: InboxEntry) => {
    if (entry.readAt || loaded.state !== 'ready') return;
    await api(`/notifications/me/notifications/${entry.id}/read`, { method: 'POST' }).catch(() => undefined);
    set(loaded.value.map((e) => (e.id === entry.id ? { ...e, readAt: new Date().toISOString() } : e)));
  };
  const download = async (entry: InboxEntry) => {
    setError(undefined);
    try {
      await downloadFile(apiPathOf(entry.link!), 'tickets.pdf');
    } catch (failure) {
      setError((failure as ApiError).message);
    }
  };

  return (
    <Page title="Inbox">
      <div aria-live="polite">{error && <Notice kind="error">{error}</Notice>}</div>
      {loaded.state === 'loading' && <Loading what="your messages" />}
      {loaded.state === 'error' && <Notice kind="error">{loaded.error.message}</Notice>}
      {loaded.state === 'ready' && loaded.value.length === 0 && <p>No messages yet. Messages about your bookings appear here.</p>}
      {loaded.state === 'ready' && loaded.value.length > 0 && (
        <ul class="booking-list">
          {loaded.value.map((entry) => (
            <li key={entry.id} class="booking-card">
              <details onToggle={() => void open(entry)}>
                <summary>
                  <strong>{entry.readAt ? entry.subject : `New: ${entry.subject}`}</strong> ·{' '}
                  <time dateTime={entry.createdAt}>{formatDateTime(entry.createdAt)}</time>
                </summary>
                {entry.body
                  .trim()
                  .split('\n')
                  .filter((line) => line && !(entry.link && line.includes(entry.link)))
                  .map((line, i) => (
                    <p key={i}>{line}</p>
                  ))}
              </details>
              {entry.link && (
                <button type="button" onClick={() => void download(entry)}>
                  Download tickets (PDF)
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
