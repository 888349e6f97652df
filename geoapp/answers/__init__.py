"""Answers to planners' questions as plain dicts: routes, point checks, access and what-if, displacement."""
