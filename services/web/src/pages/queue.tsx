import { Notice, Loading } from '../components/notice.js';
import { Page } from '../components/page.js';
import { useSecondsLeft } from '../components/countdown.js';
import { formatCountdown, formatDateTime } from '../format.js';
import { describeWait, useLivePlace, type Place } from '../waiting-room.js';

/**
 * The waiting room of one event: your place in the queue, an honest estimate
 * of the wait, live, and the moment you are let in. Reloading, or opening it
 * in a second tab, shows the same place (joining again keeps it).
 */
export default function QueuePage({ eventId }: { eventId: string }) {
  const live = useLivePlace(eventId);
  if (live.error) {
    const { kind, status } = live.error;
    const text =
      kind === 'waiting-room-closed'
        ? 'The queue for this event is closed: it takes nobody new.'
        : kind === 'sold-out'
          ? 'This event is sold out: the queue takes nobody new.'
          : kind === 'queue-places-per-ip'
            ? 'Too many people are queueing for this event from your network. Please try again later.'
            : status === 404
              ? 'This event has no waiting room: you can choose your seats straight away.'
              : live.error.message;
    return (
      <Page title="Waiting room">
        <Notice kind={status === 404 ? 'info' : 'error'}>{text}</Notice>
        <p>
          <a href={`/events/${eventId}`}>Back to the event</a>
        </p>
      </Page>
    );
  }
  if (!live.place) {
    return (
      <Page title="Waiting room">
        <Loading what="your place in the queue" />
      </Page>
    );
  }
  return live.place.state === 'admitted' ? <Admitted place={live.place} /> : <Waiting place={live.place} via={live.via} />;
}

function Waiting({ place, via }: { place: Place; via: 'stream' | 'polling' }) {
  const roomNotice =
    place.room === 'sold_out' ? (
      <Notice kind="error">Everything is sold for now. You keep your place in case places come back.</Notice>
    ) : place.room === 'closed' ? (
      <Notice kind="info">The queue is closed to newcomers. You keep your place and will be let in in turn.</Notice>
    ) : null;
  if (place.state === 'not_queued') {
    return (
      <Page title="Waiting room">
        <Notice kind="info">You are not in the queue (you left it, or your shopping time ran out).</Notice>
        <p>
          <button type="button" onClick={() => location.reload()}>
            Join the queue again
          </button>
        </p>
      </Page>
    );
  }
  return (
    <Page title="You are in the queue">
      {roomNotice}
      <div class="queue-status" role="region" aria-label="Your place" data-live={via}>
        <p class="queue-position">
          Your position: <strong>{place.position}</strong> of {place.queueLength}
        </p>
        <p aria-live="polite">
          {place.estimatedWaitSeconds === null
            ? 'We cannot estimate your wait right now.'
            : place.estimateBasis === 'shopping-time'
              ? `Estimated wait: ${describeWait(place.estimatedWaitSeconds, true)} (if everyone ahead of you uses their whole shopping time).`
              : `Estimated wait: ${describeWait(place.estimatedWaitSeconds)}, at the current admission rate.`}
        </p>
        {place.provisional && (
          <p>
            The sale opens at <time dateTime={place.onsaleAt}>{formatDateTime(place.onsaleAt)}</time>. Everyone who arrives before then gets a random place in
            the queue, so arriving early gives no advantage; your position may still change until the sale opens.
          </p>
        )}
      </div>
      <p>Keep this page open: it updates by itself, and lets you in when it is your turn. Reloading it or opening it in another tab keeps your place.</p>
    </Page>
  );
}

function Admitted({ place }: { place: Place }) {
  const secondsLeft = useSecondsLeft(place.passExpiresAt ?? new Date().toISOString());
  return (
    <Page title="It is your turn">
      <Notice kind="success">
        You were let in at <time dateTime={place.admittedAt ?? ''}>{place.admittedAt ? formatDateTime(place.admittedAt) : 'just now'}</time>.
      </Notice>
      <p class="countdown">Time left to choose and hold your seats: {formatCountdown(secondsLeft)}</p>
      <p>
        <a class="button" href={`/events/${place.eventId}`}>
          Choose your seats
        </a>
      </p>
    </Page>
  );
}
