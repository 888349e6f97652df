"""The benchmark scripts run end to end at a tiny size, as `python bench/NAME.py` (figures not asserted)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from .helpers import ROOT

pytestmark = pytest.mark.slow


def run_bench(script: str, *args: str) -> str:
    """Run ``python bench/SCRIPT ARGS`` from the repository root as a user would; its standard output."""
    env = {k: v for k, v in os.environ.items() if k != "GEOAPP_BENCH_PG_DSN"}
    done = subprocess.run([sys.executable, f"bench/{script}", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"bench/{script} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_bench_runs_and_writes_results(tmp_path):
    out = tmp_path / "results.json"
    printed = run_bench("run.py", "--side", "40", "--pairs", "30", "--baseline-pairs", "3", "--sites", "40",
                        "--out", str(out))
    results = json.loads(out.read_text())["synthetic"]
    assert results["nodes"] == 1600
    assert results["query"]["pairs"] == 30
    assert results["networkx"]["same_costs"] == "3/3"  # the engine agrees with networkx on every pair
    for key in ("lookup", "reweight", "access"):
        assert results[key]["median_ms" if key != "lookup" else "p50_ms"] > 0
    assert "pgRouting: skipped" in printed


@pytest.mark.browser
def test_page_weight_bench_runs():
    out = run_bench("page_weight.py", "--roads", "3000", "--incidents", "500", "--browser")
    assert "shipped layers" in out and "at scale (500 incidents, 3,000" in out
    assert out.count("target 300 KB: met") == 2 and "target 300 KB: NOT met" not in out
    assert "alone as a gzipped topology" in out
    # what a browser transfers, per encoding; the verdict against 100 KB only on the shipped data
    assert out.count("target 100 KB compressed: ") == 2 and "100 KB compressed: informative with brotli" in out
    shipped = re.search(r"\((\d+) files\): ([\d.]+) KB with brotli, ([\d.]+) KB with gzip, ([\d.]+) KB uncompressed",
                        out)
    assert shipped and float(shipped[2]) < float(shipped[3]) < float(shipped[4]) / 3
    # the target on the shipped data, for every browser: brotli is offered only over HTTPS
    assert "(target 100 KB compressed: met with brotli, met with gzip alone)" in out and float(shipped[3]) <= 100
    assert "compressing a route answer per request" in out
    # what Chromium really fetched to open the overview, asking for gzip alone: the very files counted
    seen = re.search(r"in Chromium asking for gzip: (\d+) files fetched, ([\d.]+) KB received \(gzip", out)
    assert seen and seen[1] == shipped[1] and "the same files as counted" in out and float(seen[2]) <= 100


def test_feeds_bench_runs(tmp_path):
    out = tmp_path / "feeds.json"
    printed = run_bench("feeds.py", "--events", "400", "--repeats", "1", "--out", str(out))
    results = json.loads(out.read_text())
    assert results["events"] == 400 and results["offshore_events"] > 0 and results["rejected"] == 4
    assert set(results["read_s"]) == {"acled_export", "french_excel", "derived_ids"}
    assert "import into a fresh GeoPackage store" in printed


@pytest.mark.server
def test_memory_bench_measures_a_preloaded_server(tmp_path):
    out = tmp_path / "memory.json"
    printed = run_bench("memory.py", "--nodes", "3000", "--incidents", "200", "--settle", "1", "--out", str(out))
    size = json.loads(out.read_text())["sizes"]["3000"]
    served = size["preload"]
    assert served["graph_nodes"] > 1000 and served["route_lookups"] > 0
    assert len(served["workers"]) == len(served["workers_when_ready"]) == 2
    for process in (served["master"], *served["workers"]):
        assert 0 < process["pss_mb"] <= process["rss_mb"]
    # PSS shares each page out between the processes mapping it: the workers share the master's
    assert served["total_pss_mb"] < served["master"]["rss_mb"] + sum(w["rss_mb"] for w in served["workers"])
    assert "preload: ready in" in printed and "all processes PSS" in printed
