import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Loading, Notice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { SalesChart } from '../components/sales-chart.js';
import { formatMoney } from '../format.js';
import { useLiveSales } from '../live-sales.js';
import type { CatalogEvent, CentsByCurrency, SalesWindow } from '../types.js';
import { useLoad } from '../use-load.js';

const chartMinutes = 30;

const moneyList = (amounts: CentsByCurrency) =>
  Object.keys(amounts).length === 0
    ? '–'
    : Object.entries(amounts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([currency, cents]) => formatMoney(cents, currency))
        .join(', ');

/** The minute's time, with its date when it is not today's. */
function minuteOf(iso: string): string {
  const at = new Date(iso);
  const today = at.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(undefined, today ? { timeStyle: 'short' } : { dateStyle: 'short', timeStyle: 'short' }).format(at);
}

/** The time now, moved on every few seconds, so the chart's minutes advance also when nothing sells. */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

const windowColumns = ['Minute', 'Sold', 'Cancelled', 'Holds created', 'Holds converted', 'Revenue'];

function WindowsTable({ windows }: { windows: SalesWindow[] }) {
  if (windows.length === 0) return <p>No sales or holds yet.</p>;
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label="Sales per minute, as a table">
      <table>
        <thead>
          <tr>
            {windowColumns.map((name, i) => (
              <th key={name} scope="col" class={i > 0 ? 'number' : undefined}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {windows.map((w) => (
            <tr key={w.windowStart}>
              <th scope="row" class="nowrap">
                {minuteOf(w.windowStart)}
              </th>
              <td class="number">{w.ticketsSold}</td>
              <td class="number">{w.ticketsCancelled}</td>
              <td class="number">{w.holdsCreated}</td>
              <td class="number">{w.holdsConverted}</td>
              <td class="number">{moneyList(w.revenue)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One event's sales for its organizer: tickets sold per minute as a live chart (and table), and the event's totals. */
export default function EventSales({ eventId }: { eventId: string }) {
  const [event] = useLoad((signal) => api<CatalogEvent>(`/catalog/events/${eventId}`, { signal }), [eventId]);
  const sales = useLiveSales(eventId);
  const now = useNow(10_000);
  const title = event.state === 'ready' ? `Sales of ${event.value.title}` : 'Event sales';
  const back = (
    <p>
      <a href="/organizer">Back to my events</a>
    </p>
  );

  if (!sales.totals) {
    return (
      <Page title={title} wide>
        {!sales.error ? (
          <Loading what="the sales figures" />
        ) : sales.error.status === 404 || sales.error.status === 403 ? (
          <Notice kind="error">This event is not one of yours: only its organizer can see its sales.</Notice>
        ) : (
          <Notice kind="error">
            Sales figures are unavailable right now: the analytics service does not answer. This page keeps trying and shows them as soon as it does.
          </Notice>
        )}
        {back}
      </Page>
    );
  }

  const { totals } = sales;
  const windows = [...sales.windows.values()].sort((a, b) => b.windowStart.localeCompare(a.windowStart));
  const latest = windows[0] ? new Date(windows[0].windowStart).getTime() : 0;
  const conversion = totals.holdsCreated > 0 ? ` (${Math.round((totals.holdsConverted / totals.holdsCreated) * 100)} %)` : '';
  return (
    <Page title={title} wide>
      {sales.live ? (
        <p class="live-status" role="status">
          <span class="live-dot" aria-hidden="true" /> Live: figures update as tickets sell.
        </p>
      ) : (
        <Notice kind="info">Live updates are interrupted; reconnecting… The figures shown may be behind.</Notice>
      )}
      <section aria-labelledby="totals-heading">
        <h2 id="totals-heading">Totals</h2>
        <dl class="sales-totals">
          <div>
            <dt>Tickets sold</dt>
            <dd>{totals.ticketsSold}</dd>
          </div>
          <div>
            <dt>Tickets cancelled</dt>
            <dd>
              {totals.ticketsCancelled}
              {totals.cancellations > 0 && <span class="muted"> in {totals.cancellations} bookings</span>}
            </dd>
          </div>
          <div>
            <dt>Revenue</dt>
            <dd>{moneyList(totals.revenue)}</dd>
          </div>
          <div>
            <dt>Refunded</dt>
            <dd>{moneyList(totals.refunds)}</dd>
          </div>
          <div>
            <dt>Holds created</dt>
            <dd>{totals.holdsCreated}</dd>
          </div>
          <div>
            <dt>Holds converted</dt>
            <dd>
              {totals.holdsConverted}
              {conversion}
            </dd>
          </div>
        </dl>
        {totals.tooLateMessages > 0 && (
          <p class="muted">
            {totals.tooLateMessages} booking change{totals.tooLateMessages === 1 ? '' : 's'} arrived too late to be counted in their minute and are not in these
            figures.
          </p>
        )}
      </section>
      <section aria-labelledby="chart-heading">
        <h2 id="chart-heading">Tickets sold per minute</h2>
        <p class="muted">The last {chartMinutes} minutes, your local time.</p>
        <SalesChart
          windows={sales.windows}
          endMs={Math.max(now, latest)}
          minutes={chartMinutes}
          label={`Tickets sold per minute, the last ${chartMinutes} minutes`}
        />
        <h3>Every minute with sales or holds</h3>
        <WindowsTable windows={windows} />
      </section>
      {back}
    </Page>
  );
}
