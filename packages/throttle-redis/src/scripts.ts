/**
 * The Lua scripts that keep one quota in Redis. Each runs atomically, so a cost vector is taken from
 * every bucket at once or from none, whatever other processes do at the same moment.
 *
 * Keys, all under one prefix `sluice:{<quota>}:` (the braces keep them in one cluster slot):
 * - `b:<slot>`  hash per bucket: `p` per minute, `b` burst, `l` level in Redis, `t` last refill (ms,
 *   from `TIME`, so machines' clocks never matter), `s` units leased out to processes and not yet spent.
 * - `buckets`   set of the slots that hold a bucket (a process that joins late discovers them).
 * - `holders`   sorted set: holder id -> when its leases expire unless it renews them.
 * - `h:<holder>` hash: slot -> units leased and unspent, `c` -> concurrency slots held.
 * - `cc`        concurrency slots held by all holders.
 * - `pause`     the shared rate-limit pause (its TTL is the time left).
 * - `events`    pub/sub channel: `freed` (units or slots came back), `wanted` (a holder found no free
 *   slot), `pause <ms> <reason>`, `shape <slot> <perMinute> <burst>`.
 *
 * The quota a bucket stands for is `l + s`: what Redis holds plus what processes hold. Refill stops at
 * `b - s`, so `l + s` never exceeds the burst and every process together admits at most
 * burst + rate × window, as one in-memory bucket does. A holder that dies stops renewing; its unspent
 * lease and its concurrency slots are written off (counted as spent: never more than the quota).
 *
 * Numbers cross into Redis as strings with 17 significant digits: Lua's own conversion keeps 14, and a
 * Lua number returned as is would be truncated to an integer.
 */

const PRELUDE = `
local P = KEYS[1]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local function f(x) return string.format('%.17g', x) end

local function purge()
  local dead = redis.call('ZRANGEBYSCORE', P .. 'holders', '-inf', now)
  for _, holder in ipairs(dead) do
    local held = redis.call('HGETALL', P .. 'h:' .. holder)
    for i = 1, #held, 2 do
      if held[i] == 'c' then
        redis.call('DECRBY', P .. 'cc', held[i + 1])
      else
        redis.call('HINCRBYFLOAT', P .. 'b:' .. held[i], 's', -tonumber(held[i + 1]))
      end
    end
    redis.call('DEL', P .. 'h:' .. holder)
    redis.call('ZREM', P .. 'holders', holder)
  end
  if #dead > 0 then redis.call('PUBLISH', P .. 'events', 'freed') end
end

-- A bucket, refilled to now; created full from the caller's shape when Redis has none (first use, or
-- a Redis that restarted without persistence).
local function load(slot, p, b)
  local key = P .. 'b:' .. slot
  local v = redis.call('HMGET', key, 'p', 'b', 'l', 't', 's')
  if not v[1] then
    redis.call('SADD', P .. 'buckets', slot)
    return { key = key, p = p, b = b, l = b, s = 0 }
  end
  local B = { key = key, p = tonumber(v[1]), b = tonumber(v[2]), l = tonumber(v[3]), s = math.max(0, tonumber(v[5])) }
  local cap = B.b - B.s
  local elapsed = now - tonumber(v[4])
  if elapsed > 0 and B.l < cap then B.l = math.min(cap, B.l + elapsed * B.p / 60000) end
  return B
end

local function save(B)
  redis.call('HSET', B.key, 'p', f(B.p), 'b', f(B.b), 'l', f(B.l), 't', f(now), 's', f(math.max(0, B.s)))
end
`;

/**
 * LEASE: one holder's whole exchange with the quota. KEYS[1] prefix. ARGV: holder, ttlMs, cap (0: no
 * shared concurrency cap), slotsHeld (after the returns below), slotsWanted, n, then per bucket
 * slot, perMinute, burst, lease (held after the returns), returned, need, extra, debt, adjust.
 *
 * `lease` is absolute, so a lost reply or a Redis restart heals on the next call: what the holder
 * held before minus what it holds now was spent or returned. `need` is all-or-nothing across every
 * bucket; `extra` is a best-effort refill ahead of need. `debt` = 1 for a job larger than the burst:
 * it waits for a full bucket (only this holder's own lease counted in it) and leaves it in debt.
 *
 * Returns { ok, waitMs, slotsGranted, then per bucket grant, level, leased, perMinute, burst }.
 */
export const LEASE = `${PRELUDE}
purge()
local holder, ttl, cap = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local slotsHeld, slotsWanted, n = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local hk = P .. 'h:' .. holder
local freed = false
local buckets = {}
local ok, wait = 1, 0
for i = 0, n - 1 do
  local a = 7 + i * 9
  local B = load(ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]))
  B.slot = ARGV[a]
  local lease, returned = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  B.need, B.extra, B.lease = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6]), lease
  local held = tonumber(redis.call('HGET', hk, B.slot))
  if held == nil then
    B.s = B.s + lease
  else
    B.s = B.s - (held - lease)
    if returned > 0 then
      B.l = B.l + math.min(returned, math.max(0, held - lease))
      freed = true
    end
  end
  -- Real usage: a refund (positive) never lifts the quota above the burst, a charge may leave debt.
  -- It comes after the spending report above, so units this holder already spent are not counted twice.
  local adjust = tonumber(ARGV[a + 8])
  if adjust ~= 0 then
    B.l = math.min(math.max(B.b - B.s, B.l), B.l + adjust)
    if adjust > 0 then freed = true end
  end
  if B.need > 0 then
    local required = B.need
    -- A job larger than the burst waits for a full bucket with no other holder's lease in it: a
    -- lease may already be spent and not yet reported, and counting it as still there would admit
    -- the job into a bucket that is not full.
    if ARGV[a + 7] == '1' then required = B.b - B.lease end
    local missing = required - B.l
    if missing > 1e-9 * math.max(1, B.need) then
      ok = 0
      local w = missing / (B.p / 60000)
      if w > wait then wait = w end
    end
  end
  buckets[i + 1] = B
end
local out = { tostring(ok), f(wait), '0' }
for _, B in ipairs(buckets) do
  local grant = 0
  if ok == 1 then grant = B.need + math.max(0, math.min(B.extra, B.l - B.need)) end
  if grant > 0 then
    B.l = B.l - grant
    B.s = B.s + grant
  end
  redis.call('HSET', hk, B.slot, f(B.lease + grant))
  save(B)
  table.insert(out, f(grant))
  table.insert(out, f(B.l))
  table.insert(out, f(B.s))
  table.insert(out, f(B.p))
  table.insert(out, f(B.b))
end
if cap > 0 or slotsHeld > 0 then
  local hc = tonumber(redis.call('HGET', hk, 'c'))
  local total = tonumber(redis.call('GET', P .. 'cc') or '0')
  if hc == nil then total = total + slotsHeld else total = total - (hc - slotsHeld) end
  if hc ~= nil and hc > slotsHeld then freed = true end
  local granted = 0
  if cap > 0 and slotsWanted > 0 then granted = math.max(0, math.min(slotsWanted, cap - total)) end
  redis.call('SET', P .. 'cc', string.format('%d', total + granted))
  redis.call('HSET', hk, 'c', string.format('%d', slotsHeld + granted))
  out[3] = tostring(granted)
  if slotsWanted > 0 and granted == 0 then redis.call('PUBLISH', P .. 'events', 'wanted') end
end
redis.call('ZADD', P .. 'holders', f(now + ttl), holder)
if freed then redis.call('PUBLISH', P .. 'events', 'freed') end
return out
`;

/**
 * UPDATE: what the provider's headers taught, in order (refunds and charges go with LEASE, after the
 * holder's spending). KEYS[1] prefix. ARGV: groups of five
 * op, slot, perMinute, burst, value:
 * - `define`: set the shape (creating the bucket at `value`, or full when `value` is empty);
 * - `lower`:  the provider reported only `value` left: Redis holds at most that (leases may add a
 *   little: they may already be spent, and so in the provider's count).
 * A shape change is published so every process knows its new limit.
 */
export const UPDATE = `${PRELUDE}
for a = 1, #ARGV, 5 do
  local op, slot, p, b, value = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), ARGV[a + 4]
  local B = load(slot, p, b)
  if op == 'define' then
    local fresh = redis.call('EXISTS', B.key) == 0
    if fresh and value ~= '' then B.l = math.min(b, tonumber(value)) end
    if fresh or B.p ~= p or B.b ~= b then
      B.p, B.b = p, b
      redis.call('PUBLISH', P .. 'events', 'shape ' .. slot .. ' ' .. f(p) .. ' ' .. f(b))
    end
    B.l = math.min(B.l, B.b - B.s)
  elseif op == 'lower' then
    -- Leased units may be spent and so already in the provider's count: lower what Redis holds to
    -- what is left, not that less every lease (which would count spent units twice).
    B.l = math.min(B.l, tonumber(value))
  end
  save(B)
end
return 1
`;

/**
 * PAUSE: a rate-limit pause of `ARGV[1]` ms for every process, unless a longer one is on.
 * KEYS[1] prefix; ARGV[2] the reason.
 */
export const PAUSE = `
local P = KEYS[1]
local ms = tonumber(ARGV[1])
if redis.call('PTTL', P .. 'pause') < ms then
  redis.call('SET', P .. 'pause', ARGV[2], 'PX', ms)
  redis.call('PUBLISH', P .. 'events', 'pause ' .. ARGV[1] .. ' ' .. ARGV[2])
end
return 1
`;

/**
 * STATE: what a joining process reads: every bucket's shape and the pause left. KEYS[1] prefix.
 * Returns { pauseMs, pauseReason, then per bucket slot, perMinute, burst }.
 */
export const STATE = `
local P = KEYS[1]
local out = { tostring(redis.call('PTTL', P .. 'pause')), redis.call('GET', P .. 'pause') or '' }
for _, slot in ipairs(redis.call('SMEMBERS', P .. 'buckets')) do
  local v = redis.call('HMGET', P .. 'b:' .. slot, 'p', 'b')
  if v[1] then
    table.insert(out, slot)
    table.insert(out, v[1])
    table.insert(out, v[2])
  end
end
return out
`;
