"""Every setting of the service in one table, read from ``GEOAPP_*`` environment variables."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import shipped
from .errors import ConfigError
from .i18n.translate import _, startup_language, use_language


@dataclasses.dataclass(frozen=True)
class Settings:
    """Service settings.  Each field is read from ``GEOAPP_<FIELD NAME IN CAPITALS>``.

    ================================  ===========  ==================================================
    setting                           default      meaning
    ================================  ===========  ==================================================
    data_dir                          geodata/     folder of the shipped layers (read only; installed:
                                                   the copy inside the package)
    instance_path                     instance/    folder for anything the service writes (installed:
                                                   <prefix>/var/haiti-access-instance)
    database_url                      (none)       postgresql://... for PostGIS; none: GeoPackage in instance/
    database_schema                   public       PostgreSQL schema of the tables
    metric_crs                        EPSG:32618   projected CRS used for lengths and distances
    stale_after_days                  30           warn when the newest ``as_of`` is older than this
    maritime_margin_m                 25000        positions this far off Haiti's coast are still Haiti's
                                                   (coastal events, islands' waters); beyond: refused
    near_buffer_m                     500          "near a controlled zone" means within this distance
    max_edge_m                        500          road edges are split to at most about this length
    penalty_dangerous                 2.0          extra cost per metre on a ``dangerous`` road
    penalty_contested                 4.0          extra cost per metre inside a ``contested`` zone
    penalty_influence                 1.0          extra cost per metre inside an ``influence`` zone
    penalty_near_controlled           1.0          extra cost per metre within ``near_buffer_m``
    penalty_controlled_least_risk     50.0         extra cost per metre inside a ``controlled`` zone
                                                   in ``least_risk`` mode (impassable in ``avoid``)
    penalty_blocked_least_risk        100.0        extra cost per metre on a ``blocked`` road in
                                                   ``least_risk`` mode (impassable in ``avoid``)
    penalty_incident                  1.0          extra cost per metre per unit of incident risk on an edge
    incident_half_life_days           30           an incident's weight halves every this many days
    incident_radius_m_1               1000         reach of an incident with ``geo_precision`` 1 (the place
                                                   itself); its weight falls linearly to 0 at this distance
    incident_radius_m_2               3000         reach with ``geo_precision`` 2 (near the place)
    incident_radius_m_3               10000        reach with ``geo_precision`` 3 (only the commune known)
    incident_caution_risk             0.5          a route on edges whose incident risk reaches this gets
                                                   at least ``caution``
    map_incident_days                 90           the overview map shows incidents of this many days
                                                   up to the day shown
    speed_kmh_primary                 45           planning speeds by ``road_class`` on flat open roads
                                                   (see ``TERRAIN_SPEED``, ``STATUS_SPEED``, ``WINDING``
                                                   and ``SPEED_SPREAD`` below for how they are adjusted)
    speed_kmh_secondary               30
    speed_kmh_urban                   20
    speed_kmh_track                   12
    speed_kmh_other                   25           any other road class
    season                            auto         the season vehicle-aware lookups (``vehicle=`` or
                                                   ``season=`` given) plan for: ``dry``, ``rainy``, or
                                                   ``auto`` (rainy from April to November, Haiti's two
                                                   rainy seasons; dry from December to March);
                                                   ``dry_season_only`` roads are refused in the rainy one
    checkpoint_cost_m                 5000         an active armed-group checkpoint outside controlled
                                                   zones costs as much as this many extra metres of road
                                                   (inside one it is impassable in ``avoid`` mode)
    snap_warn_m                       1000         warn when an endpoint is farther than this from a road
    snap_max_m                        20000        refuse endpoints farther than this from any road
    reload_check_s                    2            how often a server checks whether its layers changed
    site_grid_m                       2000         anonymous callers see displacement sites snapped to the
                                                   centre of a grid cell this size (viewer role and up:
                                                   exact positions)
    rate_limit_lookups                600/minute   per client, route/safety/access lookups and their pages
    rate_limit_scenarios              60/minute    per client, what-if scenarios
    rate_limit_downloads              300/minute   per client, layer downloads
    rate_limit_edits                  120/minute   per client, writes (an empty value turns a limit off)
    answer_cache                      256          route answers each serving process keeps, by question,
                                                   data version and language, and sends again without
                                                   searching (0: none)
    max_body_bytes                    1048576      largest request body accepted (413 above)
    max_area_vertices                 10000        vertex cap of a polygon sent to the API
    max_area_km2                      2000         area cap of a polygon sent to the API
    tile_url                          (none)       base-map tile URL template, or ``osm`` for OpenStreetMap's;
                                                   none: no tiles, the shipped outline and towns instead
    tile_attribution                  (none)       attribution shown with ``tile_url``
    trusted_proxies                   0            reverse proxies in front (X-Forwarded-For/-Proto/-Host
                                                   are trusted from that many hops; 0: none)
    secret_key                        (none)       signs the editors' page sessions; none: a random key made
                                                   once and kept in ``instance_path/secret_key`` (0600), so
                                                   restarts and workers agree (set it when several hosts serve)
    session_lifetime_s                28800        an editor's page session ends this long after signing in
    secure_cookies                    false        true: the session cookie is always ``Secure`` (otherwise
                                                   only when the request came over HTTPS)
    leg_transfer_s_sea                3600         time at the port before a boat leaves (check-in, loading)
    leg_transfer_s_air                2700         time at the airport or helipad before a flight
    leg_wait_on_request_s             21600        expected wait for a leg run ``on request`` (a slot on
                                                   the next trip, booked ahead)
    leg_default_hour                  8            departure hour of a ``daily`` / ``weekly`` / DAYS leg
                                                   whose schedule gives no times
    leg_cost_kmh                      25           sea and air legs cost their time (transfer, wait,
                                                   crossing) as this many km per hour: road costs are
                                                   risk-weighted metres, so an hour at a port or on
                                                   board weighs as an hour on an average open road (the
                                                   ``other`` class speed: primary roads are faster,
                                                   mountain tracks much slower)
    port_restricted_s                 7200         a ``restricted`` port at either end of a leg costs this
                                                   many seconds more (inspections, queues)
    port_gang_controlled_s            86400        a ``gang_controlled`` port costs this many seconds more
                                                   in ``least_risk`` mode (never used in ``avoid``)
    curfew                            19:00-05:00  the national curfew, local time (America/Port-au-
                                                   Prince); ``none``: no curfew.  With ``depart=``, road travel
                                                   inside it makes a route ``caution`` (``curfew=avoid``:
                                                   wait for its end, or refuse)
    curfew_areas                      (none)       a GeoJSON file of polygons with their own ``hours``
                                                   (e.g. ``18:00-06:00``) and ``name``, on top of ``curfew``
    dark_hours                        18:30-05:30  night, local time: with ``depart=``, ``dangerous`` roads
                                                   travelled then cost ``penalty_dangerous_dark`` more
    penalty_dangerous_dark            2.0          extra cost per metre on a ``dangerous`` road in the dark
    ================================  ===========  ==================================================
    """

    data_dir: Path = shipped.data_dir()
    instance_path: Path = shipped.instance_dir()
    database_url: str | None = None
    database_schema: str = "public"
    metric_crs: str = "EPSG:32618"
    stale_after_days: int = 30
    maritime_margin_m: float = 25000.0
    near_buffer_m: float = 500.0
    max_edge_m: float = 500.0
    penalty_dangerous: float = 2.0
    penalty_contested: float = 4.0
    penalty_influence: float = 1.0
    penalty_near_controlled: float = 1.0
    penalty_controlled_least_risk: float = 50.0
    penalty_blocked_least_risk: float = 100.0
    penalty_incident: float = 1.0
    incident_half_life_days: float = 30.0
    incident_radius_m_1: float = 1000.0
    incident_radius_m_2: float = 3000.0
    incident_radius_m_3: float = 10000.0
    incident_caution_risk: float = 0.5
    map_incident_days: int = 90
    speed_kmh_primary: float = 45.0
    speed_kmh_secondary: float = 30.0
    speed_kmh_urban: float = 20.0
    speed_kmh_track: float = 12.0
    speed_kmh_other: float = 25.0
    season: str = "auto"
    checkpoint_cost_m: float = 5000.0
    snap_warn_m: float = 1000.0
    snap_max_m: float = 20000.0
    reload_check_s: float = 2.0
    site_grid_m: float = 2000.0
    rate_limit_lookups: str = "600/minute"
    rate_limit_scenarios: str = "60/minute"
    rate_limit_downloads: str = "300/minute"
    rate_limit_edits: str = "120/minute"
    answer_cache: int = 256
    max_body_bytes: int = 1048576
    max_area_vertices: int = 10000
    max_area_km2: float = 2000.0
    tile_url: str | None = None
    tile_attribution: str | None = None
    trusted_proxies: int = 0
    secret_key: str | None = dataclasses.field(default=None, repr=False)
    session_lifetime_s: int = 28800
    secure_cookies: bool = False
    leg_transfer_s_sea: float = 3600.0
    leg_transfer_s_air: float = 2700.0
    leg_wait_on_request_s: float = 21600.0
    leg_default_hour: int = 8
    leg_cost_kmh: float = 25.0
    port_restricted_s: float = 7200.0
    port_gang_controlled_s: float = 86400.0
    curfew: str = "19:00-05:00"
    curfew_areas: Path | None = None
    dark_hours: str = "18:30-05:30"
    penalty_dangerous_dark: float = 2.0

    def __post_init__(self):
        for name in _POSITIVE:
            if not getattr(self, name) > 0:
                raise ConfigError(_("setting %(name)s must be greater than 0", name=name))
        for name in ("curfew", "dark_hours"):
            if not _HOURS.fullmatch(getattr(self, name).strip()):
                raise ConfigError(_("setting %(name)s=%(value)s must be HH:MM-HH:MM (e.g. 19:00-05:00) or none",
                                    name=name, value=repr(getattr(self, name))))
        if not 0 <= self.leg_default_hour <= 23:
            raise ConfigError(_("setting %(name)s must be an hour from 0 to 23", name="leg_default_hour"))
        if self.season not in SEASON_SETTINGS:
            raise ConfigError(_("setting season must be one of %(choices)s", choices=", ".join(SEASON_SETTINGS)))

    def speeds_kmh(self) -> dict[str, float]:
        """Planning speed for each road class; ``other`` covers the rest."""
        return {
            "primary": self.speed_kmh_primary,
            "secondary": self.speed_kmh_secondary,
            "urban": self.speed_kmh_urban,
            "track": self.speed_kmh_track,
            "other": self.speed_kmh_other,
        }

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Settings:
        """Build settings from plain values (strings from the environment or typed values)."""
        kwargs: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            if field.name not in values or values[field.name] is None:
                continue
            kwargs[field.name] = _coerce(field, values[field.name])
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ConfigError(_("unknown setting(s): %(names)s", names=", ".join(sorted(unknown))))
        return cls(**kwargs)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
    ) -> Settings:
        """Settings from ``GEOAPP_*`` variables, then ``overrides`` (e.g. a test config).

        A setting refused is said in the process's language (see ``startup_language``): no request
        has chosen one yet.
        """
        environ = os.environ if environ is None else environ
        with use_language(startup_language(environ)):
            return cls._from_env(environ, overrides)

    @classmethod
    def _from_env(cls, environ: Mapping[str, str], overrides: Mapping[str, Any] | None) -> Settings:
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            key = "GEOAPP_" + field.name.upper()
            if environ.get(key, "") != "":
                values[field.name] = environ[key]
            elif key in environ and field.name.startswith("rate_limit_"):
                values[field.name] = ""  # set but empty: that limit is off (as documented)
        values.update(overrides or {})
        return cls.from_mapping(values)


#: How much longer a road really is than its hand-drawn line, by terrain and road class: (low, best,
#: high) factors applied to the drawn length.  A line drawn with a few vertices between towns cuts every
#: bend: little on the plains (RN1 across the Artibonite, RN2 along the coast), much on mountain roads
#: (RN7 over the Massif de la Hotte to Jérémie, Kenscoff-Furcy-Seguin-Marigot), where the real road is
#: half as long again.  Calibrated on roads whose real length is known: Les Cayes - Jérémie (RN7) is
#: about 95-100 km by road for 64 km drawn; Léogâne - Jacmel about 70 km for 50 km drawn.  Surveyed
#: (GPS) and OSM lines are taken at their own length (factor 1).  Urban streets follow a grid: the
#: plains' factors.  Every best factor is at least 1: a drawn line never overstates the road.
WINDING: dict[str, dict[str, tuple[float, float, float]]] = {
    "flat": {"primary": (1.05, 1.12, 1.25), "secondary": (1.05, 1.15, 1.3), "urban": (1.0, 1.1, 1.2),
             "track": (1.1, 1.2, 1.4), "other": (1.05, 1.15, 1.3)},
    "hilly": {"primary": (1.1, 1.25, 1.45), "secondary": (1.15, 1.3, 1.5), "urban": (1.05, 1.15, 1.3),
              "track": (1.2, 1.35, 1.6), "other": (1.15, 1.3, 1.5)},
    "mountain": {"primary": (1.45, 1.7, 2.0), "secondary": (1.45, 1.7, 2.0), "urban": (1.1, 1.25, 1.4),
                 "track": (1.5, 1.8, 2.2), "other": (1.45, 1.7, 2.0)},
}
#: Share of the class speed kept on each terrain (grades, hairpins), for roads without their own speed
#: (an OSM ``maxspeed`` is used as it is).
TERRAIN_SPEED = {"flat": 1.0, "hilly": 0.85, "mountain": 0.6}
#: Share of the speed kept by road status: a ``dangerous`` road means checkpoints, extortion stops and
#: convoys; a ``blocked`` one (crossed only in ``least_risk`` mode) means negotiating passage.
STATUS_SPEED = {"open": 1.0, "dangerous": 0.7, "blocked": 0.4}
#: Planning speeds are a guess about traffic, weather and the vehicle: durations are given from the
#: low length at ``SPEED_SPREAD[1]`` times the speed to the high length at ``SPEED_SPREAD[0]`` times it.
SPEED_SPREAD = (0.75, 1.15)
#: Vehicle speeds: the planning speeds above are a car's or a 4x4's.  With ``vehicle=`` each edge's
#: open-road speed is multiplied by the vehicle's share for the edge's terrain and capped at the
#: vehicle's top speed (km/h): loaded trucks crawl up mountain roads, a motorbike keeps its pace, a
#: person on foot walks.  The status slowdowns (``STATUS_SPEED``) and ``SPEED_SPREAD`` apply after.
VEHICLE_SPEED: dict[str, dict[str, float]] = {
    #             flat  hilly mountain  top speed
    "foot": {"flat": 1.0, "hilly": 1.0, "mountain": 0.8, "max_kmh": 4.5},
    "moto": {"flat": 1.0, "hilly": 1.0, "mountain": 1.0, "max_kmh": 60.0},
    "4x4": {"flat": 1.0, "hilly": 1.0, "mountain": 1.0, "max_kmh": 90.0},
    "light_truck": {"flat": 0.95, "hilly": 0.9, "mountain": 0.85, "max_kmh": 80.0},
    "truck_20ft": {"flat": 0.85, "hilly": 0.75, "mountain": 0.6, "max_kmh": 60.0},
    "heavy_truck": {"flat": 0.8, "hilly": 0.65, "mountain": 0.5, "max_kmh": 50.0},
}
#: Values of the ``season`` setting (``auto``: by the month, see ``RAINY_MONTHS``), and the seasons a
#: lookup may ask for with ``season=``.
SEASON_SETTINGS = ("auto", "dry", "rainy")
ROUTE_SEASONS = ("dry", "rainy")
#: Months of Haiti's rainy seasons (April-June and August-November; July's lull is counted with them,
#: a planner does not gamble on a ford in July).
RAINY_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11)

#: A span of hours (local time), or none: the curfew and the dark hours.
_HOURS = re.compile(r"(?i)none|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d")
#: Settings that divide something: zero would make no sense.
_POSITIVE = ("max_edge_m", "leg_cost_kmh", "incident_half_life_days", "incident_radius_m_1", "incident_radius_m_2",
             "incident_radius_m_3", "session_lifetime_s")
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _coerce(field: dataclasses.Field, value: Any) -> Any:
    kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
    try:
        if kind in ("Path", "Path | None"):
            return Path(value)
        if kind == "int":
            return _number(int, value, _("must be a whole number"))
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text not in _TRUE + _FALSE:
                raise ValueError(_("must be true or false"))
            return text in _TRUE
        if kind == "float":
            number = _number(float, value, _("must be a number"))
            if number < 0:
                raise ValueError(_("must not be negative"))
            return number
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(_("setting %(name)s=%(value)s is not valid: %(problem)s", name=field.name, value=repr(value),
                            problem=exc)) from exc


def _number(kind: type, value: Any, problem: str) -> Any:
    """``value`` as an int or float, else ``ValueError`` saying ``problem`` (not Python's English)."""
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ValueError(problem) from None
