"""The built wheel works on its own: installed outside the checkout it validates, seeds and serves its pages.

The wheel is built from a copy of the sources (nothing written into the checkout) and installed with
``--no-deps`` into a fresh virtual environment; the dependencies come from this interpreter's
site-packages through PYTHONPATH, where ``.pth`` files are not read, so the checkout's editable
install cannot stand in for the wheel.
"""

import json
import os
import shutil
import signal
import site
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.server]


class _Assets(HTMLParser):
    """The scripts and stylesheets a page loads."""

    def __init__(self):
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        elif tag == "link" and "stylesheet" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.styles.append(attrs["href"])


def _run(*args, **kwargs) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, **kwargs)
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(environment, venv, wheel) of the wheel installed in a fresh venv, run from outside the checkout."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("geoapp", "geodata"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    wheels = tmp / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", wheels, src, cwd=tmp)
    (wheel,) = wheels.glob("haiti_access-*.whl")
    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", venv)
    _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--find-links", wheels,
         wheel, cwd=tmp)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEOAPP_", "PYTHON", "FLASK_"))}
    env["PYTHONPATH"] = os.pathsep.join(site.getsitepackages())
    return env, venv, wheel


def test_wheel_names_every_subpackage_and_carries_the_shipped_layers(installed):
    _, _, wheel = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for init in (ROOT / "geoapp").rglob("__init__.py"):
        assert init.relative_to(ROOT).as_posix() in names, f"{init.parent.name} is missing from pyproject's packages"
    shipped = {p.relative_to(ROOT / "geodata").as_posix() for pattern in ("*.geojson", "*.csv")
               for p in (ROOT / "geodata").rglob(pattern)}
    assert shipped and {f"geoapp/_geodata/{name}" for name in shipped} <= names


def test_installed_wheel_validates_and_serves_its_pages(installed, tmp_path):
    env, venv, _ = installed
    python = str(venv / "bin" / "python")
    probe = "import geoapp.settings as s; print(s.__file__); print(s.Settings().data_dir)"
    where = _run(python, "-c", probe, cwd=tmp_path, env=env).split()
    assert all(Path(p).is_relative_to(venv) for p in where), where  # the wheel's copy, not the checkout's

    validated = _run(venv / "bin" / "geoapp", "validate", cwd=tmp_path, env=env)
    assert validated.splitlines()[-1] == "ok"
    assert "roads: 0 features" not in validated

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(venv / "bin" / "geoapp"), "serve", "--port", str(port), "--workers", "1"],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("server did not start") from None
                time.sleep(0.2)
        status, kind, body = _get(base + "/")
        assert status == 200 and kind.startswith("text/html")
        page = _Assets()
        page.feed(body.decode())
        assert page.scripts and page.styles
        for urls, expected in ((page.scripts, "javascript"), (page.styles, "text/css")):
            for url in urls:
                assert url.startswith("/"), f"{url}: the page loads from another host"
                status, kind, content = _get(base + url)
                assert status == 200 and expected in kind and content, (url, status, kind)
        places = json.loads(_get(base + "/api/places?q=Okap")[2])["places"]  # the curated names travel too
        assert places[0]["name"] == "Cap-Haïtien"
        # the wheel's catalogs work: the pages speak French and Creole
        status, _, body = _get(base + "/route?lang=ht")
        assert status == 200 and "Tcheke yon wout" in body.decode() and '<html lang="ht">' in body.decode()
        assert "Vérifier un point" in _get(base + "/point?lang=fr")[2].decode()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode(errors="replace")
    assert "Traceback" not in output, output
