-- wrk counts a 302 as a success; this script counts every response that is not a 200
-- whose body holds the expected text, so a bench cannot pass on redirects.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  expected = args[1] or "ok"
  bad = 0
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, expected, 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("BAD %d\n", total))
end
