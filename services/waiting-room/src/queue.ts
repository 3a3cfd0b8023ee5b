/**
 * The queues, in Valkey/Redis. Every change is one Lua script, which Redis
 * runs atomically (nothing else runs meanwhile), with Redis's own clock
 * (TIME): so any number of API and scheduler replicas share one order, one
 * admission rate and one count of shoppers, and nobody is admitted twice.
 *
 * Per event (all keys share the hash tag `{<event>}`, so they live on one
 * cluster slot and one script may touch them all):
 *   queue     ZSET account → order (lowest is admitted first)
 *   admitted  ZSET account → pass expiry (ms); a lapsed entry frees its slot
 *   since     HASH account → joined at (ms) while waiting, admitted at once admitted
 *   ip        HASH account → client address it joined from
 *   ipcount   HASH address → accounts queued or admitted from it
 *   state     HASH the room's settings (copied from PostgreSQL) and the scheduler's
 *                  bookkeeping: seq (arrivals after the onsale), credit, lastTick
 *
 * Fair order: an arrival before the onsale gets the score sha1(seed:account)
 * (first 52 bits), a uniformly random place among the early arrivals that no
 * arrival time and no re-join can improve; an arrival after the onsale gets
 * 2^52 + its arrival number, behind every early arrival, first come first served.
 */
import { problems } from '@ticketing/platform';
import { Redis, ReplyError, type ChainableCommander } from 'ioredis';

/** Lua helpers every script starts with. */
const prelude = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function releaseIp(account)
  local ip = redis.call('HGET', KEYS[4], account)
  if ip then
    redis.call('HDEL', KEYS[4], account)
    if redis.call('HINCRBY', KEYS[5], ip, -1) <= 0 then redis.call('HDEL', KEYS[5], ip) end
  end
end
-- state, position (1-based, 0 if not waiting), queue length, pass expiry, since, then the room.
local function statusOf(account, now)
  local st = redis.call('HMGET', KEYS[6], 'onsaleAt', 'open', 'soldOut', 'rate', 'cap', 'shoppingMs')
  if not st[1] then return {'no_room'} end
  local state, position, expires = 'not_queued', 0, 0
  local exp = redis.call('ZSCORE', KEYS[2], account)
  if exp and tonumber(exp) > now then
    state, expires = 'admitted', tonumber(exp)
  else
    local rank = redis.call('ZRANK', KEYS[1], account)
    if rank then state, position = 'waiting', rank + 1 end
  end
  local since = 0
  if state ~= 'not_queued' then since = tonumber(redis.call('HGET', KEYS[3], account) or '0') end
  return {state, position, redis.call('ZCARD', KEYS[1]), expires, since, now,
          st[1], st[2], st[3] or '0', st[4], st[5], st[6], redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')}
end
`;

const applySettingsScript = `
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if current > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'onsaleAt', ARGV[2], 'rate', ARGV[3], 'cap', ARGV[4], 'shoppingMs', ARGV[5], 'open', ARGV[6], 'seed', ARGV[7])
return 1
`;

const joinScript = `${prelude}
local account, ip, ipLimit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = nowMs()
local st = redis.call('HMGET', KEYS[6], 'onsaleAt', 'open', 'seed', 'soldOut')
if not st[1] then return {'no_room'} end
local exp = redis.call('ZSCORE', KEYS[2], account)
local lapsed = exp and tonumber(exp) <= now
if (exp and not lapsed) or redis.call('ZSCORE', KEYS[1], account) then
  local status = statusOf(account, now)
  table.insert(status, 1, 'kept')
  return status
end
if st[2] ~= '1' then return {'closed'} end
if st[4] == '1' then return {'sold_out'} end
if lapsed then
  -- The pass ran out: joining again starts over, at the back.
  redis.call('ZREM', KEYS[2], account)
  redis.call('HDEL', KEYS[3], account)
  releaseIp(account)
end
if tonumber(redis.call('HGET', KEYS[5], ip) or '0') >= ipLimit then return {'ip_limit'} end
local score
if now < tonumber(st[1]) then
  score = tonumber(string.sub(redis.sha1hex(st[3] .. ':' .. account), 1, 13), 16)
else
  score = 4503599627370496 + redis.call('HINCRBY', KEYS[6], 'seq', 1)
end
redis.call('ZADD', KEYS[1], string.format('%.0f', score), account)
redis.call('HSET', KEYS[3], account, now)
redis.call('HSET', KEYS[4], account, ip)
redis.call('HINCRBY', KEYS[5], ip, 1)
local status = statusOf(account, now)
table.insert(status, 1, 'joined')
return status
`;

const statusScript = `${prelude}
return statusOf(ARGV[1], nowMs())
`;

const leaveScript = `${prelude}
local account = ARGV[1]
local left = 'none'
if redis.call('ZREM', KEYS[1], account) == 1 then
  left = 'waiting'
elseif redis.call('ZREM', KEYS[2], account) == 1 then
  left = 'admitted'
end
if left ~= 'none' then
  redis.call('HDEL', KEYS[3], account)
  releaseIp(account)
end
return left
`;

/**
 * One admission step: frees the slots of lapsed passes, then admits the next
 * in line, as many as the rate has earned since the last step (by Redis's
 * clock, whichever replica ran it) and the shopper cap allows. Credit left
 * unused (a full cap, steps that came late) is kept up to ARGV[1] ms' worth,
 * so a late step is caught up by the next without a burst beyond it; with
 * nobody waiting none is banked.
 * Returns now, admitted count, freed count, queue length, shoppers, whether
 * admission is flowing (1) or held back on purpose (0: before the onsale, sold
 * out, cap full), then account, waited-since pairs of the admitted.
 */
const tickScript = `${prelude}
local maxCatchUpMs, maxBatch = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = nowMs()
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, account in ipairs(lapsed) do
  redis.call('HDEL', KEYS[3], account)
  releaseIp(account)
end
if #lapsed > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end
local st = redis.call('HMGET', KEYS[6], 'onsaleAt', 'rate', 'cap', 'shoppingMs', 'soldOut', 'credit', 'lastTick')
if not st[1] then return {now, 0, #lapsed, 0, 0, 0} end
local onsale, rate, cap, shoppingMs = tonumber(st[1]), tonumber(st[2]), tonumber(st[3]), tonumber(st[4])
local last = tonumber(st[7] or now)
redis.call('HSET', KEYS[6], 'lastTick', now)
local waiting = redis.call('ZCARD', KEYS[1])
local shoppers = redis.call('ZCARD', KEYS[2])
if now < onsale or st[5] == '1' then
  redis.call('HSET', KEYS[6], 'credit', '0')
  return {now, 0, #lapsed, waiting, shoppers, 0}
end
local n = waiting
local credit = tonumber(st[6] or '0')
if rate > 0 then
  if last < onsale then last = onsale end
  credit = math.min(credit + rate * (now - last) / 60000, math.max(1, rate * maxCatchUpMs / 60000))
  n = math.min(n, math.floor(credit))
end
if cap > 0 then n = math.min(n, math.max(0, cap - shoppers)) end
n = math.min(n, maxBatch)
local result = {now, 0, #lapsed, waiting, shoppers, 1}
if n > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[1], n)
  local expires = now + shoppingMs
  for i = 1, #popped, 2 do
    local account = popped[i]
    redis.call('ZADD', KEYS[2], expires, account)
    table.insert(result, account)
    table.insert(result, tonumber(redis.call('HGET', KEYS[3], account) or now))
    redis.call('HSET', KEYS[3], account, now)
  end
  local admitted = #popped / 2
  credit = credit - admitted
  result[2], result[4], result[5] = admitted, waiting - admitted, shoppers + admitted
end
-- Nobody left to admit: no credit is banked for a later burst.
if result[4] == 0 and credit > 1 then credit = 1 end
if cap > 0 and result[5] >= cap then result[6] = 0 end
redis.call('HSET', KEYS[6], 'credit', string.format('%.6f', credit))
return result
`;

interface QueueCommands {
  wrApplySettings(state: string, ...args: (string | number)[]): Promise<number>;
  wrJoin(...keysAndArgs: (string | number)[]): Promise<(string | number)[]>;
  wrStatus(...keysAndArgs: (string | number)[]): Promise<(string | number)[]>;
  wrLeave(...keysAndArgs: (string | number)[]): Promise<string>;
  wrTick(...keysAndArgs: (string | number)[]): Promise<(string | number)[]>;
}

/** What the organizer set, as the queue scripts read it. */
export interface RoomSettings {
  /** Orders changes: an older copy never overwrites a newer one (ms since epoch of the change). */
  version: number;
  onsaleAt: Date;
  admissionPerMinute: number | null;
  maxConcurrentShoppers: number | null;
  shoppingSeconds: number;
  /** Whether new buyers may join (false also while the event is cancelled). */
  open: boolean;
  shuffleSeed: string;
}

export type RoomState = 'before_onsale' | 'admitting' | 'closed' | 'sold_out';

/** A buyer's place, as the scripts see it at Redis's `now`. */
export interface Place {
  state: 'not_queued' | 'waiting' | 'admitted';
  /** 1-based; 0 unless waiting. */
  position: number;
  queueLength: number;
  /** Pass expiry (admitted only). */
  passExpiresAt: Date | undefined;
  /** Joined at while waiting; admitted at once admitted. */
  since: Date | undefined;
  now: Date;
  room: {
    state: RoomState;
    onsaleAt: Date;
    open: boolean;
    soldOut: boolean;
    admissionPerMinute: number | null;
    maxConcurrentShoppers: number | null;
    shoppingSeconds: number;
    shoppers: number;
  };
}

export type JoinOutcome = { kind: 'joined' | 'kept'; place: Place } | { kind: 'no_room' } | { kind: 'closed' } | { kind: 'sold_out' } | { kind: 'ip_limit' };

export interface TickResult {
  now: Date;
  admitted: { account: string; waitedMs: number }[];
  freed: number;
  waiting: number;
  shoppers: number;
  /** False while admission is held back on purpose (before the onsale, sold out, all shopper slots taken). */
  flowing: boolean;
}

const orNull = (value: number) => (value > 0 ? value : null);

function placeOf(raw: (string | number)[]): Place {
  const [state, position, queueLength, expires, since, now, onsaleAt, open, soldOut, rate, cap, shoppingMs, shoppers] = raw;
  const room = {
    onsaleAt: new Date(Number(onsaleAt)),
    open: open === '1',
    soldOut: soldOut === '1',
    admissionPerMinute: orNull(Number(rate)),
    maxConcurrentShoppers: orNull(Number(cap)),
    shoppingSeconds: Number(shoppingMs) / 1000,
    shoppers: Number(shoppers),
  };
  const roomState: RoomState = room.soldOut ? 'sold_out' : !room.open ? 'closed' : Number(now) < room.onsaleAt.getTime() ? 'before_onsale' : 'admitting';
  return {
    state: state as Place['state'],
    position: Number(position),
    queueLength: Number(queueLength),
    passExpiresAt: Number(expires) > 0 ? new Date(Number(expires)) : undefined,
    since: Number(since) > 0 ? new Date(Number(since)) : undefined,
    now: new Date(Number(now)),
    room: { ...room, state: roomState },
  };
}

export interface Queue {
  readonly redis: Redis;
  /** Resolves once connected (commands fail at once while not: there is no offline queue). */
  ready(): Promise<void>;
  /** Copies the organizer's settings to Redis (ignored when an equal or newer copy is there). */
  applySettings(eventId: string, settings: RoomSettings): Promise<void>;
  /** Marks the event sold out (admission stops, joins are refused) or not. */
  setSoldOut(eventId: string, soldOut: boolean): Promise<void>;
  /** Joins, or keeps the existing place (waiting or admitted). */
  join(eventId: string, account: string, ip: string): Promise<JoinOutcome>;
  /** Undefined when the event has no room in Redis. */
  place(eventId: string, account: string): Promise<Place | undefined>;
  /** Places of many (event, account) pairs in one round trip (the live streams). */
  places(entries: readonly { eventId: string; account: string }[]): Promise<(Place | undefined)[]>;
  /** Leaves the queue, or gives up the admission: the slot goes to the next in line. */
  leave(eventId: string, account: string): Promise<'waiting' | 'admitted' | 'none'>;
  tick(eventId: string): Promise<TickResult>;
  /** Events whose rooms the schedulers run. */
  rooms(): Promise<string[]>;
  addRoom(eventId: string): Promise<void>;
  /** Forgets the room and its whole queue. */
  removeRoom(eventId: string): Promise<void>;
  close(): Promise<void>;
}

export interface QueueOptions {
  redisUrl: string;
  keyPrefix: string;
  placesPerIp: number;
  /** Most unused admission credit kept (ms of the rate). @default 1000 */
  maxCatchUpMs?: number;
  /** Most buyers one step admits (bounds how long one script runs). @default 5000 */
  maxBatch?: number;
  onError?: (error: Error) => void;
}

/**
 * Redis away (refused, reset, timed out, out of memory under noeviction) is
 * an outage, answered 503 with Retry-After, never a 500; a script error is a bug.
 */
async function outageAs503<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // A reply error other than these is a script bug, not an outage.
    if (error instanceof ReplyError && !/^(OOM|BUSY|LOADING|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/.test((error as Error).message)) throw error;
    throw problems.unavailable('the queue store (Redis) is unavailable', 2, 'redis-unavailable');
  }
}

export function createQueue(options: QueueOptions): Queue {
  // No offline queue: with Redis away a buyer is told at once (503) instead of waiting for it.
  const redis = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  redis.on('error', (error: Error) => options.onError?.(error));
  redis.defineCommand('wrApplySettings', { numberOfKeys: 1, lua: applySettingsScript });
  redis.defineCommand('wrJoin', { numberOfKeys: 6, lua: joinScript });
  redis.defineCommand('wrStatus', { numberOfKeys: 6, lua: statusScript });
  redis.defineCommand('wrLeave', { numberOfKeys: 6, lua: leaveScript });
  redis.defineCommand('wrTick', { numberOfKeys: 6, lua: tickScript });
  const commands = redis as unknown as QueueCommands;
  const prefix = options.keyPrefix;
  const roomsKey = `${prefix}:rooms`;
  const keysOf = (eventId: string) => ['queue', 'admitted', 'since', 'ip', 'ipcount', 'state'].map((k) => `${prefix}:{${eventId}}:${k}`);
  const maxCatchUpMs = options.maxCatchUpMs ?? 1000;
  const maxBatch = options.maxBatch ?? 5000;

  return {
    redis,
    async ready() {
      // Not events.once: it rejects on the 'error' events a reconnecting client emits meanwhile.
      if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
    },
    async applySettings(eventId, s) {
      await outageAs503(() =>
        commands.wrApplySettings(
          keysOf(eventId)[5]!,
          s.version,
          s.onsaleAt.getTime(),
          s.admissionPerMinute ?? 0,
          s.maxConcurrentShoppers ?? 0,
          s.shoppingSeconds * 1000,
          s.open ? '1' : '0',
          s.shuffleSeed,
        ),
      );
    },
    async setSoldOut(eventId, soldOut) {
      await redis.hset(keysOf(eventId)[5]!, 'soldOut', soldOut ? '1' : '0');
    },
    async join(eventId, account, ip) {
      const raw = await outageAs503(() => commands.wrJoin(...keysOf(eventId), account, ip, options.placesPerIp));
      const kind = raw[0] as string;
      if (kind === 'joined' || kind === 'kept') return { kind, place: placeOf(raw.slice(1)) };
      return { kind } as JoinOutcome;
    },
    async place(eventId, account) {
      const raw = await outageAs503(() => commands.wrStatus(...keysOf(eventId), account));
      return raw[0] === 'no_room' ? undefined : placeOf(raw);
    },
    async places(entries) {
      if (entries.length === 0) return [];
      const pipeline = redis.pipeline() as ChainableCommander & Record<'wrStatus', (...args: (string | number)[]) => ChainableCommander>;
      for (const e of entries) pipeline.wrStatus(...keysOf(e.eventId), e.account);
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, raw]) => {
        if (error) throw error;
        const values = raw as (string | number)[];
        return values[0] === 'no_room' ? undefined : placeOf(values);
      });
    },
    async leave(eventId, account) {
      return (await outageAs503(() => commands.wrLeave(...keysOf(eventId), account))) as 'waiting' | 'admitted' | 'none';
    },
    async tick(eventId) {
      const raw = await commands.wrTick(...keysOf(eventId), maxCatchUpMs, maxBatch);
      const now = Number(raw[0]);
      const admitted: TickResult['admitted'] = [];
      for (let i = 6; i < raw.length; i += 2) admitted.push({ account: String(raw[i]), waitedMs: now - Number(raw[i + 1]) });
      return { now: new Date(now), admitted, freed: Number(raw[2]), waiting: Number(raw[3]), shoppers: Number(raw[4]), flowing: Number(raw[5]) === 1 };
    },
    rooms: () => redis.smembers(roomsKey),
    async addRoom(eventId) {
      await outageAs503(() => redis.sadd(roomsKey, eventId));
    },
    async removeRoom(eventId) {
      await outageAs503(() =>
        redis
          .multi()
          .srem(roomsKey, eventId)
          .del(...keysOf(eventId))
          .exec(),
      );
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
