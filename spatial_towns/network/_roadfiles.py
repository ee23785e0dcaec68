"""Streaming road-file readers: osmnx GraphML and OSM PBF straight to edge arrays.

A province graph read through networkx costs a Python dict per node and per edge attribute
(a 300k-node GraphML: 108 s and 7.2 GB peak RSS). These readers stream the file once and keep
only what :class:`spatial_towns.network.PreparedGraph` needs: node ids and coordinates, edge
end points and travel times, and the road-class flags for expressway access points and the
main-road map layer. :func:`spatial_towns.network.from_arrays` turns the result into a
prepared graph.

Travel times follow today's networkx path (``io.read_roads`` + ``network.prepare``):

- GraphML: the file's ``travel_time``; when an edge lacks one, every edge gets osmnx's
  ``add_edge_speeds`` (``maxspeed``, else the class speed table) and ``add_edge_travel_times``
  semantics, as :func:`spatial_towns.network.prepare` does.
- PBF: pyrosm's ``driving`` way filter and one-way rules, edge length by the haversine, speed
  as above. Edges are the OSM way segments (not simplified): times between the nodes both
  paths keep are the same; a town may snap to a nearer node.
"""

from __future__ import annotations

import ast
import html
import math
import re
import warnings
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import errors

#: Classes whose edges make up the main-road map layer (see ``network.MAJOR_CLASSES``).
MAJOR_CLASSES = frozenset({"motorway", "motorway_link", "trunk", "trunk_link", "primary",
                           "primary_link"})
MOTORWAY_CLASSES = frozenset({"motorway", "motorway_link"})

# Mean earth radius (m) of osmnx's great-circle lengths.
_EARTH_RADIUS_M = 6_371_009.0


@dataclass
class RoadArrays:
    """A directed road graph as flat arrays (coordinates in ``src_crs``, degrees for OSM).

    ``u``/``v`` index ``node_ids``; ``travel_time`` is in seconds; ``motorway``/``major`` flag
    edges whose class (any of a simplified edge's classes) is an expressway / a main road;
    ``junction`` flags nodes tagged ``highway=motorway_junction``.
    """

    node_ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    src_crs: str
    u: np.ndarray
    v: np.ndarray
    travel_time: np.ndarray
    motorway: np.ndarray
    major: np.ndarray
    junction: np.ndarray


def haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance (m) between WGS84 points, as osmnx's ``great_circle``."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _clean_maxspeed(value: str | None, cache: dict) -> float:
    """km/h of one OSM ``maxspeed`` value (or a stringified list of them), NaN if unusable;
    parsed with osmnx's own helpers so both paths read a tag the same way."""
    if value is None:
        return math.nan
    if value not in cache:
        from osmnx import routing

        v: Any = value
        if value.startswith("[") and value.endswith("]"):
            try:
                v = ast.literal_eval(value)
            except (SyntaxError, ValueError):
                v = value
        v = routing._collapse_multiple_maxspeed_values(v, agg=np.mean)
        kph = routing._clean_maxspeed(str(v)) if v is not None else None
        cache[value] = math.nan if kph is None else float(kph)
    return cache[value]


def edge_speeds_kph(cls_code: np.ndarray, classes: list[str], maxspeed_kph: np.ndarray,
                    hwy_speeds: dict[str, float]) -> np.ndarray:
    """Per-edge speed (km/h) with osmnx ``add_edge_speeds`` semantics, vectorised.

    ``maxspeed`` where known; else the class speed of ``hwy_speeds``; a class missing from
    the table gets the mean known ``maxspeed`` of its edges, and a class with neither the
    mean of all class speeds so found.

    Parameters
    ----------
    cls_code : numpy.ndarray
        Index into ``classes`` of each edge's (first) highway class.
    classes : list of str
        Highway class names.
    maxspeed_kph : numpy.ndarray
        Parsed ``maxspeed`` per edge (NaN where absent or unusable).
    hwy_speeds : dict
        Class -> km/h, e.g. ``network.CHINA_HWY_SPEEDS_KMH``.
    """
    table = {k: float(v) for k, v in hwy_speeds.items() if v is not None and not np.isnan(v)}
    known = np.isfinite(maxspeed_kph)
    present = np.unique(cls_code)
    for c in present:
        name = classes[c]
        if name not in table:
            sel = (cls_code == c) & known
            table[name] = float(maxspeed_kph[sel].mean()) if sel.any() else math.nan
    vals = np.array(list(table.values()), dtype=float)
    fallback = float(np.nanmean(vals)) if np.isfinite(vals).any() else math.nan
    class_speed = np.array([table.get(name, math.nan) for name in classes], dtype=float)
    class_speed = np.where(np.isnan(class_speed), fallback, class_speed)
    speed = np.where(known, maxspeed_kph, class_speed[cls_code])
    if np.isnan(speed).any():
        raise errors.InputDataError("some road edges have no speed: no maxspeed, and no class "
                                    "speed to impute one from")
    return speed


def travel_time_s(length_m: np.ndarray, speed_kph: np.ndarray) -> np.ndarray:
    """Seconds to drive ``length_m`` at ``speed_kph`` (osmnx ``add_edge_travel_times``)."""
    return (length_m / 1000.0) / (speed_kph / 3600.0)


class _Classes:
    """Interns highway class strings (or stringified lists of them) as small integer codes."""

    def __init__(self) -> None:
        self.code: dict[str, int] = {}
        self.first: list[str] = []  # first class of each code (osmnx keeps the first)
        self.sets: list[frozenset] = []

    def __call__(self, value: str | None) -> int:
        value = value or ""
        c = self.code.get(value)
        if c is None:
            parts: list[str] = [value]
            if value.startswith("[") and value.endswith("]"):
                try:
                    parsed = ast.literal_eval(value)
                    parts = [str(p) for p in parsed] if isinstance(parsed, list) else [value]
                except (SyntaxError, ValueError):
                    pass
            c = self.code[value] = len(self.first)
            self.first.append(parts[0] if parts else "")
            self.sets.append(frozenset(parts))
        return c

    def flags(self, codes: np.ndarray, classes: frozenset) -> np.ndarray:
        lut = np.array([bool(s & classes) for s in self.sets] or [False], dtype=bool)
        return lut[codes]

    def first_codes(self, codes: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Codes of each edge's first class, and the class names they index."""
        names = sorted(set(self.first))
        pos = {n: i for i, n in enumerate(names)}
        lut = np.array([pos[f] for f in self.first] or [0], dtype=np.int64)
        return lut[codes], names


# ---------------------------------------------------------------------------------------------
# GraphML
# ---------------------------------------------------------------------------------------------

def _float_or_nan(s: str | None) -> float:
    if s is None:
        return math.nan
    try:
        return float(s)
    except ValueError:
        return math.nan


class _GraphMLHandlers:
    """expat callbacks collecting what a prepared graph needs from an osmnx GraphML.

    Each node / edge appends a placeholder to every column on its start tag; a ``<data>``
    element of a wanted key overwrites the last slot of its column. A plain expat parse with
    three small callbacks per element is the cheapest full XML parse in the standard library
    (no element objects at all).
    """

    # Columns filled from <data> (edge or node) by attribute name.
    EDGE = ("travel_time", "length", "maxspeed", "highway")
    NODE = ("x", "y", "highway")

    def __init__(self, classes: _Classes) -> None:
        self.keys: dict[str, tuple[str, str]] = {}
        self.want: dict[str, tuple[str, str]] = {}  # key id -> (domain, attr name)
        self.crs: str | None = None
        self.directed = True
        self.ids = array("q")
        self.xs, self.ys = array("d"), array("d")
        self.junction_ids: list[int] = []
        self.src, self.dst = array("q"), array("q")
        self.tt, self.length = array("d"), array("d")
        self.maxspeed: dict[int, str] = {}
        self.hw = array("q")
        self.cls = classes
        self.no_class = classes(None)
        self._key: tuple[str, str] | None = None
        self._text: list[str] = []
        self._in: str = "graph"

    def start(self, name: str, attrs: dict) -> None:
        if name == "data":
            self._key = self.want.get(attrs.get("key", ""))
            if self._key is not None and self._key[0] != self._in:
                self._key = None
            self._text = []
        elif name == "edge":
            self._in = "edge"
            self.src.append(int(attrs["source"]))
            self.dst.append(int(attrs["target"]))
            self.tt.append(math.nan)
            self.length.append(math.nan)
            self.hw.append(self.no_class)
        elif name == "node":
            self._in = "node"
            self.ids.append(int(attrs["id"]))
            self.xs.append(math.nan)
            self.ys.append(math.nan)
        elif name == "key":
            self.keys[attrs.get("id", "")] = (attrs.get("for", "all"), attrs.get("attr.name", ""))
        elif name == "graph":
            self.directed = attrs.get("edgedefault", "directed") == "directed"
            for k, (dom, attr) in self.keys.items():
                for d, cols in (("edge", self.EDGE), ("node", self.NODE), ("graph", ("crs",))):
                    if attr in cols and dom in (d, "all"):
                        self.want[k] = (d, attr)

    def chars(self, text: str) -> None:
        if self._key is not None:
            self._text.append(text)

    def end(self, name: str) -> None:
        if name == "data":
            key = self._key
            if key is None:
                return
            self._key = None
            text = "".join(self._text).strip()
            dom, attr = key
            if dom == "edge":
                if attr == "travel_time":
                    self.tt[-1] = _float_or_nan(text)
                elif attr == "length":
                    self.length[-1] = _float_or_nan(text)
                elif attr == "highway":
                    self.hw[-1] = self.cls(text)
                else:
                    self.maxspeed[len(self.src) - 1] = text
            elif dom == "node":
                if attr == "x":
                    self.xs[-1] = _float_or_nan(text)
                elif attr == "y":
                    self.ys[-1] = _float_or_nan(text)
                elif text == "motorway_junction":
                    self.junction_ids.append(self.ids[-1])
            else:
                self.crs = text
        elif name == "edge" or name == "node":
            self._in = "graph"


class _Irregular(Exception):
    """The GraphML is not laid out as networkx writes it: use the full expat parse."""


_ATTR = re.compile(rb'([\w.:-]+)\s*=\s*"([^"]*)"')
_KEY_TAG = re.compile(rb"<key\b[^>]*>")
_GRAPH_TAG = re.compile(rb"<graph\b([^>]*)>")
_TAGS = {"node": re.compile(rb"<node[\s>/]"), "edge": re.compile(rb"<edge[\s>/]")}
_NODE_ID = re.compile(rb'<node\b[^>]*?\bid="([^"]*)"')
_EDGE_SRC = re.compile(rb'<edge\b[^>]*?\bsource="([^"]*)"')
_EDGE_DST = re.compile(rb'<edge\b[^>]*?\btarget="([^"]*)"')
#: Read this much GraphML at a time (bounded memory whatever the file size).
_CHUNK = 1 << 26


class _GraphMLScan:
    """Fast path for GraphML as networkx (osmnx) writes it: one ``<data key="K">v</data>`` per
    attribute, double-quoted attributes, no comments or CDATA in the graph. The file is read
    in chunks cut after a closing ``</node>``/``</edge>``; each wanted column is pulled out of
    a chunk with one compiled regular expression (C speed, no per-element Python call) and
    checked against the element count. Anything else raises :class:`_Irregular` and the
    caller falls back to the full expat parse."""

    def __init__(self, header: bytes, classes: _Classes) -> None:
        keys: dict[str, tuple[str, str]] = {}
        for tag in _KEY_TAG.findall(header):
            at = {k.decode(): v.decode() for k, v in _ATTR.findall(tag)}
            keys[at.get("id", "")] = (at.get("for", "all"), at.get("attr.name", ""))
        g = _GRAPH_TAG.search(header)
        if g is None:
            raise _Irregular
        at = {k.decode(): v.decode() for k, v in _ATTR.findall(g.group(1))}
        self.directed = at.get("edgedefault", "directed") == "directed"
        self.col: dict[tuple[str, str], re.Pattern] = {}
        self.count: dict[tuple[str, str], bytes] = {}
        for k, (dom, attr) in keys.items():
            for d, cols in (("edge", _GraphMLHandlers.EDGE), ("node", _GraphMLHandlers.NODE),
                            ("graph", ("crs",))):
                if attr in cols and dom in (d, "all"):
                    if dom == "all" or (d, attr) in self.col:
                        raise _Irregular
                    kb = re.escape(k.encode())
                    self.col[(d, attr)] = re.compile(b'<data key="' + kb + b'">([^<]*)</data>')
                    self.count[(d, attr)] = b'key="' + k.encode() + b'"'
        self.cls = classes
        self.parts: dict[str, list] = {n: [] for n in ("ids", "x", "y", "src", "dst", "tt",
                                                       "length", "hw")}
        self.junction: list[np.ndarray] = []
        self.maxspeed: dict[int, str] = {}
        self.n_edges = 0
        self.crs: str | None = None

    def _values(self, buf: bytes, dom: str, attr: str, n: int, starts):
        """(values, element positions) of one column in a chunk; positions None when every
        element has the attribute (aligned with the elements)."""
        pat = self.col.get((dom, attr))
        if pat is None:
            return [], np.empty(0, dtype=np.int64)
        if buf.count(self.count[(dom, attr)]) == n:
            vals = pat.findall(buf)
            if len(vals) != n:
                raise _Irregular
            return vals, None
        found = list(pat.finditer(buf))
        if len(found) != buf.count(self.count[(dom, attr)]):
            raise _Irregular
        pos = np.searchsorted(starts(), [m.start() for m in found]) - 1
        return [m.group(1) for m in found], pos

    def chunk(self, buf: bytes) -> None:
        if b"<!--" in buf or b"<![CDATA[" in buf:
            raise _Irregular
        # No other GraphML element name starts with "node" or "edge".
        nn, ne = buf.count(b"<node"), buf.count(b"<edge")
        starts = {d: (lambda d=d: np.array([m.start() for m in _TAGS[d].finditer(buf)]))
                  for d in ("node", "edge")}
        if nn:
            ids = _NODE_ID.findall(buf)
            if len(ids) != nn:
                raise _Irregular
            self.parts["ids"].append(_ints(ids))
            for attr in ("x", "y"):
                vals, pos = self._values(buf, "node", attr, nn, starts["node"])
                if pos is not None:
                    raise errors.InputDataError(f"{nn - len(vals)} node(s) have no {attr}")
                self.parts[attr].append(_floats(vals))
            vals, pos = self._values(buf, "node", "highway", nn, starts["node"])
            junction = np.array([v == b"motorway_junction" for v in vals], dtype=bool)
            if pos is None:
                pos = np.arange(nn)
            self.junction.append(self.parts["ids"][-1][pos[junction]] if len(vals) else
                                 np.empty(0, dtype=np.int64))
        if ne:
            src, dst = _EDGE_SRC.findall(buf), _EDGE_DST.findall(buf)
            if len(src) != ne or len(dst) != ne:
                raise _Irregular
            self.parts["src"].append(_ints(src))
            self.parts["dst"].append(_ints(dst))
            for attr in ("travel_time", "length"):
                vals, pos = self._values(buf, "edge", attr, ne, starts["edge"])
                col = np.full(ne, np.nan)
                col[slice(None) if pos is None else pos] = _floats(vals)
                self.parts["tt" if attr == "travel_time" else "length"].append(col)
            vals, pos = self._values(buf, "edge", "highway", ne, starts["edge"])
            hw = np.full(ne, self.cls(None), dtype=np.int64)
            if len(vals):
                uniq, inv = np.unique(np.array(vals, dtype=object), return_inverse=True)
                codes = np.array([self.cls(_text(u)) for u in uniq], dtype=np.int64)
                hw[slice(None) if pos is None else pos] = codes[inv]
            self.parts["hw"].append(hw)
            vals, pos = self._values(buf, "edge", "maxspeed", ne, starts["edge"])
            if len(vals):
                where = np.arange(ne) if pos is None else pos
                for i, v in zip(where.tolist(), vals, strict=True):
                    self.maxspeed[self.n_edges + i] = _text(v)
            self.n_edges += ne
        m = self.col.get(("graph", "crs"))
        if m is not None:
            found = m.search(buf)
            if found is not None:
                self.crs = _text(found.group(1))


def _ints(vals: list) -> np.ndarray:
    return np.array(vals, dtype="S").astype(np.int64) if vals else np.empty(0, dtype=np.int64)


def _floats(vals: list) -> np.ndarray:
    if not vals:
        return np.empty(0)
    try:
        return np.array(vals, dtype="S").astype(np.float64)
    except ValueError:
        return np.array([_float_or_nan(_text(v)) for v in vals], dtype=float)


def _text(v: bytes) -> str:
    s = v.decode("utf-8").strip()
    return html.unescape(s) if "&" in s else s


def _scan_graphml(path: Path, classes: _Classes) -> _GraphMLScan:
    with open(path, "rb") as fh:
        head = fh.read(_CHUNK)
        g = _GRAPH_TAG.search(head)
        if g is None:
            raise _Irregular
        scan = _GraphMLScan(head[:g.end()], classes)
        buf = head[g.end():]
        while True:
            more = fh.read(_CHUNK)
            if not more:
                break
            buf += more
            cut = max(buf.rfind(b"</node>"), buf.rfind(b"</edge>"))
            if cut < 0:
                continue
            cut += 7
            scan.chunk(buf[:cut])
            buf = buf[cut:]
        if not buf.rstrip().endswith(b"</graphml>"):
            raise _Irregular  # truncated or odd: let expat find and name the problem
        scan.chunk(buf)
    return scan


def read_graphml(path: str | Path, hwy_speeds: dict[str, float]) -> RoadArrays:
    """Stream an osmnx GraphML file to :class:`RoadArrays` (no networkx graph, no tree).

    A file laid out as networkx writes it is scanned chunk by chunk with compiled regular
    expressions (:class:`_GraphMLScan`); any other valid GraphML goes through a full expat
    parse with the same result.

    Parameters
    ----------
    path : str or pathlib.Path
        GraphML as written by ``osmnx.save_graphml`` (node ``x``/``y``, graph ``crs``, edge
        ``travel_time`` or ``length`` with ``maxspeed``/``highway``).
    hwy_speeds : dict
        Class speeds (km/h) used only when some edge has no ``travel_time``.
    """
    path = Path(path)
    cls = _Classes()
    try:
        scan = _scan_graphml(path, cls)
        cat = {k: (np.concatenate(v) if v else np.empty(0)) for k, v in scan.parts.items()}
        cols = dict(crs=scan.crs, directed=scan.directed, ids=cat["ids"].astype(np.int64),
                    src=cat["src"].astype(np.int64), dst=cat["dst"].astype(np.int64),
                    x=cat["x"], y=cat["y"], tt=cat["tt"], length=cat["length"],
                    hw=cat["hw"].astype(np.int64), maxspeed=scan.maxspeed,
                    junction=np.concatenate(scan.junction) if scan.junction else [])
    except (_Irregular, ValueError, OverflowError):
        cls = _Classes()
        cols = _parse_graphml(path, cls)
    except errors.SpatialTownsError as exc:
        raise type(exc)(f"{path}: {exc}") from None
    return _graphml_arrays(path, cols, cls, hwy_speeds)


def _parse_graphml(path: Path, cls: _Classes) -> dict:
    """Full expat parse of any GraphML (the slow, general path of :func:`read_graphml`)."""
    import xml.parsers.expat as expat

    h = _GraphMLHandlers(cls)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    parser.StartElementHandler = h.start
    parser.EndElementHandler = h.end
    parser.CharacterDataHandler = h.chars
    try:
        with open(path, "rb") as fh:
            parser.ParseFile(fh)
    except expat.ExpatError as exc:
        raise errors.InputDataError(f"{path}: not a valid GraphML file ({exc})") from None
    except (KeyError, ValueError, OverflowError) as exc:
        raise errors.InputDataError(
            f"{path}: line {parser.CurrentLineNumber}: node ids and edge ends must be integers "
            f"(osmnx GraphML) ({type(exc).__name__}: {exc})") from None
    return dict(crs=h.crs, directed=h.directed, ids=np.frombuffer(h.ids, dtype=np.int64),
                src=np.frombuffer(h.src, dtype=np.int64), dst=np.frombuffer(h.dst, dtype=np.int64),
                x=np.frombuffer(h.xs), y=np.frombuffer(h.ys), tt=np.frombuffer(h.tt),
                length=np.frombuffer(h.length), hw=np.frombuffer(h.hw, dtype=np.int64),
                maxspeed=h.maxspeed, junction=h.junction_ids)


def _graphml_arrays(path: Path, c: dict, cls: _Classes, hwy_speeds: dict) -> RoadArrays:
    """Check the columns read from a GraphML and derive travel times and class flags."""
    crs, directed = c["crs"], c["directed"]
    if not len(c["ids"]) or not len(c["src"]):
        raise errors.InputDataError(f"{path}: the road network has no nodes or no edges")
    if crs is None:
        raise errors.CRSError(f"{path}: the road graph has no 'crs' graph attribute")
    node_ids, u_ids, v_ids, x, y = c["ids"], c["src"], c["dst"], c["x"], c["y"]
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        bad = int(np.flatnonzero(~(np.isfinite(x) & np.isfinite(y)))[0])
        raise errors.InputDataError(f"{path}: node {node_ids[bad]} has no numeric x/y")
    order = np.argsort(node_ids, kind="stable")
    sorted_ids = node_ids[order]
    if len(sorted_ids) > 1 and (sorted_ids[1:] == sorted_ids[:-1]).any():
        raise errors.InputDataError(f"{path}: duplicate node ids")
    u = _lookup(sorted_ids, order, u_ids, path)
    v = _lookup(sorted_ids, order, v_ids, path)
    codes = c["hw"]
    secs = np.array(c["tt"], dtype=float)
    if np.isnan(secs).any():
        # As network.prepare: one edge without travel_time -> osmnx recomputes every edge.
        cache: dict = {}
        ms = np.array([_clean_maxspeed(c["maxspeed"].get(i), cache) for i in range(len(secs))],
                      dtype=float)
        first, names = cls.first_codes(codes)
        spd = edge_speeds_kph(first, names, ms, hwy_speeds)
        lengths = np.asarray(c["length"], dtype=float)
        if np.isnan(lengths).any():
            raise errors.InputDataError(f"{path}: some edges have neither travel_time nor length")
        secs = travel_time_s(lengths, spd)
    junction = np.isin(node_ids, np.asarray(c["junction"], dtype=np.int64))
    mw, major = cls.flags(codes, MOTORWAY_CLASSES), cls.flags(codes, MAJOR_CLASSES)
    if not directed:
        u, v = np.r_[u, v], np.r_[v, u]
        secs, mw, major = np.r_[secs, secs], np.r_[mw, mw], np.r_[major, major]
    return RoadArrays(node_ids=node_ids.copy(), x=x.copy(), y=y.copy(), src_crs=crs, u=u,
                      v=v, travel_time=secs, motorway=mw, major=major, junction=junction)


def _lookup(sorted_ids: np.ndarray, order: np.ndarray, ids: np.ndarray, path: Path) -> np.ndarray:
    pos = np.searchsorted(sorted_ids, ids)
    pos = np.minimum(pos, len(sorted_ids) - 1)
    missing = sorted_ids[pos] != ids
    if missing.any():
        raise errors.InputDataError(
            f"{path}: an edge refers to node {ids[np.flatnonzero(missing)[0]]}, which the file "
            "does not define")
    return order[pos]


# ---------------------------------------------------------------------------------------------
# OSM PBF
# ---------------------------------------------------------------------------------------------

# pyrosm's one-way values (pyrosm.config.Conf.oneway_values) and those against the way order.
_ONEWAY = frozenset({"yes", "true", "1", "-1", "T", "F"})
_AGAINST = frozenset({"-1", "T"})


def _driving_filter():
    """pyrosm's ``driving`` way filter (exclude dict), so both PBF paths keep the same ways."""
    from pyrosm.config.osm_filters import driving_filter

    return driving_filter()


def _excluded(tags, flt: dict) -> bool:
    for key, rule in flt.items():
        if hasattr(rule, "closes"):
            if rule.closes(tags):
                return True
        else:
            value = tags.get(key)
            if value is not None and value in rule:
                return True
    return False


def read_pbf(path: str | Path, hwy_speeds: dict[str, float]) -> RoadArrays:
    """Stream an OSM PBF extract (e.g. Geofabrik) to the drivable :class:`RoadArrays`.

    Ways: those with a ``highway`` tag that pass pyrosm's ``driving`` filter. Each way segment
    is an edge, both ways unless the way is one-way (``oneway`` in pyrosm's values or a
    roundabout; ``-1`` runs against the node order). Node coordinates come from pyosmium's
    location index; a way node missing from the extract breaks the way there (counted in a
    warning).

    Parameters
    ----------
    path : str or pathlib.Path
        ``.osm.pbf`` file (or any format pyosmium reads).
    hwy_speeds : dict
        Class speeds (km/h) where ``maxspeed`` is missing.
    """
    path = Path(path)
    ways = _scan_pbf(path)
    if not ways.way_len:
        raise errors.InputDataError(f"{path}: no drivable roads in this PBF file")
    if ways.missing:
        warnings.warn(f"{path}: {ways.missing} way node(s) are not in the extract; their ways are "
                      "broken there", stacklevel=3)
    return _pbf_arrays(ways, hwy_speeds)


@dataclass
class _PbfWays:
    """The drivable ways of a PBF file, flat: every way's node refs (-1 where the node is
    missing) and coordinates one after the other, and per way its length and attributes."""

    refs: array = field(default_factory=lambda: array("q"))
    lon: array = field(default_factory=lambda: array("d"))
    lat: array = field(default_factory=lambda: array("d"))
    way_len: array = field(default_factory=lambda: array("q"))
    way_dir: array = field(default_factory=lambda: array("b"))  # 0 both, 1 along, 2 against
    way_cls: list[int] = field(default_factory=list)
    way_ms: list[str | None] = field(default_factory=list)
    junction_ids: array = field(default_factory=lambda: array("q"))
    cls: _Classes = field(default_factory=_Classes)
    missing: int = 0


def _scan_pbf(path: Path) -> _PbfWays:
    """One pass of pyosmium over the file: the ways pyrosm's ``driving`` filter keeps, and the
    motorway junction nodes."""
    import osmium

    flt = _driving_filter()
    tag_keys = {"highway", "maxspeed", "oneway", "junction"} | set(flt)
    for rule in flt.values():
        tag_keys |= set(getattr(rule, "keys", ()))
    ways = _PbfWays()
    refs, lon, lat = ways.refs, ways.lon, ways.lat
    try:
        fp = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
              .with_locations().with_filter(osmium.filter.KeyFilter("highway")))
        obj: Any
        for obj in fp:
            if obj.is_way():
                tags = {k: obj.tags[k] for k in tag_keys if k in obj.tags}
                if _excluded(tags, flt):
                    continue
                n0 = len(refs)
                for nd in obj.nodes:
                    loc = nd.location
                    if loc.valid():
                        refs.append(nd.ref)
                        lon.append(loc.lon)
                        lat.append(loc.lat)
                    else:
                        ways.missing += 1
                        refs.append(-1)
                        lon.append(math.nan)
                        lat.append(math.nan)
                k = len(refs) - n0
                if k < 2:
                    del refs[n0:], lon[n0:], lat[n0:]
                    continue
                ways.way_len.append(k)
                ow = tags.get("oneway")
                one = ow in _ONEWAY or tags.get("junction") == "roundabout"
                ways.way_dir.append(0 if not one else (2 if ow in _AGAINST else 1))
                ways.way_cls.append(ways.cls(tags.get("highway")))
                ways.way_ms.append(tags.get("maxspeed"))
            elif obj.is_node() and obj.tags.get("highway") == "motorway_junction":
                ways.junction_ids.append(obj.id)
    except errors.SpatialTownsError:
        raise
    except Exception as exc:
        raise errors.InputDataError(f"{path}: cannot read the OSM extract ({exc})") from None
    return ways


def _pbf_arrays(ways: _PbfWays, hwy_speeds: dict[str, float]) -> RoadArrays:
    """Edges of the scanned ways: one per segment between two present nodes of a way, both
    ways unless one-way; nodes numbered by their sorted OSM ids."""
    cls = ways.cls
    r = np.frombuffer(ways.refs, dtype=np.int64)
    lo, la = np.frombuffer(ways.lon), np.frombuffer(ways.lat)
    wl = np.asarray(ways.way_len, dtype=np.int64)
    way_of = np.repeat(np.arange(len(wl)), wl)
    # Segment i joins ref i and ref i + 1 of the same way, both present.
    same = np.r_[way_of[1:] == way_of[:-1], False]
    seg = np.flatnonzero(same & (r >= 0) & np.r_[r[1:] >= 0, False])
    a, b = seg, seg + 1
    w = way_of[a]
    seg_len = haversine_m(lo[a], la[a], lo[b], la[b])
    codes = np.asarray(ways.way_cls, dtype=np.int64)[w]
    cache: dict = {}
    ms_way = np.array([_clean_maxspeed(m, cache) for m in ways.way_ms], dtype=float)
    first, names = cls.first_codes(codes)
    secs = travel_time_s(seg_len, edge_speeds_kph(first, names, ms_way[w], hwy_speeds))
    mw, major = cls.flags(codes, MOTORWAY_CLASSES), cls.flags(codes, MAJOR_CLASSES)
    direction = np.asarray(ways.way_dir, dtype=np.int8)[w]
    valid = r >= 0
    node_ids, first_pos, inverse = np.unique(r[valid], return_index=True, return_inverse=True)
    idx = np.full(len(r), -1, dtype=np.int64)
    idx[valid] = inverse
    x, y = lo[valid][first_pos], la[valid][first_pos]
    ia, ib = idx[a], idx[b]
    fwd = direction != 2
    bwd = direction != 1
    u = np.r_[ia[fwd], ib[bwd]]
    v = np.r_[ib[fwd], ia[bwd]]
    sel = lambda arr: np.r_[arr[fwd], arr[bwd]]  # noqa: E731
    junction = np.isin(node_ids, np.frombuffer(ways.junction_ids, dtype=np.int64))
    return RoadArrays(node_ids=node_ids, x=x.copy(), y=y.copy(), src_crs="EPSG:4326", u=u,
                      v=v, travel_time=sel(secs), motorway=sel(mw), major=sel(major),
                      junction=junction)

