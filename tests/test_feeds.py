"""IOM DTM site tables as users download them: CSV or XLSX, English or French headers, HXL or not."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from geoapp.cli import main
from geoapp.errors import DataValidationError
from geoapp.feeds import read_dtm

HXL_CSV = "\n".join([
    "Site ID,Site Name,Commune,Commune Pcode,Latitude,Longitude,Households,Individuals,Site Type,Reporting Date,Round",
    "#loc+code,#loc+name,#adm2+name,#adm2+code,#geo+lat,#geo+lon,#affected+hh+idps,#affected+ind+idps,#loc+type,"
    "#date+reported,#meta+round",
    'HT-001,Lycée Delmas 33,Delmas,HT0112,18.547,-72.303,"1,200",5100,Collective centre,2025-03-10,9',
    "HT-002,Place Saint-Pierre,Pétion-Ville,HT0114,18.514,-72.284,300,1250,Spontaneous site,2025-03-10,9",
    "HT-003,Ecole Jacmel,Jacmel,,18.236,-72.537,0,0,Collective centre,2025-03-12,9",
]) + "\n"


def test_csv_with_hxl_row(tmp_path):
    path = tmp_path / "dtm_round9.csv"
    path.write_text(HXL_CSV, encoding="utf-8")
    frame, summary = read_dtm(path)
    assert summary["hxl"] and summary["sites"] == 3 and summary["open"] == 2
    assert list(frame["id"]) == ["dtm-ht-001", "dtm-ht-002", "dtm-ht-003"]
    first = frame.iloc[0]
    assert first["individuals"] == 5100 and first["households"] == 1200 and first["adm2_pcode"] == "HT0112"
    assert first["site_type"] == "collective_centre" and first["as_of"] == "2025-03-10"
    assert first["source"] == "IOM DTM, dtm_round9.csv, round 9"
    assert frame.iloc[1]["site_type"] == "spontaneous_site"
    assert frame.iloc[2]["status"] == "closed"
    assert (first.geometry.x, first.geometry.y) == (-72.303, 18.547)


def test_xlsx_with_french_headers_and_no_hxl(tmp_path):
    path = tmp_path / "dtm.xlsx"
    pd.DataFrame({
        "Nom du site": ["Centre Saint-Marc", "Site Verrettes"], "Commune": ["Saint-Marc", "Verrettes"],
        "Latitude": ["19.111", "19.051"], "Longitude": ["-72.701", "-72.466"],
        "Ménages": ["1400", ""], "Individus": ["6000", "1300"], "Type de site": ["Centre collectif", "Spontané"],
        "Date de l'évaluation": ["05/04/2025", "05/04/2025"],
    }).to_excel(path, index=False)
    frame, summary = read_dtm(path)
    assert not summary["hxl"] and summary["sites"] == 2
    assert frame.iloc[0]["as_of"] == "2025-04-05"  # day first, as French tables write dates
    assert frame.iloc[1]["households"] == round(1300 / 4.3)  # missing: derived, as the shipped data does
    assert frame.iloc[1]["site_type"] == "spontaneous_site"


def test_every_bad_row_is_reported_with_its_line_and_column(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text("Site Name,Latitude,Longitude,Individuals,Reporting Date\n"
                    "Good site,18.5,-72.3,100,2025-03-01\n"
                    "No position,,-72.3,100,2025-03-01\n"
                    "Swapped,-72.3,18.5,100,2025-03-01\n"
                    "Negative,18.5,-72.3,-5,2025-03-01\n"
                    ",18.5,-72.3,100,not a date\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        read_dtm(path)
    problems = info.value.problems
    assert "broken.csv: line 3, column 'Latitude': latitude and longitude must be numbers" in problems
    assert any(p.startswith("broken.csv: line 4, column 'Longitude': the position is outside Haiti")
               for p in problems)
    assert "broken.csv: line 5, column 'Individuals': must be a whole number from 0 to 1,000,000,000" in problems
    assert "broken.csv: line 6, column 'Site Name': the site has no name" in problems
    assert any(p.startswith("broken.csv: line 6, column 'Reporting Date'") for p in problems)


def test_a_table_without_the_needed_columns(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="no column found for name, lat, lon, individuals"):
        read_dtm(path)


def test_import_command_is_all_or_nothing(tmp_path):
    env = {"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance")}
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(HXL_CSV, encoding="utf-8")
    bad.write_text(HXL_CSV.replace("18.236,-72.537", "x,y"), encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(main, ["import-dtm", str(bad)], env=env)
    assert refused.exit_code == 1 and "line 5" in refused.output and "left as they were" in refused.output
    from geoapp.settings import Settings
    from geoapp.store import make_store

    store = make_store(Settings.from_env(env))
    assert len(store.load()["displacement_sites"]) == 32  # still the shipped sites
    done = runner.invoke(main, ["import-dtm", str(good)], env=env)
    assert done.exit_code == 0, done.output
    assert "3 sites (2 open), 6,350 individuals" in done.output and "(HXL hashtags used)" in done.output
    sites = store.load()["displacement_sites"]
    assert len(sites) == 3 and store.history("displacement_sites", "*")[-1]["action"] == "import"


ACLED_CSV = "\n".join([
    "event_id_cnty,event_date,year,event_type,sub_event_type,actor1,admin1,admin2,admin3,location,latitude,"
    "longitude,geo_precision,source,notes,fatalities",
    "HTI12345,2024-10-03,2024,Violence against civilians,Attack,Gran Grif,Artibonite,Saint-Marc,Bois Neuf,"
    'Pont-Sonde,19.1447,-72.6111,1,Reuters,"Gang attack on the town; houses burned",115',
    "HTI12400,2024-12-07,2024,Violence against civilians,Attack,Wharf Jeremie gang,Ouest,Port-au-Prince,"
    "Cite Soleil,Wharf Jeremie,18.574,-72.347,2,AP,,184",
    "HTI12500,2025-01-27,2025,Battles,Armed clash,Viv Ansanm,Ouest,Port-au-Prince,Kenscoff,Kenscoff,18.4477,"
    "-72.284,2,Le Nouvelliste,,0",
]) + "\n"


def test_acled_export(tmp_path):
    from geoapp.feeds import read_acled

    path = tmp_path / "acled_haiti.csv"
    path.write_text(ACLED_CSV, encoding="utf-8")
    frame, summary = read_acled(path)
    assert summary["events"] == 3 and summary["fatalities"] == 299
    assert (summary["first"], summary["last"]) == ("2024-10-03", "2025-01-27")
    first = frame.iloc[0]
    assert first["id"] == "acled-HTI12345" and first["name"] == "Violence against civilians at Pont-Sonde"
    assert first["actor"] == "Gran Grif" and first["fatalities"] == 115 and first["confidence"] == "high"
    assert frame.iloc[1]["confidence"] == "medium" and frame.iloc[1]["as_of"] == "2024-12-07"


def test_acled_with_hxl_row_and_bad_rows(tmp_path):
    from geoapp.feeds import read_acled

    lines = ACLED_CSV.split("\n")
    hxl = ("#event+code,#date+occurred,#date+year,#event+type,#event+type+sub,#group+name+first,#adm1+name,"
           "#adm2+name,#adm3+name,#loc+name,#geo+lat,#geo+lon,#geo+precision,#meta+source,#description,"
           "#affected+killed")
    good = tmp_path / "hxl.csv"
    good.write_text("\n".join([lines[0], hxl, *lines[1:]]), encoding="utf-8")
    frame, summary = read_acled(good)
    assert summary["hxl"] and len(frame) == 3
    broken = tmp_path / "broken.csv"
    broken.write_text(ACLED_CSV.replace("19.1447,-72.6111,1", "19.1447,-72.6111,7").replace(",0\n", ",-2\n"),
                      encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        read_acled(broken)
    assert "broken.csv: line 2, column 'geo_precision': must be 1, 2 or 3" in info.value.problems
    assert ("broken.csv: line 4, column 'fatalities': must be a whole number from 0 to 1,000,000,000"
            in info.value.problems)


def test_a_site_or_event_named_twice_is_refused(tmp_path):
    from geoapp.feeds import read_acled

    sites = tmp_path / "twice.csv"
    sites.write_text(HXL_CSV + HXL_CSV.split("\n")[2] + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"twice.csv: line 6: site 'dtm-ht-001' appears twice"):
        read_dtm(sites)
    events = tmp_path / "events.csv"
    events.write_text(ACLED_CSV + ACLED_CSV.split("\n")[1] + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"events.csv: line 5: event 'acled-HTI12345' appears twice"):
        read_acled(events)


def test_acled_xlsx_with_written_out_dates(tmp_path):
    from geoapp.feeds import read_acled

    path = tmp_path / "acled.xlsx"
    pd.DataFrame({
        "event_id_cnty": ["HTI30001", "HTI30002"],
        "event_date": ["03 October 2024", pd.Timestamp("2024-12-07")],  # older exports and Excel date cells
        "event_type": ["Violence against civilians", "Battles"],
        "actor1": ["Gran Grif", "Viv Ansanm"],
        "location": ["Pont-Sonde", "Kenscoff"],
        "latitude": [19.1447, 18.4477],
        "longitude": [-72.6111, -72.284],
        "geo_precision": [1, 2],
        "fatalities": [115, 0],
    }).to_excel(path, index=False)
    frame, summary = read_acled(path)
    assert list(frame["event_date"]) == ["2024-10-03", "2024-12-07"] and summary["fatalities"] == 115
    assert not summary["hxl"] and frame.iloc[1]["confidence"] == "medium"


def test_feed_dates_iso_first_then_day_first():
    from geoapp.feeds import _dates

    got = _dates(pd.Series(["2024-12-07 00:00:00", "07/12/2024", "03 October 2024", "2024-13-01", ""]))
    assert [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in got] == [
        "2024-12-07", "2024-12-07", "2024-10-03", None, None]  # an impossible ISO date is not re-read
