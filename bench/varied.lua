-- wrk script (bench/crowd.py): each request a different URL, read from the file CROWD_URLS, one per line.
-- Thread n of N starts at the n-th Nth of the list, so that no two threads ask for the same URL together.
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local paths = {}
local i = 0
function init(args)
  for line in io.lines(os.getenv("CROWD_URLS")) do
    paths[#paths + 1] = line
  end
  i = math.floor(id * #paths / tonumber(os.getenv("CROWD_THREADS")))
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "br" })
end
