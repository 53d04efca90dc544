"""Read a codebase file as text, or say exactly why it is not text Cutover can trust.

Never `errors="replace"`: a Latin-1 'Zoë' read as UTF-8 became 'Zo\ufffd', the translated
literal changed, and the object was still reported at parity because both sides ran the altered
text. A file that does not decode in the project's encoding is a per-file verdict with the
position of the first bad byte, and the rest of the codebase goes on.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class SourceText:
    """A file's text (None when it cannot be read as text) and, if so, why."""

    text: str | None
    problem: str | None = None
    encoding: str = "utf-8"


def read_sql_text(path: Path, where: str, encoding: str = "utf-8") -> SourceText:
    data = path.read_bytes()
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            # A byte-order mark says the encoding outright; decode past it.
            return _decode(data[len(bom):], where, bom_encoding)
    if b"\x00" in data:
        offset = data.index(b"\x00")
        return SourceText(None, f"{where}: looks binary (a NUL byte at offset {offset}), not "
                                f"SQL text; leave it out with [project] exclude", encoding)
    return _decode(data, where, encoding)


def _decode(data: bytes, where: str, encoding: str) -> SourceText:
    try:
        return SourceText(data.decode(encoding), None, encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start]
        hint = ("if the file is Latin-1 or Windows-1252, set [project] encoding = \"cp1252\""
                if encoding.replace("-", "").lower() == "utf8" else
                "set [project] encoding to the file's encoding")
        return SourceText(None, f"{where}:{line}:{column}: not valid {encoding} text (byte "
                                f"0x{byte:02x}); {hint}", encoding)
    except LookupError as exc:
        return SourceText(None, f"{where}: unknown encoding {encoding!r} ([project] encoding): "
                                f"{exc}", encoding)
