-- wrk script: every request polls one of the prepared checkout links, as htmx does.
local paths = {}

function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    paths[#paths + 1] = line
  end
  math.randomseed(os.time())
end

function request()
  local path = paths[math.random(#paths)]
  return wrk.format("GET", path, {["HX-Request"] = "true", ["Accept-Language"] = "id"})
end
