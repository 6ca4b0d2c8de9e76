-- wrk script: respondents autosaving answers. Each request PUTs one answer
-- of one invitation, cycling through the tokens in bench/data/tokens.txt
-- and the items in bench/data/items.txt, with answers 1..5.
local tokens, items = {}, {}
for line in io.lines(os.getenv("SIMM_BENCH_TOKENS")) do tokens[#tokens + 1] = line end
for line in io.lines(os.getenv("SIMM_BENCH_ITEMS")) do items[#items + 1] = line end

local counter = 0
function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end

local n = 0
function request()
  n = n + 1
  local i = offset + n
  local token = tokens[(i % #tokens) + 1]
  local item = items[(math.floor(i / #tokens) % #items) + 1]
  local body = '{"value":' .. ((i % 5) + 1) .. '}'
  return wrk.format("PUT", "/api/v1/r/" .. token .. "/answers/" .. item,
    { ["Content-Type"] = "application/json" }, body)
end

local failures = 0
function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx: %d\n", summary.errors.status))
end
