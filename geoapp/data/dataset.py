"""The loaded layers and everything derived from them, built once per data version, swapped whole."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ..i18n.gazetteer import AREA_KINDS, Gazetteer, build_gazetteer, read_alternative_names
from ..io.context import load_context
from ..io.geojson import to_feature_collection
from ..layers import FIGURE_COLUMNS, REGISTRY
from ..links import with_road_snaps
from ..network.access import SiteSnaps, edge_figures
from ..network.legs import LegNetwork, LegRules
from ..network.lengths import geometry_key
from ..network.routing import RoadNetwork, Router
from ..safety import RiskWeights
from ..settings import Settings
from ..validate import empty_layer
from .citations import Citations
from .figures import Displacement, figures_layer
from .freshness import as_days, newest_day
from .places import place_layers
from .privacy import public_layers


@dataclasses.dataclass(frozen=True)
class PointIndex:
    """Features of one layer in the metric CRS with a spatial index, for nearest-feature questions."""

    frame: gpd.GeoDataFrame
    tree: shapely.STRtree

    @classmethod
    def of(cls, frame: gpd.GeoDataFrame, metric_crs: str) -> PointIndex:
        frame = frame.to_crs(metric_crs).reset_index(drop=True)
        return cls(frame, shapely.STRtree(frame.geometry.values))


class LayerGeoJSON(Mapping):
    """Each layer's whole GeoJSON text, serialised on first use and kept (boundaries weigh megabytes).

    A layer that another view holds as the very same frame (everything but sensitive layers) is
    serialised once for both.
    """

    def __init__(self, layers: dict[str, gpd.GeoDataFrame], shared: LayerGeoJSON | None = None):
        self._layers = layers
        self._shared = shared
        self._texts: dict[str, str] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> str:
        text = self._texts.get(name)
        if text is None:
            if self._shared is not None and self._shared._layers.get(name) is self._layers[name]:
                return self._shared[name]
            with self._lock:
                text = self._texts.get(name)
                if text is None:
                    text = self._texts[name] = to_feature_collection(self._layers[name])
        return text

    def __iter__(self):
        return iter(self._layers)

    def __len__(self) -> int:
        return len(self._layers)


@dataclasses.dataclass(frozen=True)
class LayerView:
    """The layers as one audience sees them, with the indexes built once and serialisations kept."""

    layers: dict[str, gpd.GeoDataFrame]
    trees: dict[str, shapely.STRtree]
    geojson: LayerGeoJSON

    def frame_of(self, name: str, *, bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
        """A layer as this audience sees it, whole or its features meeting ``bbox`` (in layer order)."""
        if bbox is None:
            return self.layers[name]
        hits = self.trees[name].query(shapely.box(*bbox), predicate="intersects")
        hits.sort()
        return self.layers[name].iloc[hits]

    def geojson_of(self, name: str, *, bbox: tuple[float, float, float, float] | None = None) -> str:
        """A layer as this audience sees it, whole (serialised once per data version) or cut to ``bbox``."""
        return self.geojson[name] if bbox is None else to_feature_collection(self.frame_of(name, bbox=bbox))

    @classmethod
    def of(cls, layers: dict[str, gpd.GeoDataFrame], *, shares_with: LayerView | None = None) -> LayerView:
        return cls(
            layers=layers,
            trees={name: shapely.STRtree(frame.geometry.values) for name, frame in layers.items()},
            geojson=LayerGeoJSON(layers, shares_with.geojson if shares_with is not None else None),
        )


@dataclasses.dataclass(frozen=True)
class AccessIndex:
    """Sites snapped to the network and per-edge route figures, for access analysis."""

    sites: gpd.GeoDataFrame  # open displacement sites, lon/lat, positional order of ``snaps``
    snaps: SiteSnaps
    figures: np.ndarray
    ports: gpd.GeoDataFrame  # operational ports, lon/lat, positional order of ``port_snaps``
    port_snaps: SiteSnaps


@dataclasses.dataclass(frozen=True)
class Dataset:
    """One consistent version of the data: layers (EPSG:4326), router, indexes and dates."""

    layers: dict[str, gpd.GeoDataFrame]
    router: Router
    zones: PointIndex
    operational_ports: PointIndex
    open_sites: PointIndex
    roads: PointIndex
    communes: PointIndex  # official boundaries, for naming where a point is
    landmarks: PointIndex  # towns, ports and open sites (public positions), for naming where a route starts and ends
    displacement: Displacement  # displaced people per commune and round (IOM DTM) as stored, with what answers derive
    as_of: dict[str, str | None]  # newest readable ``as_of`` per layer (None when there is none)
    feature_days: dict[str, np.ndarray]  # each feature's ``as_of`` (datetime64[D]) in layer row order
    version: str
    exact: LayerView  # for callers with a role
    public: LayerView  # for everyone else: sensitive positions coarsened
    access: AccessIndex
    to_metric: pyproj.Transformer
    to_lonlat: pyproj.Transformer
    gazetteer: Gazetteer  # every named town, port, site and official area, by any name or id
    #: each cited layer's citations by feature id (built here, before a server forks its workers)
    citations: dict[str, Citations] = dataclasses.field(default_factory=dict)
    legs: LegNetwork | None = None  # sea and air connections over the roads (``network.legs``)

    @property
    def today(self) -> dt.date:
        """The day incident risk is weighed for."""
        return self.router.incidents.today

    def project(self, lon: float, lat: float) -> shapely.Point:
        return shapely.Point(self.to_metric.transform(lon, lat))

    def lonlat(self, geometry):
        """A metric geometry back in lon/lat, rounded to 1e-5 degree (about a metre)."""
        return shapely.set_precision(shapely.transform(geometry, self._to_lonlat_xy), 1e-5)

    def lonlat_coords(self, geometry) -> list:
        """A metric line's coordinates in lon/lat, rounded to 1e-5 degree, as plain lists (fast JSON)."""
        return np.round(self._to_lonlat_xy(shapely.get_coordinates(geometry)), 5).tolist()

    def edges_geojson(self, edges: np.ndarray) -> dict | None:
        """Some road-graph edges as one GeoJSON MultiLineString in lon/lat (None for no edges)."""
        if len(edges) == 0:
            return None
        coords, part = shapely.get_coordinates(self.router.network.edge_geoms[edges], return_index=True)
        lonlat = np.round(self._to_lonlat_xy(coords), 5)
        cuts = np.flatnonzero(np.diff(part)) + 1
        return {"type": "MultiLineString", "coordinates": [a.tolist() for a in np.split(lonlat, cuts)]}

    def _to_lonlat_xy(self, xy: np.ndarray) -> np.ndarray:
        x, y = self.to_lonlat.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    def newest_as_of(self, names=None) -> str | None:
        """The newest date among these layers (all without ``names``); each layer's own is in ``as_of``."""
        return max((self.as_of[name] or "" for name in (self.as_of if names is None else names)), default="") or None

    def age_days(self, layer: str, today: dt.date) -> int | None:
        """Days since the layer's newest ``as_of`` (None for an empty layer)."""
        newest = self.as_of[layer]
        return None if newest is None else (today - dt.date.fromisoformat(newest)).days


def build_dataset(
    layers: dict[str, gpd.GeoDataFrame], settings: Settings, *, previous: Dataset | None = None,
    today: dt.date | None = None, figures: pd.DataFrame | None = None,
) -> Dataset:
    """Derive the graph, exposure and indexes from validated layers (the slow part, done once).

    Incident risk is weighed as on ``today`` (default: the current date), so a Dataset is rebuilt
    when the date changes.  When ``previous`` was built on the same road geometry its RoadNetwork
    is reused, so a change of zones, road statuses, incidents or date costs only the re-weighting.
    """
    today = today or dt.date.today()
    metric = settings.metric_crs
    missing = {name: empty_layer(REGISTRY[name]) for name in REGISTRY if name not in layers}
    layers = place_layers({**layers, **missing}, metric_crs=metric, margin_m=settings.maritime_margin_m)
    if figures is None:
        figures = previous.displacement.figures if previous is not None else pd.DataFrame(columns=FIGURE_COLUMNS)
    displacement = Displacement(figures, layers["communes"], layers["departments"])
    layers["displacement_figures"] = figures_layer(displacement, layers["communes"])
    layers["checkpoints"] = with_road_snaps(layers["checkpoints"], layers["roads"], metric_crs=metric)
    network = previous.router.network if previous is not None else None
    if network is None or network.key != geometry_key(layers["roads"]):
        network = RoadNetwork(
            layers["roads"], metric_crs=metric, max_edge_m=settings.max_edge_m, speeds_kmh=settings.speeds_kmh()
        )
    router = Router(network, layers["roads"], layers["gang_zones"], weights=RiskWeights.from_settings(settings),
                    incidents=layers.get("incidents"), today=today, checkpoints=layers["checkpoints"],
                    checkpoint_cost_m=settings.checkpoint_cost_m)
    ports = layers["ports"]
    sites = layers["displacement_sites"]
    public = public_layers(layers, grid_m=settings.site_grid_m, metric_crs=metric)
    open_sites = sites[sites["status"] == "open"].reset_index(drop=True)
    operational = ports[ports["status"] == "operational"].reset_index(drop=True)
    x = router.exposure
    access = AccessIndex(
        sites=open_sites,
        snaps=SiteSnaps.of(router, np.asarray(open_sites.to_crs(metric).geometry.values)),
        figures=edge_figures(router, router.edge_status, x.inside_by_status, x.near_controlled_m,
                             router.incident_caution),
        ports=operational,
        port_snaps=SiteSnaps.of(router, np.asarray(operational.to_crs(metric).geometry.values)),
    )
    feature_days = {name: as_days(frame["as_of"]) for name, frame in layers.items()}

    exact = LayerView.of(layers)
    gazetteer = build_gazetteer(
        layers, public_sites=public["displacement_sites"], towns=load_context(settings.data_dir).get("places"),
        alternative_names=read_alternative_names(settings.data_dir / "context" / "place_names.csv"),
        metric_crs=metric, margin_m=settings.maritime_margin_m)
    return Dataset(
        layers=layers,
        router=router,
        zones=PointIndex.of(layers["gang_zones"], metric),
        operational_ports=PointIndex.of(ports[ports["status"] == "operational"], metric),
        open_sites=PointIndex.of(public["displacement_sites"][sites["status"] == "open"], metric),
        roads=PointIndex.of(layers["roads"], metric),
        communes=PointIndex.of(layers["communes"], metric),
        landmarks=PointIndex.of(landmarks(gazetteer), metric),
        displacement=displacement,
        as_of={name: newest_day(days) for name, days in feature_days.items()},
        feature_days=feature_days,
        version=_fingerprint(layers),
        exact=exact,
        public=LayerView.of(public, shares_with=exact),
        access=access,
        to_metric=pyproj.Transformer.from_crs("EPSG:4326", metric, always_xy=True),
        to_lonlat=pyproj.Transformer.from_crs(metric, "EPSG:4326", always_xy=True),
        gazetteer=gazetteer,
        citations={name: Citations.of(frame) for name, frame in layers.items() if {"id", "source"} <= set(frame)},
        legs=LegNetwork(router, layers["connections"], ports, metric_crs=metric,
                        rules=LegRules.from_settings(settings)),
    )


def landmarks(gazetteer: Gazetteer) -> gpd.GeoDataFrame:
    """The gazetteer's towns, ports and open displacement sites (public positions): what a point is near.

    Official areas are left out (a point lies in them rather than near them), and so are closed sites.
    """
    kept = [p for p in gazetteer.places if p.kind not in AREA_KINDS
            and not (p.kind == "displacement_site" and p.status != "open")]
    return gpd.GeoDataFrame({"kind": [p.kind for p in kept], "id": [p.id for p in kept],
                             "name": [p.name for p in kept]},
                            geometry=shapely.points([(p.lon, p.lat) for p in kept]) if kept else [], crs="EPSG:4326")


def _fingerprint(layers: dict[str, gpd.GeoDataFrame]) -> str:
    digest = hashlib.sha256()
    for name in sorted(layers):
        frame = layers[name]
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(frame.drop(columns="geometry").astype(str), index=False).values)
        digest.update(b"".join(shapely.to_wkb(frame.geometry.values)))
    return digest.hexdigest()[:16]
