-- wrk run of GET {path with {id}} at random ids that also logs each response's own latency
-- (send and done, monotonic µs) to the file args[3], paired by the id the body names
-- ("id": "...-N"); for bench/wrk-raw.mjs. Needs wrk built with LuaJIT (ffi).
local ffi = require("ffi")
ffi.cdef([[ typedef struct { long s; long ns; } pl_tspec; int clock_gettime(int, pl_tspec*); ]])
local ts = ffi.new("pl_tspec")
local function now()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.s) * 1e6 + tonumber(ts.ns) / 1e3
end
local before, after, maxId, out, sent = nil, nil, 0, nil, {}

function init(args)
  before, after = string.match(args[1], "^(.*){id}(.*)$")
  maxId = tonumber(args[2])
  out = io.open(args[3], "w")
  math.randomseed(os.time() + tonumber(string.sub(tostring({}), -6), 16))
end

function request()
  local id = math.random(0, maxId - 1)
  sent[id] = now()
  return wrk.format("GET", before .. id .. after)
end

function response(status, headers, body)
  local id = tonumber(string.match(body, '"id": ?"[^"]-%-(%d+)"'))
  if id and sent[id] then
    out:write(string.format("%.0f %.0f\n", sent[id], now()))
    sent[id] = nil
  end
end

function done(summary, latency, requests)
  io.write(string.format('\nWRK-REPORTED {"requests":%d,"durationUs":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, latency:percentile(99), latency.max))
end
