"""A CI-sized schemathesis run over every operation of /openapi.json against the real server.

``make fuzz`` runs the long version (150 examples an operation, several thousand requests).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.server]

ROOT = Path(__file__).resolve().parent.parent


def test_schemathesis_finds_no_server_error_and_no_schema_violation():
    result = subprocess.run(["bash", str(ROOT / "scripts" / "fuzz.sh"), "12"], capture_output=True, text=True,
                            timeout=900)
    tail = "\n".join(result.stdout.splitlines()[-40:])
    assert result.returncode == 0, tail + result.stderr[-2000:]
    assert "passed" in tail
