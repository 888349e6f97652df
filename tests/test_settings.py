"""Settings come from GEOAPP_* variables, then from the app factory's config; bad values are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoapp.errors import ConfigError
from geoapp.settings import Settings


def test_defaults_and_environment():
    settings = Settings.from_env({"GEOAPP_NEAR_BUFFER_M": "750", "GEOAPP_STALE_AFTER_DAYS": "7",
                                  "GEOAPP_INSTANCE_PATH": "/tmp/x", "GEOAPP_TILE_URL": ""})
    assert settings.near_buffer_m == 750.0
    assert settings.stale_after_days == 7
    assert settings.instance_path == Path("/tmp/x")
    assert settings.tile_url is None
    assert settings.speeds_kmh()["track"] == 12.0


def test_config_overrides_environment():
    settings = Settings.from_env({"GEOAPP_NEAR_BUFFER_M": "750"}, overrides={"near_buffer_m": 100})
    assert settings.near_buffer_m == 100.0


@pytest.mark.parametrize(("env", "message"), [
    ({"GEOAPP_NEAR_BUFFER_M": "far"}, "near_buffer_m='far' is not valid"),
    ({"GEOAPP_PENALTY_DANGEROUS": "-1"}, "must not be negative"),
    ({"GEOAPP_STALE_AFTER_DAYS": "1.5"}, "stale_after_days='1.5' is not valid"),
])
def test_bad_values_are_refused(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_unknown_setting_is_refused():
    with pytest.raises(ConfigError, match="unknown setting"):
        Settings.from_env({}, overrides={"near_bufer_m": 3})


def test_app_writes_only_to_its_instance_folder(tmp_path, make_app):
    instance = tmp_path / "inst"
    app = make_app({"instance_path": instance})
    assert Path(app.instance_path) == instance.resolve() and instance.is_dir()


def test_an_empty_rate_limit_variable_turns_that_limit_off():
    settings = Settings.from_env({"GEOAPP_RATE_LIMIT_DOWNLOADS": "", "GEOAPP_PORT_UNUSED": ""})
    assert settings.rate_limit_downloads == "" and settings.rate_limit_lookups == "600/minute"
