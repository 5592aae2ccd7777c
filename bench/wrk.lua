-- The wrk side of bench/load.mjs: requests from a file that load.mjs writes (one JSON body
-- per line for POST kinds), or GETs of random ids; at the end one JSON line on stdout with
-- the counts and latency percentiles (microseconds), which load.mjs turns into its report.
local cfg = {}

function init(args)
  cfg.kind = args[1]
  cfg.path = args[2]
  cfg.bodies = {}
  if cfg.kind == "get" then
    cfg.maxId = tonumber(args[3])
    cfg.before, cfg.after = string.match(cfg.path, "^(.*){id}(.*)$")
    math.randomseed(os.time() + tonumber(string.sub(tostring({}), -6), 16))
  else
    for line in io.lines(args[3]) do
      cfg.bodies[#cfg.bodies + 1] = wrk.format("POST", cfg.path, nil, line)
    end
    cfg.next = math.random(#cfg.bodies)
  end
end

function request()
  if cfg.kind == "get" then
    return wrk.format("GET", cfg.before .. math.random(0, cfg.maxId - 1) .. cfg.after)
  end
  cfg.next = cfg.next % #cfg.bodies + 1
  return cfg.bodies[cfg.next]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nWRK-RESULT {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,' ..
      '"status":%d,"timeout":%d,"p50":%d,"p99":%d,"mean":%f,"max":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
