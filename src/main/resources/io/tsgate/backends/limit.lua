-- tsgate's rate-limit algorithm for the redis backend: check every rule, then count, all or nothing.
-- Runs atomically in Redis, so replicas sharing one Redis enforce one limit together.
--
-- KEYS[1]  the tenant's key prefix, "{tsgate:<account>:<project>}". Every key this script touches starts with it,
--          so all of a tenant's keys share one Redis Cluster hash slot (hash tag) and multi-key PFCOUNT works there.
-- ARGV     n (1 for a query, the row count for a write), now (epoch seconds), rule count R,
--          then R triples (type, resolution seconds, limit), then the series hashes of a write.
-- Returns  {allowed 0|1, type, limit, remaining, reset seconds, active series, new series this minute,
--          new series this hour}; type "" and limit -1 when no rule applied; a series count is -1 when no rule
--          of that kind was checked.
--
-- Keys: <p>:c:<type>:<res>:<window>  counter of the epoch-aligned window (expires after the window)
--       <p>:s:<minute>               HyperLogLog of the series written in that minute (kept two hours)
--       <p>:tmp                      scratch HyperLogLog, deleted before the script returns
local p = KEYS[1]
local n = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local rc = tonumber(ARGV[3])
local minute = math.floor(now / 60)
local first_hash = 4 + rc * 3
local nhashes = #ARGV - first_hash + 1
local tmp = p .. ':tmp'

local function add_hashes(key)
  if nhashes <= 0 then
    redis.call('PFADD', key)
    return
  end
  local i = first_hash
  while i <= #ARGV do
    local j = math.min(i + 999, #ARGV)
    redis.call('PFADD', key, unpack(ARGV, i, j))
    i = j + 1
  end
end

local function slots(from, to)
  local keys = {}
  for m = from, to do
    keys[#keys + 1] = p .. ':s:' .. m
  end
  return keys
end

-- Distinct series in the given minute slots plus this write's series.
local function count_with_batch(keys)
  redis.call('DEL', tmp)
  add_hashes(tmp)
  keys[#keys + 1] = tmp
  return redis.call('PFCOUNT', unpack(keys))
end

local counters = {}
local series = false
local best = nil
local estimates = {-1, -1, -1}
local function result(r)
  r[6] = estimates[1]
  r[7] = estimates[2]
  r[8] = estimates[3]
  return r
end
for i = 0, rc - 1 do
  local t = ARGV[4 + i * 3]
  local res = tonumber(ARGV[5 + i * 3])
  local limit = tonumber(ARGV[6 + i * 3])
  local reset = res - (now % res)
  local used
  if t == 'queries' or t == 'rows_inserted' then
    local key = p .. ':c:' .. t .. ':' .. res .. ':' .. math.floor(now / res)
    used = tonumber(redis.call('GET', key) or '0') + n
    counters[#counters + 1] = {key, res}
  elseif t == 'active_series' then
    used = count_with_batch(slots(minute - 59, minute))
    reset = 60 - (now % 60)
    series = true
    estimates[1] = used
  else
    -- new_series: |window ∪ hour before| - |hour before|
    local window_start = math.floor(now / res) * res / 60
    local before = redis.call('PFCOUNT', unpack(slots(window_start - 60, window_start - 1)))
    used = count_with_batch(slots(window_start - 60, minute)) - before
    if used < 0 then
      used = 0
    end
    series = true
    if res == 60 then
      estimates[2] = used
    else
      estimates[3] = used
    end
  end
  if used > limit then
    redis.call('DEL', tmp)
    return result({0, t, limit, 0, reset})
  end
  if best == nil or limit - used < best[4] then
    best = {1, t, limit, limit - used, reset}
  end
end
redis.call('DEL', tmp)
for _, c in ipairs(counters) do
  redis.call('INCRBY', c[1], n)
  redis.call('EXPIRE', c[1], c[2] + 60)
end
if series and nhashes > 0 then
  local key = p .. ':s:' .. minute
  add_hashes(key)
  redis.call('EXPIRE', key, 7260)
end
if best == nil then
  return result({1, '', -1, -1, 0})
end
return result(best)
