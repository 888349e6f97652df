"""WSGI entry point for gunicorn and other servers: ``gunicorn wsgi:app``."""

from geoapp import create_app

app = create_app()
