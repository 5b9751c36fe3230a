"""The plain values several sections of the HTML report place: a table cell, a figure of
charts, a sample grid (embedded as a ``data:`` URI, so the page loads nothing)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

#: sample grids larger than this are not embedded (the page would not open comfortably)
MAX_IMAGE_BYTES = 16 * 1024 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass
class TableCell:
    text: str
    #: the cell's CSS classes ("" for none), e.g. "num" for right-aligned numbers
    css: str = ""


@dataclass
class Figure:
    """A figure of one or more charts and its caption."""

    charts: list[Markup]
    caption: str


@dataclass
class SampleGrid:
    #: the grid as a data: URI; None when there is none or it cannot be embedded
    uri: str | None
    alt: str
    caption: str


def png_data_uri(path: Path) -> str | None:
    """``data:image/png;base64,...`` of a PNG file, or None when it is not one (or too big)."""
    try:
        if path.stat().st_size > MAX_IMAGE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(PNG_MAGIC):
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


__all__ = ["MAX_IMAGE_BYTES", "PNG_MAGIC", "Figure", "SampleGrid", "TableCell", "png_data_uri"]
