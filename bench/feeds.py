"""ACLED import speed: a realistic export of 5,000 events read and imported into a fresh GeoPackage store.

The export is generated deterministically: ACLED's columns and an HXL hashtag row, a few hundred
distinct places on Haiti's land and a few off its coast (within the maritime margin), several
event types and sub-types, notes with commas and accents.  Timed, each the median of a few runs:
``read_acled`` on the file as ACLED writes it, as French Excel saves it (Windows-1252, ``;``,
decimal commas), and without ``event_id_cnty`` and ``geo_precision`` (ids derived); with
``skip_invalid`` on a copy where 1 % of the rows are broken (rejected file written); then the
whole import, reading and storing into a fresh GeoPackage store, and ``geoapp import-acled``
itself.  Target (from the project's issue): 5,000 events import in seconds (here: <= 5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoapp import extent  # noqa: E402
from geoapp.io.downloads import HXL  # noqa: E402
from geoapp.io.feeds import read_acled, write_rejected  # noqa: E402

TARGET_S = 5.0
COMMUNES = ["Port-au-Prince", "Pétion-Ville", "Delmas", "Cité Soleil", "Croix-des-Bouquets", "Carrefour",
            "Kenscoff", "Gressier", "Léogâne", "Saint-Marc", "Gonaïves", "Cap-Haïtien", "Mirebalais", "Hinche",
            "Jacmel", "Les Cayes", "Jérémie", "Petit-Goâve", "Arcahaie", "Cabaret"]
TYPES = {
    "Battles": ["Armed clash", "Government regains territory", "Non-state actor overtakes territory"],
    "Violence against civilians": ["Attack", "Abduction/forced disappearance", "Sexual violence"],
    "Riots": ["Violent demonstration", "Mob violence"],
    "Protests": ["Peaceful protest", "Protest with intervention"],
    "Explosions/Remote violence": ["Remote explosive/landmine/IED", "Grenade"],
    "Strategic developments": ["Looting/property destruction", "Arrests"],
}
ACTORS = ["Viv Ansanm", "Gran Grif", "5 Segonn", "Police Forces of Haiti (2021-)", "Kenya Police Service",
          "Unidentified Gang", "Rioters (Haiti)", "Protesters (Haiti)", "Civilians (Haiti)", "Vigilante Group"]


def places(rng: np.random.Generator, count: int, offshore: int) -> tuple[np.ndarray, list[str]]:
    """``count`` distinct places on land and ``offshore`` just off the coast, with names."""
    land = extent.land()
    minx, miny, maxx, maxy = land.bounds
    found, sea = [], []
    while len(found) < count or len(sea) < offshore:
        xy = rng.uniform([minx, miny], [maxx, maxy], (4000, 2))
        on_land = shapely.contains_xy(land, xy[:, 0], xy[:, 1])
        near = ~on_land & extent.inside(xy[:, 0], xy[:, 1])
        found += list(xy[on_land])
        sea += list(xy[near])
    xy = np.round(np.array(found[:count] + sea[:offshore]), 4)
    names = [f"{COMMUNES[k % len(COMMUNES)]} {k // len(COMMUNES) + 1}" for k in range(count)]
    names += [f"Coast of {COMMUNES[k % len(COMMUNES)]}" for k in range(offshore)]
    return xy, names


def export(events: int, *, seed: int = 7, n_places: int = 300, offshore: int = 8) -> pd.DataFrame:
    """An ACLED-like export of ``events`` rows (every cell text, as ACLED writes it)."""
    rng = np.random.default_rng(seed)
    xy, names = places(rng, n_places - offshore, offshore)
    where = rng.integers(0, len(names), events)
    kinds = rng.choice(list(TYPES), events, p=[0.3, 0.3, 0.1, 0.15, 0.05, 0.1])
    subs = [TYPES[k][i % len(TYPES[k])] for i, k in zip(rng.integers(0, 3, events), kinds, strict=True)]
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 730, events), unit="D")
    return pd.DataFrame({
        "event_id_cnty": [f"HTI{20000 + k}" for k in range(events)],
        "event_date": days.strftime("%Y-%m-%d"),
        "year": days.year.astype(str),
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": kinds,
        "sub_event_type": subs,
        "actor1": rng.choice(ACTORS, events),
        "assoc_actor_1": "",
        "actor2": rng.choice(ACTORS + [""], events),
        "country": "Haiti",
        "admin1": "Ouest",
        "admin2": [names[w].rsplit(" ", 1)[0].removeprefix("Coast of ") for w in where],
        "admin3": "",
        "location": [names[w] for w in where],
        "latitude": xy[where, 1].astype(str),
        "longitude": xy[where, 0].astype(str),
        "geo_precision": rng.choice(["1", "2", "3"], events, p=[0.6, 0.3, 0.1]),
        "source": "Le Nouvelliste; Reuters",
        "notes": [f"On {d:%d %B %Y}, armed men attacked residents of {names[w]}, burning houses, shops."
                  for d, w in zip(days, where, strict=True)],
        "fatalities": rng.poisson(1.2, events).astype(str),
    })


def write(table: pd.DataFrame, path: Path, *, separator: str = ",", encoding: str = "utf-8") -> Path:
    """The export as a CSV file with an HXL hashtag row under the header."""
    tags = {"event_id_cnty": "#event+code", "latitude": "#geo+lat", "longitude": "#geo+lon",
            "country": "#country+name", "actor1": HXL["actor"], "actor2": "#group+name+second",
            "notes": "#description", "location": "#loc+name", **{c: HXL[c] for c in table.columns if c in HXL}}
    hxl = pd.DataFrame([[tags.get(c, "") for c in table.columns]], columns=table.columns)
    pd.concat([hxl, table]).to_csv(path, index=False, sep=separator, encoding=encoding, lineterminator="\r\n")
    return path


def timed(fn, repeats: int):
    """(last result, median seconds) of ``repeats`` calls."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "feeds.json")
    args = parser.parse_args(argv)
    from click.testing import CliRunner

    from geoapp.cli import main as cli
    from geoapp.settings import Settings
    from geoapp.store import make_store

    _, area_s = timed(lambda: extent.area(), 1)  # built once per process, before any position check
    table = export(args.events)
    results = {"machine": {"cpus": os.cpu_count()}, "events": args.events,
               "places": int(table["location"].nunique()),
               "offshore_events": int(table["location"].str.startswith("Coast of").sum()),
               "extent_build_s": round(area_s, 3), "read_s": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        french = table.assign(latitude=table["latitude"].str.replace(".", ","),
                              longitude=table["longitude"].str.replace(".", ","))
        broken = table.copy()
        broken.loc[broken.index[::100], "latitude"] = "n/a"
        files = {
            "acled_export": write(table, tmp / "acled.csv"),
            "french_excel": write(french, tmp / "acled_fr.csv", separator=";", encoding="cp1252"),
            "derived_ids": write(table.drop(columns=["event_id_cnty", "geo_precision"]), tmp / "derived.csv"),
        }
        for label, path in files.items():
            (frame, summary), seconds = timed(lambda path=path: read_acled(path), args.repeats)
            assert len(frame) == args.events, (label, len(frame))
            results["read_s"][label] = round(seconds, 3)
            print(f"read_acled, {label} ({summary['read']}): {args.events:,} events in {seconds:.2f} s")
        path = write(broken, tmp / "broken.csv")
        (frame, summary), seconds = timed(lambda: read_acled(path, skip_invalid=True), args.repeats)
        _, write_s = timed(lambda: write_rejected(path, summary), 1)
        results["skip_invalid_s"] = round(seconds + write_s, 3)
        results["rejected"] = summary["rejected_count"]
        print(f"read_acled --skip-invalid: {len(frame):,} kept, {summary['rejected_count']} rejected and written "
              f"in {seconds + write_s:.2f} s")

        settings = Settings.from_env({}, overrides={"instance_path": tmp / "instance"})
        store, seed_s = timed(lambda: make_store(settings), 1)
        frame, read_s = timed(lambda: read_acled(files["acled_export"])[0], 1)
        _, store_s = timed(lambda: store.replace_layer("incidents", frame, actor="bench", reason="bench"), 1)
        assert len(store.load()["incidents"]) == args.events
        results["store"] = {"seed_s": round(seed_s, 3), "read_s": round(read_s, 3), "store_s": round(store_s, 3),
                            "import_s": round(read_s + store_s, 3)}
        env = {"GEOAPP_INSTANCE_PATH": str(tmp / "instance")}
        cli_run, cli_s = timed(lambda: CliRunner().invoke(cli, ["import-acled", str(files["french_excel"])],
                                                          env=env), 1)
        assert cli_run.exit_code == 0, cli_run.output
        results["store"]["cli_import_s"] = round(cli_s, 3)
    total = results["store"]["import_s"]
    print(f"import into a fresh GeoPackage store: read {read_s:.2f} s + store {store_s:.2f} s = {total:.2f} s "
          f"(target {TARGET_S:g} s: {'met' if total <= TARGET_S else 'NOT met'}); store seeded in {seed_s:.2f} s "
          "beforehand")
    print(f"geoapp import-acled (French Excel file, replacing {args.events:,} stored events): {cli_s:.2f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"results written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
