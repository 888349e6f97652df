-- The shortest path by length: every way is drivable, the weight of a segment is its length in
-- metres (rate 1 per metre), no turn costs; oneway=yes is kept.  Used by bench/peers_engines.py so
-- that OSRM solves the same problem as the project's router and Valhalla's shortest=true.

api_version = 4

function setup()
  return {
    properties = {
      weight_name                   = 'distance',
      weight_precision              = 2,
      max_speed_for_map_matching    = 180/3.6,
      continue_straight_at_waypoint = false,
      use_turn_restrictions         = false,
      u_turn_penalty                = 0,
      traffic_signal_penalty        = 0,
    },
    default_speed = 50,
  }
end

function process_node(profile, node, result)
end

function process_way(profile, way, result)
  if not way:get_value_by_key("highway") then
    return
  end
  result.forward_mode = mode.driving
  result.backward_mode = mode.driving
  result.forward_speed = profile.default_speed
  result.backward_speed = profile.default_speed
  result.forward_rate = 1
  result.backward_rate = 1
  local oneway = way:get_value_by_key("oneway")
  if oneway == "yes" or oneway == "1" or oneway == "true" then
    result.backward_mode = mode.inaccessible
  elseif oneway == "-1" then
    result.forward_mode = mode.inaccessible
  end
end

function process_turn(profile, turn)
  turn.weight = 0
  turn.duration = 0
end

return {
  setup = setup,
  process_way = process_way,
  process_node = process_node,
  process_turn = process_turn
}
