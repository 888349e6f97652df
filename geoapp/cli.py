"""The ``geoapp`` command: validate the data, serve with gunicorn, and Flask's own commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import FlaskGroup

from .errors import GeoappError
from .i18n.translate import _, decimal, integer, language_from_environment, ngettext, pick_language, set_language

if TYPE_CHECKING:
    from .store import Store


def _create_app():
    from . import create_app

    return create_app()


def _settings():
    """The settings from the environment, applied to the process (the maritime margin of checks)."""
    from . import extent
    from .settings import Settings

    settings = Settings.from_env()
    extent.set_margin(settings.maritime_margin_m)
    return settings


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
@click.option("--lang", default=None, help="Language of the messages: en, fr or ht (default: from LANGUAGE, LC_ALL, "
              "LC_MESSAGES or LANG; else English).")
def main(lang: str | None) -> None:
    """haiti-access: humanitarian access and displacement map service."""
    set_language(pick_language(lang) if lang else language_from_environment(os.environ))


@main.command("validate")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of layer files (default: the configured data_dir).")
def validate_command(data_dir: Path | None) -> None:
    """Check every layer file and build the road graph, without serving."""
    from .data.dataset import build_dataset
    from .links import check_links
    from .store import DirectoryStore, make_store

    try:
        settings = _settings()
        store = DirectoryStore(data_dir) if data_dir else make_store(settings)
        layers = store.load()
        check_links(layers, metric_crs=settings.metric_crs)
        data = build_dataset(layers, settings)
    except GeoappError as exc:
        click.echo(_("invalid data in %(where)s:\n%(problems)s", where=data_dir or _("the data folder"),
                     problems=exc.message), err=True)
        sys.exit(1)
    for name, frame in layers.items():
        click.echo(_("%(layer)s: %(count)s features, as of %(date)s", layer=name, count=len(frame),
                     date=data.as_of[name]))
    graph = data.router.graph
    click.echo(_("road graph: %(nodes)s nodes, %(edges)s edges", nodes=graph.n_nodes, edges=graph.n_edges))
    click.echo(_("ok"))


@main.command("import-osm")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--status-from", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Roads layer whose dangerous/blocked/closed statuses are carried over (default: the current roads).")
@click.option("--match-tolerance", type=float, default=300.0, show_default=True,
              help="How far (m) an imported road may lie from a status road and still match it.")
@click.option("--dry-run", is_flag=True, help="Read and report, but store nothing.")
def import_osm_command(file: Path, status_from: Path | None, match_tolerance: float, dry_run: bool) -> None:
    """Replace the roads layer with the drivable roads of an OSM extract (.osm.pbf or .osm).

    Statuses of the current (or given) roads layer are carried onto the new roads by geometry.
    The road graph's strongly connected components are reported: the main network, the pockets
    cut off from it (one-way dead ends, clipped edges; kept, they are real roads).
    Nothing is stored unless the whole import succeeds (one transaction, the old layer kept in the
    history); running servers pick the new roads up within seconds.
    """
    from .io.conflate import carry_statuses
    from .io.osm import read_osm_roads
    from .layers import REGISTRY
    from .links import new_problems
    from .network.components import network_report
    from .store import make_store
    from .validate import read_layer

    settings = _settings()
    store = make_store(settings)
    try:
        click.echo(_("reading %(file)s ...", file=file.name), err=True)
        roads, counts = read_osm_roads(file, progress=lambda line: click.echo(line, err=True))
        before = store.load()
        reference = read_layer(status_from, REGISTRY["roads"]) if status_from else before["roads"]
        roads, report = carry_statuses(roads, reference, metric_crs=settings.metric_crs, tolerance_m=match_tolerance)
        far = new_problems(before, {**before, "roads": roads}, changed="roads", metric_crs=settings.metric_crs)
        network = network_report(roads, metric_crs=settings.metric_crs, max_edge_m=settings.max_edge_m)
        if not dry_run:
            store.replace_layer("roads", roads, actor="cli:import-osm", reason=f"OSM import of {file.name}")
    except GeoappError as exc:
        click.echo(_("import failed, roads left as they were:\n%(problems)s", problems=exc.message), err=True)
        sys.exit(1)
    from .io.import_reports import osm_import_lines

    for line in osm_import_lines(counts, report, network, far, tolerance_m=match_tolerance):
        click.echo(line)
    click.echo(_("dry run: nothing stored") if dry_run else _("roads layer replaced: %(count)s segments",
                                                                count=len(roads)))


def _store() -> Store:
    from .store import make_store

    return make_store(_settings())


@main.command("init-db")
def init_db_command() -> None:
    """Create the store (GeoPackage, or PostGIS with GEOAPP_DATABASE_URL) and seed it from geodata/."""
    try:
        store = _store()
    except GeoappError as exc:
        click.echo(_("cannot create the store: %(problem)s", problem=exc.message), err=True)
        sys.exit(1)
    click.echo(_("%(store)s ready, data version %(version)s", store=store.describe(), version=store.version()))


@main.command("import")
@click.argument("layer")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", default=None, help="Why (recorded in the history; default names the file).")
def import_command(layer: str, file: Path, reason: str | None) -> None:
    """Replace LAYER with FILE (GeoJSON, GeoPackage, Shapefile, or a CSV/XLSX table with lon/lat columns).

    Tables may be saved by any Excel (UTF-8 or Windows-1252, ';' ',' or tab between cells, decimal
    commas) with English or French headers.  Validated as at start-up and applied in one
    transaction: all or nothing.
    """
    from .io.user_files import read_layer_file
    from .layers import REGISTRY

    if layer not in REGISTRY:
        click.echo(_("unknown layer %(layer)s; one of %(layers)s", layer=repr(layer), layers=", ".join(REGISTRY)),
                   err=True)
        sys.exit(2)
    try:
        frame, notes = read_layer_file(file, spec=REGISTRY[layer])
        store = _store()
        _check_import_links(store, layer, frame)
        store.replace_layer(layer, frame, actor="cli:import", reason=reason or f"import of {file.name}")
    except GeoappError as exc:
        click.echo(_("import failed, %(layer)s left as it was:\n%(problems)s", layer=layer, problems=exc.message),
                   err=True)
        sys.exit(1)
    for note in notes:
        click.echo(note)
    click.echo(_("%(layer)s replaced: %(count)s features from %(file)s", layer=layer, count=len(frame), file=file.name))


def _check_import_links(store, layer: str, frame) -> None:
    """Refuse an import that leaves connections without fitting ports or checkpoints off the roads."""
    from .errors import DataValidationError
    from .links import new_problems

    before = store.load()
    problems = new_problems(before, {**before, layer: frame}, changed=layer, metric_crs=_settings().metric_crs)
    if problems:
        raise DataValidationError([str(p) for p in problems])


SKIP_INVALID = click.option(
    "--skip-invalid", is_flag=True,
    help="Store the valid rows and write the rejected ones, with their line and problems, to "
         "<file>.rejected.csv beside the file (default: one bad row stores nothing).")


def _reading(summary: dict) -> None:
    """Say how the file was read and what was assumed."""
    click.echo(_("read as %(how)s", how=summary["read"]))
    click.echo(_("columns: %(columns)s", columns=", ".join(f"{k} <- {v!r}" for k, v in summary["columns"].items())))
    for assumption in summary["assumptions"]:
        click.echo(_("assumed: %(assumption)s", assumption=assumption))


def _rejected(file: Path, summary: dict, stored: int) -> Path | None:
    """Write the rejected rows beside FILE (with --skip-invalid); refuse a file without one valid row."""
    from .errors import DataValidationError
    from .io.feeds import write_rejected

    try:
        written = write_rejected(file, summary)
    except OSError as exc:
        raise DataValidationError([_("cannot write the rejected rows beside %(file)s: %(error)s", file=file.name,
                                     error=exc.strerror)]) from None
    if written and not stored:
        raise DataValidationError([_("%(file)s: no valid row, nothing stored; the %(count)s rejected rows and their "
                                     "problems are in %(rejected)s", file=file.name, rejected=written.name,
                                     count=integer(summary["rejected_count"]))])
    return written


def _rejected_line(summary: dict, stored: str, written: Path | None, dry_run: bool) -> str:
    """How many rows were kept (``stored``: "3 events") and rejected, and where the rejected ones are."""
    from .io.feeds import rows

    where = _(": their lines and problems are in %(file)s", file=written) if written else ""
    text = _("%(kept)s to store, %(rejected)s rejected%(where)s") if dry_run else _(
        "%(kept)s stored, %(rejected)s rejected%(where)s")
    return text % {"kept": stored, "rejected": rows(summary["rejected_count"]), "where": where}


@main.command("import-dtm")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", default="0", show_default=True, help="Sheet of an XLSX file (name or 0-based index).")
@click.option("--as-of", "as_of", default=None, help="Reporting date (YYYY-MM-DD) for site rows without one.")
@SKIP_INVALID
@click.option("--dry-run", is_flag=True, help="Read and report, but store nothing.")
def import_dtm_command(file: Path, sheet: str, as_of: str | None, skip_invalid: bool, dry_run: bool) -> None:
    """Import an IOM DTM table (CSV or XLSX, HXL row or not): site assessments or figures per commune.

    A site table (names and positions) replaces the displacement sites.  A table of figures per
    admin p-code and round (IOM's public Haiti dataset) adds its rounds to the displacement figures:
    rows are summed per commune, round and date, department and national rows are checked against
    their communes.  Every row is checked (line number, column, problem); one bad row stores nothing,
    unless --skip-invalid is given (site tables).
    """
    import datetime as dt

    from .io.dtm_figures import is_figure_table
    from .io.sheets import read_table

    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        click.echo(_("--as-of must be a date YYYY-MM-DD"), err=True)
        sys.exit(2)
    sheet_id = int(sheet) if sheet.isdigit() else sheet
    try:
        source = read_table(file, sheet=sheet_id)  # read once: the file may be a pipe (<(curl ...))
    except GeoappError as exc:
        click.echo(_("import failed, nothing stored:\n%(problems)s", problems=exc.message), err=True)
        sys.exit(1)
    if is_figure_table(source):
        _import_dtm_figures(file, sheet_id, source, dry_run)
        return
    from .io.feeds import read_dtm, sites

    try:
        frame, summary = read_dtm(file, sheet=sheet_id, as_of=day, skip_invalid=skip_invalid, source=source)
        written = _rejected(file, summary, len(frame)) if skip_invalid else None
        if not dry_run:
            _store().replace_layer("displacement_sites", frame, actor="cli:import-dtm",
                                   reason=f"IOM DTM import of {file.name}")
    except GeoappError as exc:
        click.echo(_("import failed, displacement sites left as they were:\n%(problems)s", problems=exc.message),
                   err=True)
        sys.exit(1)
    click.echo(_("%(sites)s sites (%(open)s open), %(individuals)s individuals, %(households)s households, as of "
                 "%(date)s%(hxl)s", sites=summary["sites"], open=summary["open"],
                 individuals=integer(summary["individuals"]), households=integer(summary["households"]),
                 date=summary["as_of"], hxl=_(" (HXL hashtags used)") if summary["hxl"] else ""))
    _reading(summary)
    if skip_invalid:
        click.echo(_rejected_line(summary, sites(len(frame)), written, dry_run))
    click.echo(_("dry run: nothing stored") if dry_run else _("displacement sites replaced"))


def _import_dtm_figures(file: Path, sheet, source, dry_run: bool) -> None:
    """The commune-figures branch of import-dtm: read, check against the boundaries, store the rounds."""
    from .io.dtm_figures import read_dtm_figures

    try:
        store = _store()
        layers = store.load()
        figures, summary = read_dtm_figures(file, sheet=sheet, communes=layers["communes"],
                                            departments=layers["departments"], source=source)
        stored = None if dry_run else store.import_figures(figures, actor="cli:import-dtm",
                                                           reason=f"IOM DTM figures from {file.name}")
    except GeoappError as exc:
        click.echo(_("import failed, displacement figures left as they were:\n%(problems)s", problems=exc.message),
                   err=True)
        sys.exit(1)
    rounds = summary["rounds"]
    click.echo(_("displacement figures per commune: %(figures)s figures for %(communes)s communes in %(rounds)s "
                 "round(s), from %(commune_rows)s commune rows of %(rows)s%(hxl)s", figures=summary["figures"],
                 communes=summary["communes"], rounds=len(rounds), commune_rows=summary["commune_rows"],
                 rows=summary["rows"], hxl=_(" (HXL hashtags used)") if summary["hxl"] else ""))
    for r in rounds[-5:]:
        label = _("round %(round)s", round=r["round"]) if r["round"] else _("no round")
        click.echo(_("  %(round)s, %(date)s: %(individuals)s individuals in %(communes)s communes", round=label,
                     date=r["date"], individuals=integer(r["individuals"]), communes=r["communes"]))
    if len(rounds) > 5:
        click.echo(_("  ... and %(count)s earlier round(s)", count=len(rounds) - 5))
    for level, n in summary["skipped_levels"].items():
        click.echo(ngettext("%(num)s national row (admin level 0) checked against their communes, not stored twice",
                            "%(num)s national rows (admin level 0) checked against their communes, not stored twice", n)
                   if level == "0" else
                   ngettext("%(num)s department row (admin level %(level)s) checked against their communes, not "
                            "stored twice", "%(num)s department rows (admin level %(level)s) checked against their "
                            "communes, not stored twice", n, level=level))
    for c in summary["checks"]:
        if c["difference"]:
            click.echo(_("  %(name)s (%(pcode)s), %(date)s: the file says %(stated)s, its communes sum to %(sum)s "
                         "(%(difference)s)", name=c["name"], pcode=c["pcode"], date=c["date"],
                         stated=integer(c["stated"]), sum=integer(c["communes_sum"]),
                         difference=("+" if c["difference"] > 0 else "-") + integer(abs(c["difference"]))))
    agreeing = sum(1 for c in summary["checks"] if not c["difference"])
    if agreeing:
        click.echo(_("  %(count)s department or national total(s) equal the sum of their communes", count=agreeing))
    _reading(summary)
    if dry_run:
        click.echo(_("dry run: nothing stored"))
    else:
        click.echo(_("stored %(stored)s figures in %(rounds)s round(s); %(replaced)s figures of the same rounds "
                     "replaced; other rounds kept", stored=stored["stored"], rounds=stored["rounds"],
                     replaced=stored["replaced"]))


@main.command("import-acled")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", default="0", show_default=True, help="Sheet of an XLSX file (name or 0-based index).")
@click.option("--merge", is_flag=True,
              help="Keep stored incidents the file does not have (an event in both: the file's wins). "
                   "Import without it first, so that real events replace the shipped sample.")
@SKIP_INVALID
@click.option("--dry-run", is_flag=True, help="Read and report, but store nothing.")
def import_acled_command(file: Path, sheet: str, merge: bool, skip_invalid: bool, dry_run: bool) -> None:
    """Replace the incidents with an ACLED export (CSV or XLSX, HXL row or not).

    Rows of other countries (a regional export) are skipped; every other row is checked (line
    number, column, problem) and one bad row stores nothing, unless --skip-invalid is given.
    With --merge, a monthly export adds to what is stored instead of replacing it.
    """
    import geopandas as gpd
    import pandas as pd

    from .io.feeds import events as count_events
    from .io.feeds import read_acled

    try:
        frame, summary = read_acled(file, sheet=int(sheet) if sheet.isdigit() else sheet, skip_invalid=skip_invalid)
        events = len(frame)
        written = _rejected(file, summary, events) if skip_invalid else None
        store = _store()
        placement = _placement_report(frame, store.load()["communes"])
        kept = 0
        if merge:
            stored = store.load()["incidents"]
            stored = stored[~stored["id"].isin(frame["id"])]
            kept = len(stored)
            frame = gpd.GeoDataFrame(pd.concat([stored, frame], ignore_index=True), crs="EPSG:4326")
        if not dry_run:
            store.replace_layer("incidents", frame, actor="cli:import-acled",
                                reason=f"ACLED import of {file.name}" + (" (merged)" if merge else ""))
    except GeoappError as exc:
        click.echo(_("import failed, incidents left as they were:\n%(problems)s", problems=exc.message), err=True)
        sys.exit(1)
    click.echo(_("%(events)s events, %(deaths)s fatalities, %(first)s to %(last)s%(hxl)s", events=summary["events"],
                 deaths=integer(summary["fatalities"]), first=summary["first"], last=summary["last"],
                 hxl=_(" (HXL hashtags used)") if summary["hxl"] else ""))
    if summary["other_countries"]:
        click.echo(_("%(rows)s rows of other countries skipped", rows=summary["other_countries"]))
    _reading(summary)
    if skip_invalid:
        click.echo(_rejected_line(summary, count_events(events), written, dry_run))
    for line in placement:
        click.echo(line)
    if merge:
        click.echo(_("%(kept)s stored incidents kept alongside them", kept=kept))
    click.echo(_("dry run: nothing stored") if dry_run else _("incidents replaced"))


#: how many disagreements between a feed's named commune and the position are listed one by one
LISTED_DISAGREEMENTS = 20


def _placement_report(frame, communes) -> list[str]:
    """Where the events fall in the official communes, and where ACLED's ``admin3`` says otherwise."""
    import numpy as np
    import shapely

    from . import extent
    from .data.places import named_commune_disagreements, place

    settings = _settings()
    if not len(frame) or not len(communes):
        return []
    placed = place(frame, communes, metric_crs=settings.metric_crs, margin_m=extent.margin_m())
    on_land = np.zeros(len(frame), dtype=bool)
    hits, _others = shapely.STRtree(np.asarray(communes.geometry.values)).query(np.asarray(frame.geometry.values),
                                                                          predicate="intersects")
    on_land[hits] = True
    lines = [_("placed by position in %(communes)s communes of %(departments)s departments (commune p-codes on "
               "every event); %(offshore)s off the coast, in the nearest commune's waters",
               communes=placed["adm2_pcode"].nunique(), departments=placed["adm1_pcode"].nunique(),
               offshore=int((~on_land).sum()))]
    odd = named_commune_disagreements(frame, communes, column="admin3", metric_crs=settings.metric_crs,
                                      margin_m=extent.margin_m(), tolerance_m=500.0)
    far = [d for d in odd if d["distance_m"] is not None]
    unknown: dict[str, int] = {}
    for d in odd:
        if d["distance_m"] is None:
            unknown[d["named"]] = unknown.get(d["named"], 0) + 1
    if far:
        lines.append(_("%(count)s events lie more than 500 m outside the commune their admin3 names (the position "
                       "decides their p-codes):", count=len(far)))
        lines += [_("  %(id)s: admin3 %(named)s, but the position is in %(commune)s, %(km)s km away", id=d["id"],
                    named=repr(d["named"]), commune=d["placed_in"], km=decimal(d["distance_m"] / 1000))
                  for d in far[:LISTED_DISAGREEMENTS]]
        if len(far) > LISTED_DISAGREEMENTS:
            lines.append("  " + _("... and %(more)s more", more=len(far) - LISTED_DISAGREEMENTS))
    if unknown:
        listed = ", ".join(f"{name!r} ({n})" for name, n in sorted(unknown.items())[:LISTED_DISAGREEMENTS])
        lines.append(_("admin3 names that are no commune of the official boundaries: %(names)s", names=listed))
    return lines


@main.command("export")
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["gpkg", "geojson"]), default="gpkg", show_default=True)
def export_command(target: Path, fmt: str) -> None:
    """Write every layer: one GeoPackage file (gpkg) or a folder of GeoJSON files (geojson)."""
    layers = _store().load()
    if fmt == "gpkg":
        target.unlink(missing_ok=True)
        for name, frame in layers.items():
            frame.to_file(target, layer=name, driver="GPKG", engine="pyogrio")
    else:
        from .io.geojson import to_feature_collection

        target.mkdir(parents=True, exist_ok=True)
        for name, frame in layers.items():
            (target / f"{name}.geojson").write_text(to_feature_collection(frame), encoding="utf-8")
    click.echo(_("exported %(layers)s to %(target)s", layers=", ".join(f"{n} ({len(f)})" for n, f in layers.items()),
                 target=target))


@main.group("token")
def token_group() -> None:
    """API tokens: create (shown once), list, revoke."""


@token_group.command("create")
@click.option("--name", required=True, help="Who or what the token is for.")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), required=True)
def token_create(name: str, role: str) -> None:
    """Create a token; it is printed once and only its hash is stored."""
    try:
        token = _store().create_token(name, role)
    except GeoappError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(token)
    click.echo(_("token for %(name)s (%(role)s) created; keep it now, it cannot be shown again", name=name, role=role),
               err=True)


@token_group.command("list")
def token_list() -> None:
    """Every token's name, role and dates (never the token)."""
    for t in _store().list_tokens():
        state = _("revoked %(date)s", date=t["revoked_at"]) if t["revoked_at"] else _("live")
        click.echo("\t".join((t["name"], t["role"], _("created %(date)s", date=t["created_at"]), state)))


@token_group.command("revoke")
@click.argument("name")
def token_revoke(name: str) -> None:
    """Revoke the live token of NAME at once."""
    if not _store().revoke_token(name):
        click.echo(_("no live token named %(name)s", name=repr(name)), err=True)
        sys.exit(1)
    click.echo(_("token %(name)s revoked", name=name))


@main.command("serve", with_appcontext=False)  # the app is built once, by gunicorn (not also for the CLI)
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="$HOST or 127.0.0.1")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "8000")), show_default="$PORT or 8000")
@click.option("--workers", type=int, default=lambda: int(os.environ.get("WEB_CONCURRENCY", "2")),
              show_default="$WEB_CONCURRENCY or 2")
@click.option("--threads", type=int, default=4, show_default=True)
def serve_command(host: str, port: int, workers: int, threads: int) -> None:
    """Serve with gunicorn; the app (layers and graph) is built once, before the workers fork."""
    from . import create_app
    from .http.server import serve

    serve(create_app, host=host, port=port, workers=workers, threads=threads)
