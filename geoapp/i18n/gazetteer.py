"""The place-name gazetteer: towns, ports, sites and official areas found by any name, spelling or id.

Built once per data version from the shipped towns (GeoNames), the ports and displacement sites
layers and the official departments, communes and communal sections (with their French, English
and Creole names), plus a curated table of other names and spellings (``place_names.csv``).

Names are compared folded: without accents, case, punctuation, hyphens, apostrophes, spaces and
small words ("the", "de", "la"...), so "Cap-Haïtien", "cap haitien" and "CAP HAÏTIEN" are one name
and "Ti Gwav" is "Tigwav".  An id (a port or site id, a GeoNames id, a p-code) matches exactly,
case aside.  A town and the commune (or section, department) of the same name that contains it are
the same place: the town is meant.  Two different places with the same name are ambiguous.

Displacement sites are sensitive: entries keep their public (coarsened) position for everyone
and their exact position only for callers allowed to see it.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import math
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..data.places import commune_of
from ..errors import BadRequest
from ..layers import PORT_KINDS, status_label
from .translate import N_
from .translate import gettext as translated  # not named gettext: its arguments are table entries, not literals

#: What callers may ask for with ``kind=``: a kind, or ``port`` for any of the port kinds.
KINDS = ("town", "port", *PORT_KINDS, "displacement_site", "department", "commune", "section")
AREA_KINDS = ("department", "commune", "section")

#: words left out when names are compared (articles and prepositions in English, French and Creole)
SMALL_WORDS = frozenset({"the", "of", "le", "la", "les", "l", "de", "des", "du", "d", "a", "au", "aux"})
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "mt": "mont"}
#: "1re Section", "12e Section de ..." in front of a communal section's own name
SECTION_PREFIX = re.compile(r"^\s*\d+\s*(?:re|er|e|eme|ème)?\s+section\s+", re.IGNORECASE)

#: how much a place of each kind weighs in autocomplete, beside its population
KIND_WEIGHT = {"town": 1.0, "commune": 0.3, "department": 0.1, "section": 0.05, "displacement_site": 1.0}
PORT_WEIGHT = {"seaport": 100_000, "airport": 100_000, "fuel_terminal": 30_000, "border_crossing": 50_000,
               "helipad": 20_000}

#: user-facing sentences, in one place: marked for the catalogs here, translated when an error is raised
MESSAGES = {
    "unknown": N_("%(field)s must be LON,LAT, a place name or an id; no place has the name or id %(query)s"),
    "unknown_unshown": N_("%(field)s must be LON,LAT, a place name or an id; no place has that name or id"),
    "did_you_mean": N_("%(error)s; did you mean %(names)s?"),
    "or": N_("%(names)s or %(last)s"),
    "ambiguous": N_("%(field)s=%(query)s may mean %(count)s different places: %(names)s; give the id of the one "
                    "you mean (or LON,LAT)"),
    "candidate": N_("%(name)s (%(kind)s%(where)s; id %(id)s)"),
    "more": N_("%(names)s; and %(count)s more"),
}
TIERS = ("id", "exact", "prefix", "word_prefix")


def fold(text: object) -> list[str]:
    """The words of a name as compared: no accents, lower case, no punctuation, no small words."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    decomposed = unicodedata.normalize("NFKD", str(text).replace("œ", "oe").replace("æ", "ae"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    words = [ABBREVIATIONS.get(w, w) for w in re.findall(r"[a-z0-9]+", plain)]
    return [w for w in words if w not in SMALL_WORDS] or words


def fold_key(text: object) -> str:
    """A name as one folded string: "Ti Gwav" and "Tigwav" are the same key."""
    return "".join(fold(text))


@dataclasses.dataclass(frozen=True)
class Place:
    """One named place: what it is, where it is (public position), its names and where it lies."""

    id: str
    name: str
    kind: str
    lon: float
    lat: float
    names: tuple[str, ...]
    importance: float
    adm1_name: str | None = None
    adm2_pcode: str | None = None
    adm2_name: str | None = None
    status: str | None = None
    exact_lonlat: tuple[float, float] | None = None  # sensitive positions, for callers with a role
    area: BaseGeometry | None = None  # the polygon of a department, commune or section

    @property
    def layer(self) -> str:
        return {"town": "places", "displacement_site": "displacement_sites", "department": "departments",
                "commune": "communes", "section": "sections"}.get(self.kind, "ports")

    def lonlat(self, *, exact: bool = False) -> tuple[float, float]:
        """Where the place is for this caller: a site's exact position only with ``exact``."""
        if exact and self.exact_lonlat is not None:
            return self.exact_lonlat
        return self.lon, self.lat

    def describe(self, *, exact: bool = False) -> dict:
        """The place as answers and the candidates of an ambiguous name show it."""
        lon, lat = self.lonlat(exact=exact)
        out = {"id": self.id, "name": self.name, "kind": self.kind, "lon": round(lon, 5), "lat": round(lat, 5),
               "commune": self.adm2_name, "adm2_pcode": self.adm2_pcode, "department": self.adm1_name}
        if self.status is not None:
            out["status"] = self.status
        return out


@dataclasses.dataclass(frozen=True)
class Match:
    """A place found for a query: how well (``tier``) and under which of its names."""

    place: Place
    tier: str
    matched: str

    def describe(self, *, exact: bool = False) -> dict:
        out = self.place.describe(exact=exact)
        if fold_key(self.matched) != fold_key(self.place.name):
            out["matched"] = self.matched
        return out


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a query names: one place, several (ambiguous), or none (with close names to suggest)."""

    query: str
    matches: tuple[Match, ...]
    suggestions: tuple[str, ...] = ()

    @property
    def place(self) -> Place | None:
        return self.matches[0].place if len(self.matches) == 1 else None


class Gazetteer:
    """Every named place of one data version, with the folded names and ids to find them by."""

    def __init__(self, places: Iterable[Place]):
        self.places: tuple[Place, ...] = tuple(places)
        self._by_id = {p.id.lower(): i for i, p in enumerate(self.places)}
        rows = []  # (folded key, folded words, place index, name)
        for i, place in enumerate(self.places):
            seen = set()
            for name in place.names:
                key = fold_key(name)
                if key and key not in seen:
                    seen.add(key)
                    rows.append((key, tuple(fold(name)), i, name))
        self._rows = rows
        self._by_key: dict[str, list[tuple[int, str]]] = {}
        for key, _words, i, name in rows:
            self._by_key.setdefault(key, []).append((i, name))
        self._keys = sorted(self._by_key)
        self._unique: dict[str, str] = {}  # what to type to find a place, worked out on first use

    def __len__(self) -> int:
        return len(self.places)

    def search(self, query: str, *, limit: int = 10, kinds: Iterable[str] | None = None) -> list[Match]:
        """Places for autocomplete, best first: id, exact name, name prefix, word prefixes; then importance."""
        wanted = _kinds(kinds)
        best: dict[int, tuple[int, str]] = {}

        def offer(i: int, tier: int, name: str) -> None:
            if (wanted is None or self.places[i].kind in wanted) and (i not in best or tier < best[i][0]):
                best[i] = (tier, name)

        hit = self._by_id.get(query.strip().lower())
        if hit is not None:
            offer(hit, 0, self.places[hit].id)
        words = fold(query)
        key = "".join(words)
        if key:
            for row_key, row_words, i, name in self._rows:
                if row_key == key:
                    offer(i, 1, name)
                elif row_key.startswith(key):
                    offer(i, 2, name)
                elif _words_prefix(words, row_words):
                    offer(i, 3, name)
        order = sorted(best, key=lambda i: (best[i][0], -self.places[i].importance, self.places[i].name))
        return [Match(self.places[i], TIERS[best[i][0]], best[i][1]) for i in order[:limit]]

    def resolve(self, query: str, *, kinds: Iterable[str] | None = None) -> Outcome:
        """The place a typed name or id means: an id, else exact names, else prefixes (one place or several)."""
        matches = self.search(query, limit=len(self.places), kinds=kinds)
        if not matches:
            return Outcome(query, (), self.suggest(query, kinds=kinds))
        tier = matches[0].tier
        if tier == "id":
            return Outcome(query, (matches[0],))
        top = [m for m in matches if m.tier == tier] if tier == "exact" else \
            [m for m in matches if m.tier in ("prefix", "word_prefix")]
        return Outcome(query, tuple(same_place(top)))

    def suggest(self, query: str, *, kinds: Iterable[str] | None = None, count: int = 5) -> tuple[str, ...]:
        """Names close to a misspelt one ("did you mean"), most alike first."""
        wanted = _kinds(kinds)
        keys = [k for k in self._keys if wanted is None or any(self.places[i].kind in wanted
                                                               for i, _ in self._by_key[k])]
        close = difflib.get_close_matches(fold_key(query), keys, n=3 * count, cutoff=0.75)
        names: dict[int, str] = {}  # one name per place
        for key in close:
            i, name = self._by_key[key][0]
            names.setdefault(i, name)
        return tuple(dict.fromkeys(names.values()))[:count]

    def unique_text(self, place: Place) -> str:
        """The shortest thing to type that finds exactly ``place``: its name when unambiguous, else its id."""
        text = self._unique.get(place.id)
        if text is None:
            outcome = self.resolve(place.name)
            text = self._unique[place.id] = place.name if outcome.place is place else place.id
        return text


class UnknownPlace(BadRequest):
    """A name or id that names no place; the error lists close names (``suggestions``: "did you mean")."""


class AmbiguousPlace(BadRequest):
    """A name that several different places bear; the error lists them (``candidates``) for the caller to choose."""


MAX_CANDIDATES = 10
#: what an error may repeat of a name it did not find: letters, digits, spaces and the punctuation of names
SAFE_QUERY = re.compile(r"[^\W_][\w .,'’()/-]{0,59}(\.\.\.)?")


def locate(gazetteer: Gazetteer, query: str, field: str, *, exact: bool = False) -> Place:
    """The one place ``query`` names, or a 400 naming the field: unknown (with suggestions) or ambiguous.

    ``exact``: the caller may see where displacement sites really are (candidates show positions).
    """
    outcome = gazetteer.resolve(query)
    if outcome.place is not None:
        return outcome.place
    shown = query if len(query) <= 60 else query[:57] + "..."
    if not SAFE_QUERY.fullmatch(shown):  # never echo markup or other oddities back
        shown = ""
    if not outcome.matches:
        message = translated(MESSAGES["unknown" if shown else "unknown_unshown"], field=field, query=repr(shown))
        if outcome.suggestions:
            names = list(outcome.suggestions)
            listed = (translated(MESSAGES["or"], names=", ".join(names[:-1]), last=names[-1]) if len(names) > 1
                      else names[0])
            message = translated(MESSAGES["did_you_mean"], error=message, names=listed)
        raise UnknownPlace(message, field=field,
                           details={**({"query": shown} if shown else {}), "suggestions": list(outcome.suggestions)})
    candidates = [m.describe(exact=exact) for m in outcome.matches[:MAX_CANDIDATES]]
    listing = "; ".join(translated(
        MESSAGES["candidate"], name=c["name"], kind=status_label("place_kind", c["kind"]), id=c["id"],
        where="".join(f", {c[k]}" for k in ("commune", "department") if c.get(k) and c[k] != c["name"]))
        for c in candidates)
    more = len(outcome.matches) - len(candidates)
    if more > 0:
        listing = translated(MESSAGES["more"], names=listing, count=more)
    raise AmbiguousPlace(translated(MESSAGES["ambiguous"], field=field, query=repr(shown), count=len(outcome.matches),
                                 names=listing),
                         field=field, details={**({"query": shown} if shown else {}), "candidates": candidates})


def same_place(matches: list[Match]) -> list[Match]:
    """Matches naming one place kept once, the most specific: "Jacmel" the commune is Jacmel the town.

    Points (towns, ports, sites) come first, then areas from the smallest; an area is left out when
    a match already kept lies in it.  What is left are different places.
    """
    if len(matches) < 2:
        return matches
    order = sorted(range(len(matches)), key=lambda k: (matches[k].place.area is not None,
                                                      _size(matches[k].place.area)))
    kept: list[int] = []
    for k in order:
        area = matches[k].place.area
        if area is None or not any(area.covers(shapely.Point(matches[j].place.lon, matches[j].place.lat))
                                   for j in kept):
            kept.append(k)
    return [matches[k] for k in sorted(kept)]


def _size(area) -> float:
    return 0.0 if area is None else float(area.area)


def _words_prefix(query: list[str], words: tuple[str, ...]) -> bool:
    """Every query word begins a different word of the name (in any order)."""
    if not query:
        return False
    free = list(words)
    for q in query:
        for k, w in enumerate(free):
            if w.startswith(q):
                del free[k]
                break
        else:
            return False
    return True


def _kinds(kinds: Iterable[str] | None) -> set[str] | None:
    if kinds is None:
        return None
    out: set[str] = set()
    for kind in kinds:
        out.update(PORT_KINDS if kind == "port" else (kind,))
    return out


def read_alternative_names(path: Path) -> dict[str, list[str]]:
    """The curated table of other names and spellings: id -> names (empty when the file is missing)."""
    out: dict[str, list[str]] = {}
    if not Path(path).is_file():
        return out
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("id") and row.get("name"):
                out.setdefault(row["id"].strip(), []).append(row["name"].strip())
    return out


def build_gazetteer(layers: dict[str, gpd.GeoDataFrame], *, public_sites: gpd.GeoDataFrame,
                    towns: gpd.GeoDataFrame | None, alternative_names: dict[str, list[str]],
                    metric_crs: str, margin_m: float) -> Gazetteer:
    """Every named place of the layers (``public_sites``: the sites as anonymous callers see them)."""
    alt = alternative_names
    communes = layers.get("communes")
    commune_names = _area_names(communes, alt) if communes is not None else []
    places = _towns(towns, communes, commune_names, alt, metric_crs=metric_crs, margin_m=margin_m)
    ports = layers.get("ports")
    if ports is not None:
        for row in ports.itertuples():
            places.append(_place(row.id, row.name, row.kind, row.geometry, [row.name, *alt.get(row.id, [])],
                                 PORT_WEIGHT.get(row.kind, 30_000), None, -1, row, status=row.status))
    sites = layers.get("displacement_sites")
    if sites is not None and len(sites):
        public = public_sites.set_index("id").geometry
        for row in sites.itertuples():
            people = float(row.individuals) if row.individuals == row.individuals and row.individuals else 0.0
            site = _place(row.id, row.name, "displacement_site", public.get(row.id, row.geometry), [row.name],
                          people, None, -1, row, status=row.status)
            places.append(dataclasses.replace(site, exact_lonlat=(row.geometry.x, row.geometry.y)))
    for layer, kind in (("departments", "department"), ("communes", "commune"), ("sections", "section")):
        frame = layers.get(layer)
        if frame is None or not len(frame):
            continue
        names = commune_names if layer == "communes" else _area_names(frame, alt)
        points = shapely.point_on_surface(np.asarray(frame.geometry.values))
        for k, row in enumerate(frame.itertuples()):
            population = float(getattr(row, "population", 0) or 0)
            places.append(_place(row.id, row.name, kind, points[k], names[k], population, None, -1, row,
                                 area=row.geometry))
    return Gazetteer(places)


def _towns(towns: gpd.GeoDataFrame | None, communes: gpd.GeoDataFrame | None, commune_names: list[list[str]],
           alt: dict[str, list[str]], *, metric_crs: str, margin_m: float) -> list[Place]:
    """The towns, each with the names of its commune when it bears the commune's name (they are one place)."""
    if towns is None or not len(towns):
        return []
    inside = commune_of(towns, communes, metric_crs=metric_crs, margin_m=margin_m)
    out = []
    for row, c in zip(towns.itertuples(), inside, strict=True):
        names = [row.name, *alt.get(row.id, [])]
        if c >= 0 and fold_key(row.name) in {fold_key(n) for n in commune_names[c]}:
            names += commune_names[c]
        population = float(getattr(row, "population", 0) or 0)
        out.append(_place(row.id, row.name, "town", row.geometry, names, population, communes, c))
    return out


def _area_names(frame: gpd.GeoDataFrame, alt: dict[str, list[str]]) -> list[list[str]]:
    """Each official area's names: official (FR, EN, HT), parts of "A / B", a section's own name, curated."""
    out = []
    for row in frame.itertuples():
        names = [str(n) for n in (getattr(row, c, None) for c in ("name", "name_fr", "name_en", "name_ht"))
                 if isinstance(n, str) and n.strip()]
        for name in list(names):
            if " / " in name:
                names += [part.strip() for part in name.split(" / ")]
            own = SECTION_PREFIX.sub("", name)
            if own != name and own.strip():
                names.append(own.strip())
        out.append(list(dict.fromkeys([*names, *alt.get(row.id, [])])))
    return out


def _place(pid, name, kind, point, names, population, communes, commune, row=None, *, status=None, area=None
           ) -> Place:
    """One entry; where it lies comes from ``row``'s place columns or from ``communes`` row ``commune``."""
    if row is not None:
        adm1 = getattr(row, "adm1_name", None)
        adm2 = getattr(row, "adm2_pcode", None) if kind != "commune" else pid
        adm2_name = getattr(row, "adm2_name", None) if kind != "commune" else name
        if kind == "department":
            adm1, adm2, adm2_name = name, None, None
    elif communes is not None and commune >= 0:
        adm1, adm2, adm2_name = (communes["adm1_name"].iat[commune], communes["id"].iat[commune],
                                 communes["name"].iat[commune])
    else:
        adm1 = adm2 = adm2_name = None
    weight = PORT_WEIGHT.get(kind) or population * KIND_WEIGHT.get(kind, 1.0)
    return Place(id=str(pid), name=str(name), kind=kind, lon=float(point.x), lat=float(point.y),
                 names=tuple(dict.fromkeys(str(n) for n in names if isinstance(n, str) and n.strip())),
                 importance=float(weight), adm1_name=_text(adm1), adm2_pcode=_text(adm2), adm2_name=_text(adm2_name),
                 status=status, area=area)


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None
