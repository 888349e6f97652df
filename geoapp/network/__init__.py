"""Road network: graph building, per-edge exposure, path search and route lookups."""
