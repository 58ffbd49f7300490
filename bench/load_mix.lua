-- wrk script for bench/load_test.sh: cycles through a mixed list of requests and checks
-- every response's status against the one expected for its request.
--
-- Environment:
--   LOAD_MIX_REQUESTS  the request list, one "STATUS PATH" a line (PATH already URL-encoded),
--                      e.g. "200 /api/search?q=go%20pprof&page=2" or "400 /api/search?page=0"
--   LOAD_MIX_RESULT    where done() writes its figures, one "key value" a line
--
-- Which request a response answers: wrk keeps many connections per thread and calls
-- response() without saying which one, so each request carries
-- "X-Request-Id: lt-STATUS-LINE", which the server echoes. A response whose status is not
-- the one its id names (any 5xx, a 4xx to a request that should succeed, a 200 to one that
-- should fail) or that has no such id counts as unexpected. Socket errors (connect, read,
-- write, timeout) are wrk's own counters, reported by done().

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local requests = {}
local count = 0
local position = 0

function init(args)
  local list = os.getenv("LOAD_MIX_REQUESTS")
  local line_no = 0
  for line in io.lines(list) do
    line_no = line_no + 1
    local status, path = line:match("^(%d+) (%S+)$")
    if status then
      count = count + 1
      requests[count] = wrk.format("GET", path,
                                   { ["X-Request-Id"] = "lt-" .. status .. "-" .. line_no })
    end
  end
  if count == 0 then error("no requests in " .. tostring(list)) end
  -- Threads start at different places of the list.
  position = ((thread_id - 1) * math.floor(count / 2)) % count
  -- Per-thread counters, read by done() through thread:get().
  responses = 0
  expected_ok = 0       -- 2xx/3xx where one was expected
  expected_error = 0    -- 4xx where that 4xx was expected (bad requests)
  unexpected = 0
  unexpected_by = {}    -- "STATUS LINE" -> count (LINE "?" when the id is missing)
end

function request()
  position = position % count + 1
  return requests[position]
end

function response(status, headers, body)
  responses = responses + 1
  local id = headers["X-Request-Id"] or headers["x-request-id"] or headers["X-Request-ID"]
  local want, line_no
  if id then want, line_no = id:match("^lt%-(%d+)%-(%d+)$") end
  if want and tonumber(want) == status then
    if status >= 400 then expected_error = expected_error + 1 else expected_ok = expected_ok + 1 end
    return
  end
  unexpected = unexpected + 1
  local key = status .. " " .. (line_no or "?")
  unexpected_by[key] = (unexpected_by[key] or 0) + 1
end

function done(summary, latency, requests)
  local totals = { responses = 0, expected_ok = 0, expected_error = 0, unexpected = 0 }
  local by = {}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do totals[name] = totals[name] + (thread:get(name) or 0) end
    for key, n in pairs(thread:get("unexpected_by") or {}) do by[key] = (by[key] or 0) + n end
  end
  local out = assert(io.open(os.getenv("LOAD_MIX_RESULT"), "w"))
  local function put(key, value) out:write(key, " ", tostring(value), "\n") end
  put("requests", summary.requests)
  put("duration_us", summary.duration)
  put("bytes", summary.bytes)
  put("errors_connect", summary.errors.connect)
  put("errors_read", summary.errors.read)
  put("errors_write", summary.errors.write)
  put("errors_timeout", summary.errors.timeout)
  put("wrk_non_2xx_3xx", summary.errors.status)
  for name, n in pairs(totals) do put(name, n) end
  put("latency_p50_us", latency:percentile(50))
  put("latency_p90_us", latency:percentile(90))
  put("latency_p99_us", latency:percentile(99))
  put("latency_max_us", latency.max)
  put("latency_mean_us", string.format("%.0f", latency.mean))
  for key, n in pairs(by) do put("unexpected_status " .. key, n) end
  out:close()
end
