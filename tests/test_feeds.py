"""IOM DTM site tables as users download them: CSV or XLSX, English or French headers, HXL or not."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from geoapp.cli import main
from geoapp.errors import DataValidationError
from geoapp.io.feeds import read_dtm

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
    from geoapp.store import make_store

    from .helpers import cli_settings, fixture_features

    store = make_store(cli_settings(env))
    assert len(store.load()["displacement_sites"]) == len(fixture_features("displacement_sites"))  # unchanged
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
    from geoapp.io.feeds import read_acled

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
    from geoapp.io.feeds import read_acled

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
    from geoapp.io.feeds import read_acled

    sites = tmp_path / "twice.csv"
    sites.write_text(HXL_CSV + HXL_CSV.split("\n")[2] + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"twice.csv: line 6: site 'dtm-ht-001' appears twice"):
        read_dtm(sites)
    events = tmp_path / "events.csv"
    events.write_text(ACLED_CSV + ACLED_CSV.split("\n")[1] + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"events.csv: line 5: event 'acled-HTI12345' appears twice"):
        read_acled(events)


def test_every_repeated_site_is_counted_none_dropped(tmp_path):
    header, tags, first = HXL_CSV.split("\n")[:3]
    path = tmp_path / "repeated.csv"
    path.write_text("\n".join([header, tags, first] + [first] * 75) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        read_dtm(path)
    assert len(caught.value.problems) == 75 and "line 78: site 'dtm-ht-001' appears twice" in caught.value.problems[-1]
    assert caught.value.message.endswith("... and 55 more")  # 20 shown, 75 in all
    env = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
    french = CliRunner().invoke(main, ["--lang", "fr", "import-dtm", "--dry-run", str(path)], env=env)
    assert french.exit_code == 1 and "... et 55 autres" in french.output
    english = CliRunner().invoke(main, ["import-dtm", "--dry-run", str(path)], env=env)  # back to English
    assert english.exit_code == 1 and "... and 55 more" in english.output


def test_acled_xlsx_with_written_out_dates(tmp_path):
    from geoapp.io.feeds import read_acled

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
    from geoapp.io.feeds import _dates

    got = _dates(pd.Series(["2024-12-07 00:00:00", "07/12/2024", "03 October 2024", "2024-13-01", ""]))
    assert [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in got] == [
        "2024-12-07", "2024-12-07", "2024-10-03", None, None]  # an impossible ISO date is not re-read


# -- files as Excel saves them -------------------------------------------------------------------

FRENCH_DTM = ("Nom du site;Commune;Latitude;Longitude;Ménages;Individus;Type de site;Date de l'évaluation;Remarques\r\n"
              "Lycée Pétion-Ville;Pétion-Ville;18,5125;-72,2853;1\u00a0200;5100;Centre collectif;05/04/2025;"
              "Près de l'église, côté nord\r\n"
              "Site Sud;Jacmel;18,2357;-72,5369;;1300;Spontané;05/04/2025;\r\n")


def test_french_excel_csv_windows_1252_semicolons_decimal_commas(tmp_path):
    path = tmp_path / "dtm_fr.csv"
    path.write_bytes(FRENCH_DTM.encode("cp1252"))  # what "CSV (séparateur: point-virgule)" saves
    frame, summary = read_dtm(path)
    assert summary["read"] == "Windows-1252 text, semicolon-separated, decimal comma in 'Latitude', 'Longitude'"
    first = frame.iloc[0]
    assert first["name"] == "Lycée Pétion-Ville" and first["commune"] == "Pétion-Ville"
    assert (first.geometry.x, first.geometry.y) == (-72.2853, 18.5125)
    assert first["households"] == 1200 and first["individuals"] == 5100  # a no-break space between thousands
    assert frame.iloc[1]["site_type"] == "spontaneous_site"


@pytest.mark.parametrize(("encoding", "separator", "said"), [
    ("utf-8", ",", "UTF-8 text, comma-separated"),
    ("utf-8-sig", ";", "UTF-8 (with BOM) text, semicolon-separated"),
    ("utf-8-sig", "\t", "UTF-8 (with BOM) text, tab-separated"),
    ("cp1252", "\t", "Windows-1252 text, tab-separated"),
])
def test_acled_in_every_encoding_and_separator(tmp_path, encoding, separator, said):
    import csv
    import io

    from geoapp.io.feeds import read_acled

    rows = list(csv.reader(io.StringIO(ACLED_CSV.replace("Pont-Sonde", "Pont-Sondé"))))
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="\r\n").writerows(rows)
    path = tmp_path / "acled.csv"
    path.write_bytes(out.getvalue().encode(encoding))
    frame, summary = read_acled(path)
    assert summary["read"] == said and summary["columns"]["event_id"] == "event_id_cnty"  # no BOM glued to it
    assert list(frame["id"]) == ["acled-HTI12345", "acled-HTI12400", "acled-HTI12500"]
    assert frame.iloc[0]["location"] == "Pont-Sondé"
    assert frame.iloc[0]["notes"] == "Gang attack on the town; houses burned"  # a quoted separator is text


def test_separator_comes_from_the_header_not_the_data(tmp_path):
    from geoapp.io.feeds import read_acled

    path = tmp_path / "acled.csv"
    path.write_text("event_date;event_type;latitude;longitude;notes\n"
                    "2024-10-03;Battles;18,4477;-72,284;Clashes, gunfire, roads closed, schools shut\n",
                    encoding="utf-8")
    frame, summary = read_acled(path)
    assert summary["read"].startswith("UTF-8 text, semicolon-separated")
    assert frame.iloc[0]["notes"] == "Clashes, gunfire, roads closed, schools shut"  # text is never mangled
    assert frame.iloc[0].geometry.y == 18.4477


def test_a_decimal_comma_in_a_comma_separated_file_is_an_error_not_a_guess(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text('Site Name,Latitude,Longitude,Individuals,Reporting Date\n'
                    'A,"18,5",-72.3,100,2025-03-01\n', encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        read_dtm(path)
    assert info.value.problems == ["sites.csv: line 2, column 'Latitude': latitude and longitude must be numbers"]


def test_a_file_that_is_not_text_is_a_clear_error(tmp_path):
    path = tmp_path / "garbled.csv"
    path.write_bytes(b"Site Name,Latitude\n\x81\x8d\x8f,18.5\n")  # bytes neither UTF-8 nor Windows-1252 has
    with pytest.raises(DataValidationError, match="garbled.csv: is neither UTF-8 nor Windows-1252 text"):
        read_dtm(path)
    workbook = tmp_path / "renamed.csv"
    pd.DataFrame({"a": [1]}).to_excel(workbook.with_suffix(".xlsx"), index=False)
    workbook.write_bytes(workbook.with_suffix(".xlsx").read_bytes())
    with pytest.raises(DataValidationError, match="renamed.csv: is an Excel workbook"):
        read_dtm(workbook)


def test_cli_says_how_it_read_the_file(tmp_path):
    path = tmp_path / "dtm_fr.csv"
    path.write_bytes(FRENCH_DTM.encode("cp1252"))
    result = CliRunner().invoke(main, ["import-dtm", "--dry-run", str(path)],
                                env={"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance")})
    assert result.exit_code == 0, result.output
    assert "read as Windows-1252 text, semicolon-separated, decimal comma in 'Latitude', 'Longitude'" in result.output
    assert "assumed: households missing on 1 site: individuals / 4.3 assumed" in result.output


def test_generic_import_of_a_french_excel_table(tmp_path):
    env = {"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance")}
    path = tmp_path / "sites.csv"
    path.write_bytes(("Identifiant;Nom du site;STATUT;Date;Source;Confiance;Remarques;Individus;Ménages;"
                      "Type de site;Commune;Latitude;Longitude\r\n"
                      "ds-a;Lycée Pétion-Ville;open;2025-04-05;OIM;high;Près de l'église, côté nord;5100;1 200;"
                      "collective_centre;Pétion-Ville;18,5125;-72,2853\r\n"
                      "ds-b;Site Sud;closed;2025-04-05;OIM;medium;;0;0;spontaneous_site;Jacmel;18,2357;-72,5369\r\n"
                      ).encode("cp1252"))
    result = CliRunner().invoke(main, ["import", "displacement_sites", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "read as Windows-1252 text, semicolon-separated, decimal comma in 'Longitude', 'Latitude'" in result.output
    assert "name <- 'Nom du site'" in result.output and "households <- 'Ménages'" in result.output
    assert "assumed: no column for adm2_pcode: left empty" in result.output
    from geoapp.store import make_store

    from .helpers import cli_settings

    sites = make_store(cli_settings(env)).load()["displacement_sites"].set_index("id")
    assert sites.loc["ds-a", "name"] == "Lycée Pétion-Ville" and sites.loc["ds-a", "households"] == 1200
    assert sites.loc["ds-a", "notes"] == "Près de l'église, côté nord"
    assert (sites.loc["ds-a"].geometry.x, sites.loc["ds-a"].geometry.y) == (-72.2853, 18.5125)


def test_generic_import_of_a_workbook_with_french_headers(tmp_path):
    from geoapp.io.user_files import read_layer_file
    from geoapp.layers import REGISTRY

    path = tmp_path / "ports.xlsx"
    pd.DataFrame({"ID": ["pt-x"], "Nom": ["Port de Jérémie"], "Statut": ["operational"], "Date": ["2025-04-05"],
                  "Source": ["OCHA"], "Confiance": ["medium"], "Remarques": [""], "kind": ["seaport"],
                  "Latitude": [18.65], "Longitude": [-74.12]}).to_excel(path, index=False)
    frame, notes = read_layer_file(path, spec=REGISTRY["ports"])
    assert notes[0] == "read as Excel workbook"
    assert frame.iloc[0]["name"] == "Port de Jérémie" and frame.iloc[0]["status"] == "operational"
    assert frame.iloc[0]["id"] == "pt-x" and frame.iloc[0].geometry.x == -74.12


# -- ACLED exports as users have them -------------------------------------------------------------

DERIVED = "\n".join([
    "event_date,event_type,sub_event_type,actor1,actor2,location,latitude,longitude,fatalities,notes,source_scale",
    "2024-10-03,Battles,Armed clash,Viv Ansanm,Police of Haiti,Kenscoff,18.4477,-72.284,2,Clash at dawn,National",
    "2024-10-03,Battles,Armed clash,Viv Ansanm,Police of Haiti,Kenscoff,18.4477,-72.284,5,Clash at dusk,National",
    "2024-10-03,Battles,Armed clash,Viv Ansanm,Police of Haiti,Kenscoff,18.4477,-72.284,2,Clash at dawn,National",
    "2024-10-03,Battles,Armed clash,Viv Ansanm,,Kenscoff,18.4477,-72.284,0,,National",
    "2024-10-04,Violence against civilians,Attack,Gran Grif,,Coast of La Tortue,20.22,-72.78,1,Boat attacked,Local",
]) + "\n"


def test_acled_without_event_ids_or_precision_gets_stable_ids_and_says_so(tmp_path):
    from geoapp.io.feeds import read_acled

    path = tmp_path / "derived.csv"
    path.write_text(DERIVED, encoding="utf-8")
    frame, summary = read_acled(path)
    again, _ = read_acled(path)
    assert list(frame["id"]) == list(again["id"])  # the same file gives the same ids
    assert len(frame) == 4 and frame["id"].is_unique  # the identical row merged, the others kept apart
    dawn, dusk, other = frame.iloc[0]["id"], frame.iloc[1]["id"], frame.iloc[2]["id"]
    base = min(dawn, dusk)
    assert base.startswith("acled-2024-10-03-") and {dawn, dusk} == {base, base + "-2"}
    assert not other.startswith(base)  # another actor: another event
    assert list(frame["fatalities"]) == [2, 5, 0, 1] and set(frame["geo_precision"]) == {2}
    assert summary["assumptions"] == [
        "no event_id_cnty column: ids derived from date, place, type and actors",
        "1 row identical in every column to an earlier row merged (line 4)",
        "1 event sharing date, place, type and actors with another event of the file but differing elsewhere: "
        "ids numbered (-2, -3, ...)",
        "no geo_precision column: 2 (near the place) assumed for 4 events",
    ]
    reordered = tmp_path / "reordered.csv"
    lines = DERIVED.strip().split("\n")
    reordered.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    assert set(read_acled(reordered)[0]["id"]) == set(frame["id"])  # ids do not depend on row order
    offshore = frame.iloc[3]
    assert offshore["location"] == "Coast of La Tortue" and offshore.geometry.y == 20.22


def test_acled_beyond_the_maritime_margin_is_a_row_error_with_its_value(tmp_path):
    from geoapp.io.feeds import read_acled

    path = tmp_path / "offshore.csv"
    path.write_text(DERIVED + "2024-10-05,Battles,Armed clash,Gang,,Open sea,20.6,-72.8,0,,Local\n"
                    "2024-10-05,Battles,Armed clash,Gang,,Santo Domingo,18.4861,-69.9312,0,,Local\n",
                    encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        read_acled(path)
    assert info.value.problems == [
        "offshore.csv: line 7, column 'longitude': the position is outside Haiti (not on Haiti's land nor within "
        "25 km of its coast): latitude 20.6, longitude -72.8",
        "offshore.csv: line 8, column 'longitude': the position is outside Haiti (not on Haiti's land nor within "
        "25 km of its coast): latitude 18.4861, longitude -69.9312",
    ]


def test_acled_cells_that_are_not_numbers_are_errors_not_defaults(tmp_path):
    from geoapp.io.feeds import read_acled

    path = tmp_path / "cells.csv"
    path.write_text(ACLED_CSV.replace("19.1447,-72.6111,1", "19.1447,-72.6111,x").replace(",184\n", ",many\n")
                    .replace(",0\n", ",\n"), encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        read_acled(path)
    assert info.value.problems == [
        "cells.csv: line 3, column 'fatalities': must be a whole number from 0 to 1,000,000,000",
        "cells.csv: line 2, column 'geo_precision': must be 1, 2 or 3",
    ]


def rejected_file(path):
    import csv
    import io

    target = path.with_name(f"{path.stem}.rejected.csv")
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel opens it with accents intact
    text = raw.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";" if text.split("\n")[0].count(";") else ","))


def test_import_acled_skip_invalid_stores_the_valid_rows_and_writes_the_rejected(tmp_path):
    env = {"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance")}
    path = tmp_path / "acled.csv"
    path.write_text(ACLED_CSV + "HTI12600,2025-02-01,2025,Battles,Armed clash,Gang,Ouest,,,Open sea,20.6,-72.8,2,,,0\n"
                    "HTI12700,not a date,2025,Battles,Armed clash,Gang,Ouest,,,Pétion-Ville,18.51,-72.28,7,,,-1\n"
                    + ACLED_CSV.split("\n")[1] + "\n", encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(main, ["import-acled", str(path)], env=env)  # the default stays all or nothing
    assert refused.exit_code == 1 and not path.with_name("acled.rejected.csv").exists()
    dry = runner.invoke(main, ["import-acled", "--skip-invalid", "--dry-run", str(path)], env=env)
    assert dry.exit_code == 0, dry.output
    assert "3 events to store, 3 rows rejected: their lines and problems are in" in dry.output
    from geoapp.store import make_store

    from .helpers import cli_settings

    store = make_store(cli_settings(env))
    assert len(store.load()["incidents"]) == 19  # the dry run stored nothing
    path.with_name("acled.rejected.csv").unlink()
    done = runner.invoke(main, ["import-acled", "--skip-invalid", str(path)], env=env)
    assert done.exit_code == 0, done.output
    assert "3 events stored, 3 rows rejected" in done.output and "acled.rejected.csv" in done.output
    assert sorted(store.load()["incidents"]["id"]) == ["acled-HTI12345", "acled-HTI12400", "acled-HTI12500"]
    rejected = rejected_file(path)
    assert [r["line"] for r in rejected] == ["5", "6", "7"]
    assert rejected[0]["problems"].startswith("longitude: the position is outside Haiti")
    assert rejected[1]["problems"] == ("event_date: the event date is missing or not a date; fatalities: must be a "
                                       "whole number from 0 to 1,000,000,000; geo_precision: must be 1, 2 or 3")
    assert rejected[1]["location"] == "Pétion-Ville" and rejected[1]["event_id_cnty"] == "HTI12700"
    assert rejected[2]["problems"] == "event 'acled-HTI12345' appears twice (first on line 2)"


def test_import_dtm_skip_invalid_keeps_the_file_s_separator_and_hxl_row(tmp_path):
    env = {"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance")}
    path = tmp_path / "dtm_fr.csv"
    hxl = "#loc+name;#adm2+name;#geo+lat;#geo+lon;#affected+hh;#affected+ind;#loc+type;#date+reported;#description\r\n"
    head, *rows = FRENCH_DTM.split("\r\n")
    path.write_bytes("\r\n".join([head, hxl.strip(), *rows[:-1], "Sans position;Jacmel;;;;10;;05/04/2025;", ""])
                     .encode("cp1252"))
    done = CliRunner().invoke(main, ["import-dtm", "--skip-invalid", str(path)], env=env)
    assert done.exit_code == 0, done.output
    assert "2 sites stored, 1 row rejected" in done.output
    text = path.with_name("dtm_fr.rejected.csv").read_bytes().decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == "line;problems;" + head  # the input's separator, so that the same Excel opens it
    assert lines[1] == "#meta+line;#meta+problems;" + hxl.strip()
    assert lines[2] == "5;Latitude: latitude and longitude must be numbers;Sans position;Jacmel;;;;10;;05/04/2025;"


def test_skip_invalid_with_no_valid_row_stores_nothing(tmp_path):
    env = {"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance")}
    path = tmp_path / "bad.csv"
    path.write_text("event_date,event_type,latitude,longitude\nsoon,Battles,18.5,-72.3\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import-acled", "--skip-invalid", str(path)], env=env)
    assert result.exit_code == 1 and "no valid row, nothing stored" in result.output
    assert "bad.rejected.csv" in result.output and rejected_file(path)[0]["line"] == "2"
    from geoapp.store import make_store

    from .helpers import cli_settings, fixture_features

    assert len(make_store(cli_settings(env)).load()["incidents"]) == len(fixture_features("incidents"))


def test_a_csv_download_imports_back(client, tmp_path):
    path = tmp_path / "ports.csv"
    path.write_bytes(client.get("/api/layers/ports.csv?excel=true").data)  # BOM, HXL row, CRLF
    env = {"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance")}
    result = CliRunner().invoke(main, ["import", "ports", str(path), "--reason", "round trip"], env=env)
    assert result.exit_code == 0, result.output
    assert "read as UTF-8 (with BOM) text, comma-separated, HXL hashtag row" in result.output
    from geoapp.store import make_store

    from .helpers import cli_settings

    ports = make_store(cli_settings(env)).load()["ports"]
    assert len(ports) == 19 and "pt-varreux" in set(ports["id"])
