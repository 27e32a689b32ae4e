-- wrk script of the benchmark harness (driven by bench/load.py).
--
-- Usage: wrk ... -s bench/wrk/requests.lua URL -- REQUESTS_FILE
-- REQUESTS_FILE has one request a line: METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY
-- (TOKEN and BODY may be empty). Each connection cycles through the lines,
-- starting at a different one. At the end one line is printed:
--   BENCH_JSON {...}
-- with the request count, the socket and status errors, latency percentiles
-- (microseconds) and how many answers said X-Cache: MISS.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local requests = {}
local position = 0
misses = 0
statuses = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method == nil then
      error("bad request line: " .. line)
    end
    local headers = {}
    if token ~= "" then
      headers["Authorization"] = "Bearer " .. token
    end
    if body ~= "" then
      headers["Content-Type"] = "application/json"
    else
      body = nil
    end
    table.insert(requests, wrk.format(method, path, headers, body))
  end
  file:close()
  position = math.random(#requests) - 1
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function response(status, headers, body)
  if status >= 400 then
    statuses = statuses + 1
  end
  local cache = headers["x-cache"] or headers["X-Cache"]
  if cache == "MISS" then
    misses = misses + 1
  end
end

function done(summary, latency, requests_)
  local total_misses, total_statuses = 0, 0
  for _, thread in ipairs(threads) do
    total_misses = total_misses + (thread:get("misses") or 0)
    total_statuses = total_statuses + (thread:get("statuses") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
    '"cache_misses": %d, "status_errors_seen": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, total_misses, total_statuses))
end
