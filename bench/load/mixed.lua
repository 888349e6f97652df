-- wrk script: a planner-like mix. Route lookups between real places, point checks, downloads, pages.
-- LOAD_ONLY=route: route lookups alone.  LOAD_DISTINCT=1: every route lookup is a new question (both
-- ends moved at random up to about 1 km from the place, to 1e-5 degree), so no answer is ever sent from
-- the answer cache; without it the 15 places make 225 pairs, asked again and again as planners do.
local places = {
  "-72.2853,18.5125", "-72.5369,18.2357", "-72.6334,18.5111", "-73.7495,18.1920", "-72.1981,19.7594",
  "-72.3388,18.5435", "-72.2262,18.5768", "-72.8652,18.4312", "-73.0896,18.4460", "-72.7008,19.1114",
  "-72.3229,18.2317", "-72.2840,18.4477", "-72.0119,19.1409", "-72.6893,19.4475", "-74.1167,18.6500",
}
local only = os.getenv("LOAD_ONLY")
local distinct = os.getenv("LOAD_DISTINCT") == "1"

-- each wrk thread draws its own sequence (the same seed in every thread would send the same questions twice)
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  math.randomseed(20261123 + (id or 0))
end

local function pick() return places[math.random(#places)] end

local function moved(place)
  local lon, lat = place:match("([^,]+),([^,]+)")
  return string.format("%.5f,%.5f", tonumber(lon) + (math.random() - 0.5) * 0.02,
                       tonumber(lat) + (math.random() - 0.5) * 0.02)
end

local function route_pair()
  if distinct then return moved(pick()), moved(pick()) end
  return pick(), pick()
end

request = function()
  local r = math.random(100)
  if only == "route" or r <= 50 then
    local from, to = route_pair()
    return wrk.format("GET", "/api/route?from=" .. from .. "&to=" .. to)
  elseif r <= 70 then
    return wrk.format("GET", "/api/safety?at=" .. pick())
  elseif r <= 85 then
    local layers = {"/api/layers/ports.geojson", "/ogcapi/collections/roads/items?limit=100",
                    "/ogcapi/collections/gang_zones/items?f=csv"}
    return wrk.format("GET", layers[math.random(#layers)])
  else
    local pages = {"/", "/route?from=-72.2853,18.5125&to=-72.5369,18.2357", "/access?from=pt-jacmel-seaport"}
    return wrk.format("GET", pages[math.random(#pages)])
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("requests: %d in %.1f s = %.1f req/s; latency p50 %.1f ms, p99 %.1f ms; errors: %d " ..
    "(non-2xx/3xx %d, timeouts %d)\n", summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors, summary.errors.status, summary.errors.timeout))
end
