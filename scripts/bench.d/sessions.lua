-- check.lua with a random session per request: the cookie values are read from a file (one a
-- line) and each request carries one of them, picked uniformly at random. The requests are
-- formatted once in init (same headers as wrk's own request, Host included), so request()
-- only picks one.
-- With "sequential" as the fourth argument, the cookies are sent in the file's order instead
-- (to warm a cache with every session once).
--   wrk ... -s scripts/bench.d/sessions.lua URL -- EXPECTED COOKIE_FILE [COOKIE_NAME [sequential]]
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "check.lua")  -- setup, response, done, and init for the expected body

local check_init = init
function init(args)
  check_init(args)
  local name = args[3] or "__Host-sso"
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  requests = {}
  for line in io.lines(args[2]) do
    if line ~= "" then
      headers["Cookie"] = name .. "=" .. line
      requests[#requests + 1] = wrk.format(nil, nil, headers)
    end
  end
  if #requests == 0 then error("no cookies in " .. tostring(args[2])) end
  math.randomseed(os.time())
  sequential = args[4] == "sequential"
  next_request = 0
end

function request()
  if sequential then
    next_request = next_request % #requests + 1
    return requests[next_request]
  end
  return requests[math.random(#requests)]
end
