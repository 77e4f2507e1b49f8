-- The one write path of the feed: every document, checkpoint and event of one account's batch is
-- written here, atomically, after checking the writer's owner epoch (fencing token). A writer
-- whose epoch is not the account's current one is refused and writes nothing.
--
-- KEYS[1]  the account's epoch key
-- KEYS[2]  the partition's event stream
-- KEYS[3]  the partition's wake-up channel name (published to, not stored)
-- KEYS[4..] keys named by index in the manifest
-- ARGV[1]  the writer's epoch (decimal)
-- ARGV[2]  the manifest: JSON array of operations, every value a string
--          {"o":"set","k":i,"v":j}        SET KEYS[i] ARGV[j]
--          {"o":"hset","k":i,"f":F,"v":V}  HSET KEYS[i] F V
--          {"o":"hdel","k":i,"f":F}        HDEL KEYS[i] F
--          {"o":"once","k":i,"f":F,"v":V,"n":N}  HSETNX KEYS[i] F V; if F was already set, skip the
--                                          next N operations (a message already mirrored is not
--                                          written or announced twice)
--          {"o":"zadd","k":i,"s":S,"m":M}  ZADD KEYS[i] S M
--          {"o":"zrem","k":i,"m":M}        ZREM KEYS[i] M
--          {"o":"del","k":i}               DEL KEYS[i]
--          {"o":"xadd","id":ID,"t":T,"a":A,"v":j}  XADD KEYS[2] * id ID type T account A event ARGV[j]
-- ARGV[3..] documents (JSON) referenced by the manifest
-- Returns the stream entry ids of the events, in order.
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then
  return redis.error_reply('STALE_EPOCH account epoch is ' .. tostring(current) .. ', writer has ' .. ARGV[1])
end
local ops = cjson.decode(ARGV[2])
local ids = {}
local skip = 0
for _, op in ipairs(ops) do
  local o = op.o
  if skip > 0 then
    skip = skip - 1
  elseif o == 'once' then
    if redis.call('HSETNX', KEYS[op.k], op.f, op.v) == 0 then
      skip = tonumber(op.n)
    end
  elseif o == 'set' then
    redis.call('SET', KEYS[op.k], ARGV[op.v])
  elseif o == 'hset' then
    redis.call('HSET', KEYS[op.k], op.f, op.v)
  elseif o == 'hdel' then
    redis.call('HDEL', KEYS[op.k], op.f)
  elseif o == 'zadd' then
    redis.call('ZADD', KEYS[op.k], op.s, op.m)
  elseif o == 'zrem' then
    redis.call('ZREM', KEYS[op.k], op.m)
  elseif o == 'del' then
    redis.call('DEL', KEYS[op.k])
  elseif o == 'xadd' then
    ids[#ids + 1] = redis.call('XADD', KEYS[2], '*', 'id', op.id, 'type', op.t, 'account', op.a, 'event', ARGV[op.v])
  else
    return redis.error_reply('BAD_OP ' .. tostring(o))
  end
end
if #ids > 0 then
  redis.call('PUBLISH', KEYS[3], ids[#ids])
end
return ids
