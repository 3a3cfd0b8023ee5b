/**
 * The baseline of the booking benchmark: the statements one booking sends
 * through the API, recorded from this process's pg clients, replayed by
 * pgbench with the same texts (prepared, as booking's named statements are).
 *
 * Values that must be new for every booking (the ids booking generates, the
 * booking reference, the seat) come from one small statement at the start of
 * each pgbench transaction; the others are the recorded values, passed as
 * pgbench variables so each statement text stays exactly what booking sent.
 */
import type pg from 'pg';
import { onEveryQuery } from './lib.js';

export interface RecordedStatement {
  text: string;
  values: readonly unknown[];
}

/** Records what this process's pg clients send while `work` runs. */
export async function recordStatements(work: () => Promise<void>): Promise<RecordedStatement[]> {
  const recorded: RecordedStatement[] = [];
  const stop = onEveryQuery(([first, second]) => {
    if (typeof first === 'string') recorded.push({ text: first, values: Array.isArray(second) ? second : [] });
    else if (first && typeof first === 'object' && 'text' in first) {
      const config = first as pg.QueryConfig;
      recorded.push({ text: config.text, values: config.values ?? (Array.isArray(second) ? second : []) });
    }
  });
  try {
    await work();
  } finally {
    stop();
  }
  return recorded;
}

/** Background loops (the outbox and catalog-change relays) run beside requests: not part of a booking's own SQL. */
const background = /published_at IS NULL|SET published_at|pg_try_advisory|pg_advisory/;

export interface PgbenchReplay {
  /** The pgbench script: one booking per transaction. */
  script: string;
  /** `--define` variables: the recorded values that stay the same. */
  defines: Record<string, string>;
  /** Statements of one booking in the script (BEGIN and COMMIT included; the value statement not). */
  statements: number;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Turns one recorded booking into a pgbench script. `seatId` is the seat it
 * booked: each replay takes the next seat of `seatTable` (n, seat_id) through
 * `seatSequence` instead; `eventId` and `sectionId` (a GA booking's section)
 * stay; every other uuid and the booking reference (`BK-…`) are generated
 * anew per transaction.
 */
export function pgbenchReplay(
  recorded: readonly RecordedStatement[],
  options: {
    seatId?: string | undefined;
    eventId: string;
    sectionId?: string;
    seatTable: string;
    seatSequence: string;
    /** Paused after the transaction that records a pending payment, where the API waits for the payment provider's answer. @default 0 */
    providerPauseMs?: number;
  },
): PgbenchReplay {
  const fresh = new Map<string, string>(); // recorded value → variable made per transaction
  const defines: Record<string, string> = {};
  const generated: string[] = ['next.seat', `'{' || next.seat || '}' AS seats`];
  const variableFor = (value: unknown): string | null => {
    if (value === null || value === undefined) return null;
    const text = Array.isArray(value) ? `{${value.map(String).join(',')}}` : typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (options.seatId && text === options.seatId) return 'seat';
    if (options.seatId && text === `{${options.seatId}}`) return 'seats';
    // The event and its GA section are the same for every booking; every other id is the booking's own.
    const shared = text === options.eventId || text === options.sectionId;
    if ((uuid.test(text) && !shared) || /^BK-/.test(text)) {
      let name = fresh.get(text);
      if (!name) {
        name = `v${fresh.size + 1}`;
        fresh.set(text, name);
        // A reference from a whole uuid: pgbench cannot draw again on the rare repeat the API retries.
        generated.push(uuid.test(text) ? `gen_random_uuid() AS ${name}` : `'BK-' || upper(replace(gen_random_uuid()::text, '-', '')) AS ${name}`);
      }
      return name;
    }
    const name = `c${Object.keys(defines).length + 1}`;
    defines[name] = text;
    return name;
  };
  const lines: string[] = [];
  let paymentRecorded = false;
  for (const { text, values } of recorded.filter((s) => !background.test(s.text))) {
    const names = values.map(variableFor);
    // $10 before $1: replace the longest placeholders first.
    const sql = text
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/\$(\d+)/g, (_, index: string) => {
        const name = names[Number(index) - 1];
        return name === null || name === undefined ? 'NULL' : `:${name}`;
      });
    lines.push(`${sql};`);
    // The statement that records the pending payment (alone, or inside a CTE).
    if (/\bINSERT INTO booking\.payments\b/.test(sql)) paymentRecorded = true;
    if (paymentRecorded && sql === 'COMMIT' && options.providerPauseMs) {
      lines.push(`\\sleep ${options.providerPauseMs} ms`);
      paymentRecorded = false;
    }
  }
  // A replay that skipped the provider's wait would not be the booking the API runs.
  if (options.providerPauseMs && !lines.some((line) => line.startsWith('\\sleep'))) {
    throw new Error('the recorded booking has no COMMIT after a statement inserting into booking.payments: the pause for the payment provider has no place');
  }
  if (!options.seatId) generated.splice(0, 2); // general admission: no seat to draw
  // The sequence in an uncorrelated subquery: drawn once per transaction, not once per row scanned.
  const next = options.seatId
    ? ` FROM (SELECT seat_id::text AS seat FROM ${options.seatTable} WHERE n = (SELECT nextval('${options.seatSequence}'))) AS next`
    : '';
  return {
    script: `SELECT ${generated.join(', ')}${next} \\gset\n${lines.join('\n')}\n`,
    defines,
    statements: lines.filter((line) => !line.startsWith('\\')).length,
  };
}
