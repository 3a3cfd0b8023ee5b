/**
 * The waiting room under test: one or more replicas (sharing a fresh Redis key
 * prefix on the test Redis and a fresh database with the catalog's and
 * booking's schemas it reads), optionally with a booking service that
 * verifies its passes.
 */
import { randomBytes } from 'node:crypto';
import { createBookingDefinition } from '@ticketing/booking/app';
import { startService, type RunningService } from '@ticketing/platform';
import { createTestDatabase } from '@ticketing/platform/testing';
import { generateSigningKeySet } from '@ticketing/users/signing-keys';
import { createWaitingRoomDefinition, type WaitingRoomOptions } from '@ticketing/waiting-room';
import type pg from 'pg';
import { bookingEnv } from './booking.js';
import { deleteRedisKeys, testRedisUrl } from './redis.js';
import { migrateCatalogSchema, migrateSchemaOf, testPool, testServiceEnv } from './services.js';

export interface WaitingRoomStack {
  databaseUrl: string;
  pool: pg.Pool;
  /** The replicas, in start order. */
  replicas: RunningService[];
  url: string;
  /** The WAITING_ROOM_SIGNING_KEYS the replicas sign passes with. */
  passKeys: string;
  keyPrefix: string;
  booking: RunningService | undefined;
  close(): Promise<void>;
}

export async function startWaitingRoomStack(
  options: { replicas?: number; env?: Record<string, string>; booking?: boolean; onStep?: (replica: number) => WaitingRoomOptions['onStep'] } = {},
): Promise<WaitingRoomStack> {
  const db = await createTestDatabase('waitingroom');
  const pool = testPool(db.url);
  const closers: (() => Promise<void>)[] = [() => db.drop(), () => pool.end()];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    await migrateCatalogSchema(pool);
    await migrateSchemaOf(pool, createBookingDefinition());
    const passKeys = generateSigningKeySet();
    const keyPrefix = `wr-test-${randomBytes(4).toString('hex')}`;
    closers.push(() => deleteRedisKeys(keyPrefix));
    const env = testServiceEnv(db.url, {
      REDIS_URL: testRedisUrl(),
      WAITING_ROOM_KEY_PREFIX: keyPrefix,
      WAITING_ROOM_SIGNING_KEYS: passKeys,
      TRUSTED_PROXY_HOPS: '0',
      SCHEDULER_TICK_MS: '100',
      SCHEDULER_SYNC_MS: '1000',
      QUEUE_STREAM_REFRESH_MS: '200',
      ...options.env,
    });
    const replicas: RunningService[] = [];
    for (let i = 0; i < (options.replicas ?? 1); i += 1) {
      const onStep = options.onStep?.(i);
      const replica = await startService(createWaitingRoomDefinition(onStep ? { onStep } : {}), env);
      closers.push(() => replica.stop());
      replicas.push(replica);
    }
    let booking: RunningService | undefined;
    if (options.booking) {
      booking = await startService(createBookingDefinition(), bookingEnv(db.url, { WAITING_ROOM_JWKS_URL: replicas[0]!.url }));
      closers.push(() => booking!.stop());
    }
    return { databaseUrl: db.url, pool, replicas, url: replicas[0]!.url, passKeys, keyPrefix, booking, close };
  } catch (error) {
    await close();
    throw error;
  }
}
