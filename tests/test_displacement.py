"""IOM DTM figures per commune and round: import as published, answers per area, downloads, read-only."""

from __future__ import annotations

import io
import os
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from click.testing import CliRunner

from geoapp import create_app
from geoapp.cli import main

# The shape of IOM DTM's public Haiti table (HDX / DTM API): levels 0-2 mixed, an HXL row, several rows
# per commune and round (one per department of origin), names spelled unlike COD-AB.
HEADER = ("id,operation,admin0Name,admin0Pcode,admin1Name,admin1Pcode,admin2Name,admin2Pcode,adminLevel,"
          "numPresentIdpInd,reportingDate,yearReportingDate,monthReportingDate,roundNumber,displacementReason,"
          "idpOriginAdmin1Name,idpOriginAdmin1Pcode")
HXL = ("#id,#operation+name,#country+name,#country+code,#adm1+name,#adm1+code,#adm2+name,#adm2+code,#adm+level,"
       "#affected+idps,#date+reported,#date+year,#date+month,#round+code,#indicator+reason,#adm1+name+origin,"
       "#adm1+code+origin")
ROWS = [
    "1,Haiti crisis,Haiti,HTI,,,,,0,1010000,2024-12-09T00:00:00,2024,12,9,Conflict,,",
    "2,Haiti crisis,Haiti,HTI,West,HT01,,,1,700000,2024-12-09T00:00:00,2024,12,9,Conflict,,",
    "3,Haiti crisis,Haiti,HTI,West,HT01,Port au Prince,HT0111,2,400000,2024-12-09T00:00:00,2024,12,9,Conflict,"
    "West,HT01",
    "4,Haiti crisis,Haiti,HTI,West,HT01,Port au Prince,HT0111,2,50000,2024-12-09T00:00:00,2024,12,9,Conflict,"
    "Artibonite,HT05",
    "5,Haiti crisis,Haiti,HTI,West,HT01,Petion Ville,HT0114,2,250000,2024-12-09T00:00:00,2024,12,9,Conflict,"
    "West,HT01",
    "6,Haiti crisis,Haiti,HTI,North,HT03,Cap Haitien,HT0311,2,300000,2024-12-09T00:00:00,2024,12,9,Conflict,"
    "West,HT01",
    "7,Haiti crisis,Haiti,HTI,West,HT01,Port au Prince,HT0111,2,380000,2024-09-01T00:00:00,2024,9,8,Conflict,"
    "West,HT01",
    "8,Haiti crisis,Haiti,HTI,North,HT03,Cap Haitien,HT0311,2,200000,2024-09-01T00:00:00,2024,9,8,Conflict,"
    "West,HT01",
]
DTM_CSV = "\n".join([HEADER, HXL, *ROWS]) + "\n"


def run(env, *args):
    return CliRunner().invoke(main, ["import-dtm", *map(str, args)], env=env)


@pytest.fixture()
def env(tmp_path):
    return {"GEOAPP_INSTANCE_PATH": str(tmp_path / "instance")}


def stored_figures(env):
    from geoapp.store import make_store

    from .helpers import cli_settings

    return make_store(cli_settings(env)).load_figures()


def test_a_commune_table_is_summed_per_commune_round_and_date_and_checked(tmp_path, env):
    path = tmp_path / "hti_dtm_admin2.csv"
    path.write_text(DTM_CSV, encoding="utf-8")
    result = run(env, path)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "5 figures for 3 communes in 2 round(s)" in out and "(HXL hashtags used)" in out
    assert "round 9, 2024-12-09: 1,000,000 individuals in 3 communes" in out
    # the department row agrees with its communes; the national row says 10,000 more than they sum to
    assert "Haiti (HT), 2024-12-09: the file says 1,010,000, its communes sum to 1,000,000 (+10,000)" in out
    assert "1 department or national total(s) equal the sum of their communes" in out
    assert "not stored twice" in out
    figures = stored_figures(env).set_index(["pcode", "round"])
    assert figures.at[("HT0111", "9"), "individuals"] == 450_000  # two rows by department of origin, summed
    assert len(figures) == 5 and set(figures.index.get_level_values(0)) == {"HT0111", "HT0114", "HT0311"}


def test_unknown_p_codes_are_row_errors_and_nothing_is_stored(tmp_path, env):
    path = tmp_path / "dtm.csv"
    path.write_text(DTM_CSV.replace("Petion Ville,HT0114", "Petion Ville,HT0199"), encoding="utf-8")
    result = run(env, path)
    assert result.exit_code == 1
    assert "dtm.csv: line 7, column 'admin2Pcode': unknown commune p-code" in result.output
    assert "left as they were" in result.output and len(stored_figures(env)) == 0


def test_rounds_accumulate_into_a_time_series_and_a_round_imported_again_is_replaced(tmp_path, env):
    first, again = tmp_path / "r8_r9.csv", tmp_path / "r9_revised.csv"
    first.write_text(DTM_CSV, encoding="utf-8")
    assert run(env, first).exit_code == 0
    revised = [r.replace(",250000,", ",260000,") for r in ROWS if ",9,Conflict" in r]
    again.write_text("\n".join([HEADER, HXL, *revised]) + "\n", encoding="utf-8")
    result = run(env, again)
    assert result.exit_code == 0, result.output
    assert "3 figures of the same rounds replaced; other rounds kept" in result.output
    figures = stored_figures(env)
    assert sorted(figures["round"].unique()) == ["8", "9"] and len(figures) == 5
    assert figures.set_index(["pcode", "round"]).at[("HT0114", "9"), "individuals"] == 260_000


def test_xlsx_without_hxl_and_without_a_level_column(tmp_path, env):
    path = tmp_path / "dtm.xlsx"
    pd.DataFrame({
        "Admin 1 Pcode": ["HT01", "HT01"], "Admin 2 Pcode": ["HT0111", "HT0113"],
        "IDPs": [1200, 800], "Reporting Date": ["2025-03-10", "2025-03-10"], "Round": ["Round 10", "Round 10"],
    }).to_excel(path, index=False)
    result = run(env, path)
    assert result.exit_code == 0, result.output
    figures = stored_figures(env)
    assert set(figures["round"]) == {"10"} and figures["individuals"].sum() == 2000


def pipe(text: str) -> str:
    """A path that can be read once, as ``geoapp import-dtm <(curl ...)`` gives the command."""
    read, write = os.pipe()
    os.write(write, text.encode("utf-8"))  # small enough for the pipe's buffer
    os.close(write)
    return f"/dev/fd/{read}"


@pytest.mark.parametrize("table, said", [(DTM_CSV, "displacement figures per commune"), (None, "3 sites (2 open)")])
def test_import_dtm_reads_its_file_once_so_a_pipe_works(env, table, said):
    from .test_feeds import HXL_CSV

    path = pipe(table or HXL_CSV)
    try:
        result = run(env, "--dry-run", path)
    finally:
        os.close(int(path.rsplit("/", 1)[1]))
    assert result.exit_code == 0, result.output
    assert said in result.output and "dry run: nothing stored" in result.output


def test_a_site_table_still_replaces_the_sites(tmp_path, env):
    from .test_feeds import HXL_CSV

    path = tmp_path / "sites.csv"
    path.write_text(HXL_CSV, encoding="utf-8")
    result = run(env, path)
    assert result.exit_code == 0 and "3 sites (2 open)" in result.output
    assert len(stored_figures(env)) == 0


@pytest.fixture(scope="module")
def figures_app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("figures")
    path = instance / "dtm.csv"
    path.write_text(DTM_CSV, encoding="utf-8")
    assert run({"GEOAPP_INSTANCE_PATH": str(instance)}, path).exit_code == 0
    app = create_app({"instance_path": instance})
    yield app
    app.extensions["geoapp"].stop()


def test_communes_in_the_latest_round_with_population_rate_and_change(figures_app):
    body = figures_app.test_client().get("/api/displacement").json
    assert body["round"] == {"round": "9", "date": "2024-12-09", "individuals": 1_000_000}
    assert body["previous_round"]["round"] == "8" and body["total"] == 1_000_000 and body["total_change"] == 420_000
    areas = {a["pcode"]: a for a in body["areas"]}
    pap = areas["HT0111"]
    assert pap["name"] == "Port-au-Prince" and pap["individuals"] == 450_000 and pap["change"] == 70_000
    assert pap["population"] == 1_227_540 and pap["per_1000_residents"] == pytest.approx(366.6)
    assert areas["HT0114"]["change"] is None  # not counted in the round before
    assert areas["HT0311"]["name"] == "Cap-Haïtien" and areas["HT0311"]["adm1_name"] == "Nord"
    assert body["data_as_of"] == "2024-12-09" and [r["round"] for r in body["rounds"]] == ["8", "9"]


def test_departments_and_an_earlier_date(figures_app):
    client = figures_app.test_client()
    body = client.get("/api/displacement?level=adm1&date=2024-10-15").json
    assert body["round"]["round"] == "8"
    assert {a["pcode"]: a["individuals"] for a in body["areas"]} == {"HT01": 380_000, "HT03": 200_000}
    before = client.get("/api/displacement?date=2020-01-01").json
    assert before["areas"] == [] and "first on record is dated 2024-09-01" in before["warnings"][0]


@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_csv_with_hxl_opens_in_pandas_and_libhxl(figures_app, tmp_path):  # libhxl leaves its text wrapper open
    import hxl
    from hxl.input import InputOptions

    response = figures_app.test_client().get("/api/displacement?level=adm2&f=csv")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    table = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", skiprows=[1])
    assert list(table.columns[:2]) == ["pcode", "name"] and table["individuals"].sum() == 1_000_000
    assert "Cap-Haïtien" in set(table["name"])
    path = tmp_path / "displacement.csv"
    path.write_bytes(response.data)
    with open(path, "rb") as handle:  # the file as downloaded, BOM included
        rows = list(hxl.data(handle, InputOptions(allow_local=True)))
    assert {r.get("#adm2+code") for r in rows} == {"HT0111", "HT0114", "HT0311"}
    assert sum(int(r.get("#affected+idps+ind")) for r in rows) == 1_000_000


def test_csv_ends_lines_as_every_csv_download_does_crlf_with_excel_true(figures_app):
    client = figures_app.test_client()
    plain = client.get("/api/displacement?f=csv").data
    excel = client.get("/api/displacement?f=csv&excel=true").data
    assert plain.startswith("\ufeff".encode()) and excel.startswith("\ufeff".encode()) and b"\r" not in plain
    assert excel == plain.replace(b"\n", b"\r\n") and plain.split(b"\n")[1].startswith(b"#adm2+code,#adm2+name")


def test_a_communes_series_chart_and_sites(figures_app):
    client = figures_app.test_client()
    body = client.get("/api/displacement/HT0111").json
    assert [s["individuals"] for s in body["series"]] == [380_000, 450_000]
    assert body["latest"]["change"] == 70_000 and body["adm1_name"] == "Ouest"
    assert any(site["name"] for site in body["sites"])  # open sites placed in Port-au-Prince
    chart = client.get(body["chart"])
    assert chart.mimetype == "image/svg+xml"
    svg = ET.fromstring(chart.data)
    assert len(svg.findall("{http://www.w3.org/2000/svg}rect")) == 2 and b"<script" not in chart.data
    assert client.get("/api/displacement/HT9999").status_code == 404


def test_figures_are_an_ogc_collection_that_cannot_be_edited(figures_app):
    client = figures_app.test_client()
    items = client.get("/ogcapi/collections/displacement_figures/items?adm2_pcode=HT0111").json
    assert items["numberMatched"] == 2
    assert {f["properties"]["round"] for f in items["features"]} == {"8", "9"}
    one = client.get("/ogcapi/collections/displacement_figures/items/HT0111-9")
    assert one.status_code == 200 and one.json["properties"]["change"] == 70_000
    refused = client.post("/ogcapi/collections/displacement_figures/items", json={"type": "Feature"})
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("query, field", [("level=adm3", "level"), ("date=2024-13-01", "date"), ("f=xml", "f"),
                                          ("colour=red", "colour"), ("date=", "date"), ("level=", "level"),
                                          ("f=csv&excel=maybe", "excel")])
def test_bad_parameters_are_400s(figures_app, query, field):
    response = figures_app.test_client().get(f"/api/displacement?{query}")
    assert response.status_code == 400 and response.json["error"]["field"] == field


def test_with_no_figures_the_answer_says_how_to_import_them(client):
    body = client.get("/api/displacement").json
    assert body["areas"] == [] and "geoapp import-dtm" in body["warnings"][0]


def test_a_commune_reported_twice_in_one_round_counts_once_in_the_round_total():
    from geoapp.data.figures import Rounds

    figures = pd.DataFrame({"pcode": ["HT0111", "HT0111", "HT0114"], "round": ["9", "9", "9"],
                            "date": ["2024-12-01", "2024-12-09", "2024-12-09"],
                            "individuals": [400_000, 450_000, 250_000], "source": "t"})
    assert Rounds.of(figures).describe(0) == {"round": "9", "date": "2024-12-09", "individuals": 700_000}
