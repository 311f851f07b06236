-- wrk script for `manage.py bench_load`: each request carries one of the logged-in session cookies
-- from RIEC_BENCH_SESSIONS (comma-separated session keys), so 20 connections act as 20 users.
-- Counts every answer that is not 200 (a 302 to the login page would mean the session was refused)
-- and prints one machine-readable line with p50/p95/p99, requests per second and errors.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  sessions = {}
  for key in string.gmatch(os.getenv("RIEC_BENCH_SESSIONS") or "", "[^,]+") do
    table.insert(sessions, key)
  end
  counter = 0
  non200 = 0
end

function request()
  counter = counter + 1
  local headers = { ["Host"] = "127.0.0.1" }
  if #sessions > 0 then
    -- Threads start at different sessions so that no two connections share one.
    headers["Cookie"] = "sessionid=" .. sessions[((counter + (thread_id or 0) * 10) % #sessions) + 1]
  end
  return wrk.format("GET", wrk.path, headers)
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local non200_total = 0
  for _, thread in ipairs(threads) do
    non200_total = non200_total + (thread:get("non200") or 0)
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f non200=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, non200_total, socket_errors))
end
