-- wrk script for bench/callback.py: serve pre-generated signed WeChat callbacks, each sent once.
--
-- Usage: wrk ... -s callback_wrk.lua URL -- REQUESTS_FILE THREADS
-- REQUESTS_FILE has one request a line: "<path?query>\t<body>". Thread k (0-based) takes the
-- lines whose index is k modulo THREADS, so no message is sent twice. A thread that runs out
-- sends a request to an unknown path instead (a 404, so the run is reported as broken) rather
-- than repeat a message.
-- done() prints one line "BENCH_JSON {...}" that bench/callback.py reads.

local threads = {}
local created = 0

function setup(thread)
   thread:set("tid", created)
   created = created + 1
   table.insert(threads, thread)
end

-- Per-thread state (globals so that done() can read them with thread:get).
sent = 0
exhausted = 0
local requests = {}
local count = 0
local verify_pending = false
local exhausted_request = nil

function init(args)
   local file, nthreads = args[1], tonumber(args[2])
   local headers = { ["Content-Type"] = "text/xml" }
   local k = 0
   for line in io.lines(file) do
      if k % nthreads == tid then
         local tab = line:find("\t", 1, true)
         count = count + 1
         requests[count] = wrk.format("POST", line:sub(1, tab - 1), headers, line:sub(tab + 1))
      end
      k = k + 1
   end
   exhausted_request = wrk.format("POST", "/__bench_requests_exhausted__/", headers, "")
   -- wrk calls request() once on its first thread to check that the request parses, before any
   -- connection is open: answer that call without using up a message.
   verify_pending = (tid == 0)
end

function request()
   if verify_pending then
      verify_pending = false
      return requests[1] or exhausted_request
   end
   if sent >= count then
      exhausted = exhausted + 1
      return exhausted_request
   end
   sent = sent + 1
   return requests[sent]
end

function done(summary, latency, _requests)
   local total_sent, total_exhausted = 0, 0
   for _, thread in ipairs(threads) do
      total_sent = total_sent + thread:get("sent")
      total_exhausted = total_exhausted + thread:get("exhausted")
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "status_errors": %d, "connect_errors": %d, '
         .. '"read_errors": %d, "write_errors": %d, "timeouts": %d, "sent": %d, "exhausted": %d, '
         .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
      summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
      total_sent, total_exhausted, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean
   ))
end
