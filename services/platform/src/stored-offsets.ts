/**
 * Consumed offsets kept in PostgreSQL, committed in the same transaction as
 * the work a message caused (opt-in for consumers whose work is state in
 * PostgreSQL, e.g. analytics windows). A restart, a SIGKILL or a rebalance
 * then neither loses nor repeats work: a message is applied only if its
 * offset is at or past the partition's stored next offset, and the runner
 * seeks each newly assigned partition to that offset (`startPositions` of
 * `runConsumer`).
 *
 * The table lives in the consuming service's schema (its own migration):
 *
 *   CREATE TABLE consumer_offsets (
 *     consumer     text    NOT NULL,  -- whose state: a name of the job, not its Kafka group
 *     topic        text    NOT NULL,
 *     partition    integer NOT NULL,
 *     next_offset  bigint  NOT NULL,
 *     PRIMARY KEY (consumer, topic, partition)
 *   );
 *
 * The offsets belong to the state, not to the Kafka group: a renamed group,
 * or one whose committed offsets expired, still resumes where the state ends.
 */
import type { Pool, Tx } from './db.js';
import { pgIdent, withTransaction } from './db.js';

export interface StoredOffsets {
  /**
   * Claims `offset` of `partition` inside `tx`: true when it was not applied
   * yet (the stored next offset is now `offset + 1`), false when it was. The
   * partition's row stays locked until `tx` ends, so two replicas briefly
   * owning one partition during a rebalance apply each message once.
   */
  claim(tx: Tx, partition: number, offset: string): Promise<boolean>;
  /** The stored next offset of each of `partitions` that has one. */
  positions(partitions: readonly number[]): Promise<Map<number, string>>;
  /** Runs `work` in one transaction with the claim of `offset`; skips it (returns false) when the offset was already applied. */
  applyOnce(partition: number, offset: string, work: (tx: Tx) => Promise<void>): Promise<boolean>;
}

export function createStoredOffsets(options: { pool: Pool; schema: string; consumer: string; topic: string }): StoredOffsets {
  const { pool, consumer, topic } = options;
  const table = `${pgIdent(options.schema)}.consumer_offsets`;
  const offsets: StoredOffsets = {
    async claim(tx, partition, offset) {
      const { rowCount } = await tx.query(
        `INSERT INTO ${table} AS o (consumer, topic, partition, next_offset) VALUES ($1, $2, $3, $4::bigint + 1)
         ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset WHERE o.next_offset <= $4::bigint`,
        [consumer, topic, partition, offset],
      );
      return rowCount === 1;
    },
    async positions(partitions) {
      const { rows } = await pool.query<{ partition: number; next_offset: string }>(
        `SELECT partition, next_offset FROM ${table} WHERE consumer = $1 AND topic = $2 AND partition = ANY($3::int[])`,
        [consumer, topic, [...partitions]],
      );
      return new Map(rows.map((r) => [r.partition, r.next_offset]));
    },
    applyOnce(partition, offset, work) {
      return withTransaction(pool, async (tx) => {
        if (!(await offsets.claim(tx, partition, offset))) return false;
        await work(tx);
        return true;
      });
    },
  };
  return offsets;
}
