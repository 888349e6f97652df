"""The ``geoapp`` command: validate the data, serve with gunicorn, and Flask's own commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup

from .errors import GeoappError


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """haiti-access: humanitarian access and displacement map service."""


@main.command("validate")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of layer files (default: the configured data_dir).")
def validate_command(data_dir: Path | None) -> None:
    """Check every layer file and build the road graph, without serving."""
    from .dataset import build_dataset
    from .settings import Settings
    from .store import DirectoryStore

    try:
        settings = Settings.from_env(overrides={"data_dir": data_dir} if data_dir else None)
        layers = DirectoryStore(settings.data_dir).load()
        data = build_dataset(layers, settings)
    except GeoappError as exc:
        click.echo(f"invalid data in {data_dir or 'the data folder'}:\n{exc.message}", err=True)
        sys.exit(1)
    for name, frame in layers.items():
        click.echo(f"{name}: {len(frame)} features, as of {data.as_of[name]}")
    graph = data.router.graph
    click.echo(f"road graph: {graph.n_nodes} nodes, {graph.n_edges} edges")
    click.echo("ok")


@main.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="$HOST or 127.0.0.1")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "8000")), show_default="$PORT or 8000")
@click.option("--workers", type=int, default=lambda: int(os.environ.get("WEB_CONCURRENCY", "2")),
              show_default="$WEB_CONCURRENCY or 2")
@click.option("--threads", type=int, default=4, show_default=True)
def serve_command(host: str, port: int, workers: int, threads: int) -> None:
    """Serve with gunicorn; the app (layers and graph) is built once, before the workers fork."""
    from .server import serve

    serve(host=host, port=port, workers=workers, threads=threads)
