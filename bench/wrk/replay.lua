-- Replays the requests listed in a file, one per line: METHOD<TAB>PATH<TAB>COOKIE<TAB>BODY
-- (BODY is a url-encoded form, only for POST). Usage:
--   wrk -t2 -c16 -d10s --latency -s replay.lua http://127.0.0.1:PORT -- FILE 2
-- Thread k of n takes lines k, k+n, k+2n... in order and starts again at the end, so a
-- one-time token (a quiz attempt) is sent once as long as the file is long enough.
-- A file shorter than the number of threads is replayed whole by every thread.
local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
end

local function format(line)
  local method, target, cookie, body = line:match("^(%u+)\t([^\t]*)\t([^\t]*)\t?(.*)$")
  local headers = {}
  if cookie ~= "" then headers["Cookie"] = cookie end
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  else
    body = nil
  end
  return wrk.format(method, target, headers, body)
end

function init(args)
  local path, threads = args[1], tonumber(args[2])
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = line end
  if #lines < threads then threads, id = 1, 0 end
  requests, index = {}, 0
  for n = id + 1, #lines, threads do requests[#requests + 1] = format(lines[n]) end
  if #requests == 0 then error("no requests in " .. path) end
end

function request()
  index = index % #requests + 1
  return requests[index]
end
