-- wrk script for bench/soak.sh: a mixed load of authenticated requests, about 70 % reads
-- (balance, own profile, transaction history, service listings) and 30 % writes (1-unit
-- SEL payments around a ring of members, so balances stay far from the limits).
-- The members file (SOAK_MEMBERS) has one "token id" line per member.
local members = {}
local counter = 0 -- requests of this thread
local paid = 0   -- payments of this thread: payment k goes from member k to member k+1

local function load_members()
  local path = os.getenv("SOAK_MEMBERS")
  local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in f:lines() do
    local token, id = line:match("^(%S+)%s+(%S+)$")
    if token then members[#members + 1] = {token = token, id = id} end
  end
  f:close()
  assert(#members >= 2, "need at least two members")
end

local next_thread = 0
function setup(thread)
  thread:set("offset", next_thread * 7919)
  next_thread = next_thread + 1
end

function init(args)
  load_members()
  counter = offset or 0
  paid = offset or 0
end

local reads = {
  "/api/v1/sel/balance",
  "/api/v1/users/me",
  "/api/v1/sel/transactions?limit=20",
  "/api/v1/sel/services?limit=20",
}

function request()
  counter = counter + 1
  local n = #members
  local me = members[counter % n + 1]
  local auth = "Bearer " .. me.token
  if counter % 10 < 3 then
    -- Its own counter: every member pays as often as it is paid, whatever the mix.
    paid = paid + 1
    local payer = members[paid % n + 1]
    local payee = members[(paid + 1) % n + 1]
    return wrk.format("POST", "/api/v1/sel/transactions",
      {["Authorization"] = "Bearer " .. payer.token, ["Content-Type"] = "application/json"},
      '{"to_user_id":"' .. payee.id .. '","units":1,"description":"soak"}')
  end
  return wrk.format("GET", reads[counter % #reads + 1], {["Authorization"] = auth})
end

-- One machine-readable line per run: bench/soak.sh prints it as a table row.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "SOAK requests=%d seconds=%.2f non2xx=%d connect=%d read=%d write=%d timeout=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, summary.duration / 1e6, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
