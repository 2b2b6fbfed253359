-- wrk script for the write scenario of scripts/bench.sh: every request is a 1-unit SEL payment around a
-- ring of members (member i pays member i+1), so balances stay far from the limits.
-- The members file (SEL_BENCH_MEMBERS) has one "token id" line per member.
local members = {}
local counter = 0
created, refused = 0, 0 -- globals: done() reads them with thread:get()

local function load_members()
  local path = os.getenv("SEL_BENCH_MEMBERS")
  local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in f:lines() do
    local token, id = line:match("^(%S+)%s+(%S+)$")
    if token then members[#members + 1] = {token = token, id = id} end
  end
  f:close()
  assert(#members >= 2, "need at least two members")
end

local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("offset", next_thread * 7919)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

function init(args)
  load_members()
  counter = offset or 0
  wrk.method = "POST"
  wrk.path = "/api/v1/sel/transactions"
end

function request()
  counter = counter + 1
  local n = #members
  local payer = members[counter % n + 1]
  local payee = members[(counter + 1) % n + 1]
  local body = '{"to_user_id":"' .. payee.id .. '","units":1,"description":"bench"}'
  return wrk.format("POST", "/api/v1/sel/transactions", {
    ["Authorization"] = "Bearer " .. payer.token,
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else refused = refused + 1 end
end

function done(summary, latency, requests)
  local c, r = 0, 0
  for _, t in ipairs(threads) do
    c = c + (t:get("created") or 0)
    r = r + (t:get("refused") or 0)
  end
  io.write(string.format("SEL_BENCH created=%d other=%d seconds=%.2f p50_ms=%.2f p99_ms=%.2f\n",
    c, r, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3))
end
