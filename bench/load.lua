-- wrk script for bench/load.py: rotate through pre-generated request paths.
-- LOAD_PATHS names a file of paths, one a line; each thread starts at its own offset.
-- LOAD_MAX_REQUESTS bounds the requests of the whole run (shared out among threads).
-- done() prints one line "LOAD_RESULT {json}" for load.py to read.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(os.getenv("LOAD_PATHS")) do
    if #line > 0 then table.insert(paths, line) end
  end
  position = math.floor(id * #paths / math.max(counter, 1))
  limit = math.ceil(tonumber(os.getenv("LOAD_MAX_REQUESTS")) / math.max(counter, 1))
  sent = 0
  received = 0
end

function request()
  position = position % #paths + 1
  sent = sent + 1
  return wrk.format("GET", paths[position])
end

function response(status, headers, body)
  received = received + 1
  if received >= limit then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOAD_RESULT {"requests": %d, "seconds": %.3f, "bytes": %d, "p50_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration / 1e6, summary.bytes,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
