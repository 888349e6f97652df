"""Flask glue: app state accessor, tokens and roles, security headers, rate limits, request log, server."""
