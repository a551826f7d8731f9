"""Open a department's survey file safely: size and zip limits, the format, the text
encoding and the CRS — before any field is looked at (no database).

Formats: a Shapefile (a zip holding it, or the `.shp` path with its siblings), a GeoPackage,
GeoJSON (read with pyogrio), CSV and XLSX with coordinate columns (pandas). Text that is not
UTF-8 is tried as GB18030 (the encoding of Chinese Excel and ArcGIS exports) before the file
is refused; the encoding used is reported.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from webgis.errors import WebgisError

VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json")
TABLE_SUFFIXES = (".csv", ".xlsx")
SUFFIXES = (*VECTOR_SUFFIXES, *TABLE_SUFFIXES, ".zip")
ENCODINGS = ("utf-8", "gb18030")
MB = 1024 * 1024


class ImportRejected(WebgisError):
    """The whole file cannot be imported (size, zip, format, encoding, CRS, geometry)."""

    code = "import_invalid"

    def __init__(self, message: str, field: str = "file", **params: Any):
        super().__init__(message, {field: message % params if params else message},
                         params=params)


@dataclass(frozen=True)
class Limits:
    """How big a file may be: on disk, once unzipped, and how many zip members."""

    max_bytes: int = 50 * MB
    max_unzipped_bytes: int = 200 * MB
    max_members: int = 50


@dataclass
class RawTable:
    """The file's attribute rows (as read) and geometries (None for a table)."""

    frame: pd.DataFrame
    geoms: list[Any] | None  # shapely geometries or None per row; None: a plain table
    crs: Any  # a pyproj CRS, or None (unknown / a table)
    encoding: str | None  # the text encoding used, None where the format fixes it (XLSX)
    fmt: str
    first_row: int  # the number users see for frame row 0 (2 in a sheet under its header)


def check_size(path: Path, limits: Limits) -> None:
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ImportRejected("the file is %(size_mb).0f MB; the limit is %(max_mb).0f MB "
                             "(split the survey or raise WEBGIS_IMPORT_MAX_MB)",
                             size_mb=size / MB, max_mb=limits.max_bytes / MB)


def _safe_members(zf: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """Refuse a zip bomb (too many members, too much unzipped) or a member leaving the
    folder, before anything is extracted."""
    infos = [i for i in zf.infolist() if not i.is_dir()
             and "__MACOSX" not in Path(i.filename).parts  # a Mac's resource forks
             and not Path(i.filename).name.startswith("._")]
    if len(infos) > limits.max_members:
        raise ImportRejected("the zip holds %(n)d files; at most %(max)d are accepted",
                             n=len(infos), max=limits.max_members)
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_bytes:
        raise ImportRejected("the zip would unpack to %(mb).0f MB; the limit is %(max).0f MB",
                             mb=total / MB, max=limits.max_unzipped_bytes / MB)
    for i in infos:
        name = Path(i.filename)
        if name.is_absolute() or ".." in name.parts:
            raise ImportRejected("the zip member %(name)s points outside the folder",
                                 name=i.filename)
    return infos


def _extract(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], into: Path,
             limits: Limits) -> None:
    """Copy members with a running byte count: the sizes in a zip header can lie."""
    budget = limits.max_unzipped_bytes
    for info in infos:
        target = into / Path(info.filename).name
        with zf.open(info) as src, target.open("wb") as dst:
            while chunk := src.read(1 << 20):
                budget -= len(chunk)
                if budget < 0:
                    raise ImportRejected("the zip unpacks to more than %(max).0f MB",
                                         max=limits.max_unzipped_bytes / MB)
                dst.write(chunk)


@contextmanager
def opened(path: Path, limits: Limits) -> Iterator[Path]:
    """The file to read: `path` itself, or the one survey file inside a zip (unpacked into
    a temporary folder that is removed afterwards)."""
    check_size(path, limits)
    if path.suffix.lower() != ".zip":
        yield path
        return
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ImportRejected("the file is not a readable zip") from None
    with zf, tempfile.TemporaryDirectory(prefix="webgis-import-") as tmp:
        infos = _safe_members(zf, limits)
        _extract(zf, infos, Path(tmp), limits)
        found = [p for p in sorted(Path(tmp).iterdir())
                 if p.suffix.lower() in VECTOR_SUFFIXES + TABLE_SUFFIXES]
        if len(found) != 1:
            raise ImportRejected("the zip must hold exactly one survey file (.shp with its "
                                 ".dbf/.shx/.prj, .gpkg, .geojson, .csv or .xlsx); found "
                                 "%(n)d", n=len(found))
        yield found[0]


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM), else GB18030, else refused."""
    for enc in ENCODINGS:
        try:
            return data.decode("utf-8-sig" if enc == "utf-8" else enc), enc
        except UnicodeDecodeError:
            continue
    raise ImportRejected("the text is neither UTF-8 nor GB18030; save it as UTF-8")


def _shp_encoding(path: Path) -> str:
    """A Shapefile's DBF encoding: its .cpg if present, else UTF-8 if the DBF's bytes decode
    as UTF-8, else GB18030 (what Chinese ArcGIS writes), else refused."""
    cpg = path.with_suffix(".cpg")
    if cpg.exists():
        name = cpg.read_text(errors="replace").strip() or "utf-8"
        return {"936": "gb18030", "gbk": "gb18030", "gb2312": "gb18030"}.get(name.lower(),
                                                                            name.lower())
    dbf = path.with_suffix(".dbf")
    if not dbf.exists():
        raise ImportRejected("the Shapefile has no .dbf next to it")
    data = dbf.read_bytes()
    start = int.from_bytes(data[8:10], "little") if len(data) >= 10 else 0
    return decode(data[start:])[1]  # the records only: the header is binary


def _pick_layer(source: Path, prefer: list[str]) -> str | None:
    """The GeoPackage layer to read: the only one, or the one named like the import layer
    (`enterprises`, `intakes`, ...); several others are refused rather than guessed."""
    import pyogrio

    names = [str(row[0]) for row in pyogrio.list_layers(source)]
    if len(names) <= 1:
        return names[0] if names else None
    named = [n for n in names if n.lower() in prefer]
    if len(named) == 1:
        return named[0]
    raise ImportRejected("the file holds several layers (%(names)s); keep one, or name it "
                         "%(prefer)s", names=", ".join(names), prefer=" or ".join(prefer))


def _read_vector(path: Path, prefer: list[str]) -> RawTable:
    import pyogrio

    suffix = path.suffix.lower()
    encoding: str | None = "utf-8"
    source: Any = path
    kwargs: dict[str, Any] = {}
    if suffix == ".shp":
        if not path.with_suffix(".shx").exists() and not path.with_suffix(".SHX").exists():
            raise ImportRejected("the Shapefile has no .shx next to it (zip all its files)")
        encoding = _shp_encoding(path)
        kwargs["encoding"] = encoding
    elif suffix in (".geojson", ".json"):
        text, encoding = decode(path.read_bytes())
        source = io.BytesIO(text.encode("utf-8"))
    try:
        if suffix == ".gpkg":
            kwargs["layer"] = _pick_layer(path, prefer)
        gdf = pyogrio.read_dataframe(source, **kwargs)
    except ImportRejected:
        raise
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, ...
        raise ImportRejected("cannot read the file: %(why)s", why=str(exc)[:200]) from None
    geoms = list(gdf.geometry) if "geometry" in gdf else None
    frame = pd.DataFrame(gdf.drop(columns="geometry", errors="ignore"))
    fmt = {".shp": "shapefile", ".gpkg": "geopackage"}.get(suffix, "geojson")
    return RawTable(frame, geoms, gdf.crs if geoms is not None else None, encoding, fmt, 1)


def _read_table(path: Path) -> RawTable:
    if path.suffix.lower() == ".xlsx":
        try:
            frame = pd.read_excel(path, dtype=object, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for a broken workbook
            raise ImportRejected("cannot read the workbook: %(why)s", why=str(exc)[:200]) \
                from None
        return RawTable(frame, None, None, None, "xlsx", 2)
    text, encoding = decode(path.read_bytes())
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ImportRejected("cannot read the CSV: %(why)s", why=str(exc)[:200]) from None
    return RawTable(frame, None, None, encoding, "csv", 2)


def read_raw(path: Path, prefer: list[str] | None = None) -> RawTable:
    """The rows of a survey file (already unzipped by `opened`); `prefer`: the names a
    GeoPackage layer may have to be the one read."""
    suffix = path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES + TABLE_SUFFIXES:
        raise ImportRejected("unsupported file type %(suffix)s; use one of %(known)s",
                             suffix=suffix or "(none)", known=", ".join(SUFFIXES))
    raw = _read_vector(path, prefer or []) if suffix in VECTOR_SUFFIXES else _read_table(path)
    if raw.frame.empty:
        raise ImportRejected("the file holds no rows")
    return raw
