-- wrk script for scripts/bench-ui: each request asks for a register page of 50 at a random
-- offset, so the store's page cache cannot answer it (20,000 suppliers give 400 pages, more
-- than the cache keeps, and a random one each time).
-- Usage: wrk -s scripts/bench-ui-random.lua ... http://ADDR/suppliers
-- The number of suppliers comes from the environment (BENCH_SUPPLIERS, default 20000).
local n = tonumber(os.getenv("BENCH_SUPPLIERS") or "20000")

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  local offset = 50 * math.random(0, math.max(math.floor((n - 1) / 50), 0))
  return wrk.format(nil, wrk.path .. "?offset=" .. offset)
end
