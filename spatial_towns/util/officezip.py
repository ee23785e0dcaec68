"""Office Open XML packages (.docx, .xlsx) made byte-for-byte reproducible.

python-docx and openpyxl write each zip entry with the wall-clock time, so two saves of the
same content differ. :func:`normalised` rewrites a package with every entry dated
1980-01-01 00:00 (the zip epoch) in its original order, deflated at a fixed level.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def normalised(data: bytes) -> bytes:
    """``data`` (a zip package) with fixed entry dates, permissions and compression."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename), compresslevel=6)
    return out.getvalue()


def xlsx_bytes(workbook: Any) -> bytes:
    """An openpyxl workbook as normalised .xlsx bytes: the same content gives the same bytes
    (its document dates as set on ``workbook.properties``; ``Workbook.save`` would stamp the
    modified date with the clock, openpyxl's ExcelWriter does not)."""
    from openpyxl.writer.excel import ExcelWriter

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    return normalised(buf.getvalue())
