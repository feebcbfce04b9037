-- SPDX-License-Identifier: GPL-2.0-or-later
-- wrk script for scripts/bench's API part: every request is a PowerDNS API v1 RRset PATCH
-- (changetype REPLACE) of one TXT RRset in a secured zone, with new content each time, so each
-- request is a real change that the server signs and commits.
-- Environment: API_ZONE (the zone, with the final dot), API_KEY (the X-API-Key value),
-- API_TAG (text put into the TXT content, so the runs of the two servers differ).
local zone = os.getenv("API_ZONE")
local tag = os.getenv("API_TAG") or "bench"
local n = 0

wrk.method = "PATCH"
wrk.path = "/api/v1/servers/localhost/zones/" .. zone
wrk.headers["X-API-Key"] = os.getenv("API_KEY")
wrk.headers["Content-Type"] = "application/json"

request = function()
  n = n + 1
  local body = string.format(
    '{"rrsets":[{"name":"w.%s","type":"TXT","ttl":300,"changetype":"REPLACE",' ..
      '"records":[{"content":"\\"%s %d\\"","disabled":false}]}]}', zone, tag, n)
  return wrk.format(nil, nil, nil, body)
end
