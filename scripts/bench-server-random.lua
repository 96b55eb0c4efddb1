-- wrk script for scripts/bench-server: each request asks for a page of 100 at a random offset,
-- so a page cache cannot answer it (20,000 suppliers give 19,901 distinct pages).
-- Usage: wrk -s scripts/bench-server-random.lua ... http://ADDR/api/v1/suppliers
-- The number of suppliers comes from the environment (BENCH_SUPPLIERS, default 20000).
local n = tonumber(os.getenv("BENCH_SUPPLIERS") or "20000")

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  local offset = math.random(0, math.max(n - 100, 0))
  return wrk.format(nil, wrk.path .. "?limit=100&offset=" .. offset)
end
