"""The benchmark script runs end to end at a tiny size (its figures are not asserted: see bench/)."""

from __future__ import annotations

import json
import re

import pytest

from bench.run import main

pytestmark = pytest.mark.slow


def test_bench_runs_and_writes_results(tmp_path, capsys):
    out = tmp_path / "results.json"
    assert main(["--side", "40", "--pairs", "30", "--baseline-pairs", "3", "--sites", "40", "--out", str(out)]) == 0
    results = json.loads(out.read_text())["synthetic"]
    assert results["nodes"] == 1600
    assert results["query"]["pairs"] == 30
    assert results["networkx"]["same_costs"] == "3/3"  # the engine agrees with networkx on every pair
    for key in ("lookup", "reweight", "access"):
        assert results[key]["median_ms" if key != "lookup" else "p50_ms"] > 0
    assert "pgRouting: skipped" in capsys.readouterr().out


def test_page_weight_bench_runs(capsys):
    from bench.page_weight import main as page_weight

    assert page_weight(["--roads", "3000", "--incidents", "500"]) == 0
    out = capsys.readouterr().out
    assert "shipped layers" in out and "at scale (500 incidents, 3,000" in out
    assert out.count("target 300 KB: met") == 2 and "target 300 KB: NOT met" not in out
    assert "boundaries fetched when shown" in out
    # what a browser transfers, per encoding; the verdict against 100 KB only on the shipped data
    assert out.count("target 100 KB compressed: ") == 2 and "100 KB compressed: informative with brotli" in out
    shipped = re.search(r"\(16 files\): ([\d.]+) KB with brotli, ([\d.]+) KB with gzip, ([\d.]+) KB uncompressed", out)
    assert shipped and float(shipped[1]) < float(shipped[2]) < float(shipped[3]) / 3
    assert "compressing a route answer per request" in out


def test_feeds_bench_runs(tmp_path, capsys):
    from bench.feeds import main as feeds

    out = tmp_path / "feeds.json"
    assert feeds(["--events", "400", "--repeats", "1", "--out", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["events"] == 400 and results["offshore_events"] > 0 and results["rejected"] == 4
    assert set(results["read_s"]) == {"acled_export", "french_excel", "derived_ids"}
    assert "import into a fresh GeoPackage store" in capsys.readouterr().out
