"""Tables as spreadsheets save them: every importer reads CSV and XLSX files through this one reader.

French Excel saves "CSV (séparateur: point-virgule)" in Windows-1252 with ``;`` between cells and
decimal commas ("18,5123"); other tools write UTF-8 with or without a byte-order mark, commas or
tabs.  The reader decides each of these from the file itself, says what it decided, and keeps
every cell as text with its line number, so that importers report problems where users find them.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import DataValidationError
from ..extras import require
from ..i18n.translate import N_, _
from .csv_text import CsvText

WORKBOOKS = (".xlsx", ".xlsm", ".xls")
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
#: how summaries and problems name a table by its separator (translated when read)
SEPARATED = {",": N_("comma-separated"), ";": N_("semicolon-separated"), "\t": N_("tab-separated")}
#: A number written with a decimal comma, as French spreadsheets write "18,5123".
DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
#: The same for whole-number columns, where "1,200" (three digits after the comma) is a thousands separator.
DECIMAL_COMMA_WHOLE = re.compile(r"^[+-]?\d+,(?:\d{1,2}|\d{4,})$")
#: Spaces spreadsheets put between thousands ("1 200", also no-break and narrow no-break spaces).
THOUSANDS_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


@dataclass
class Table:
    """A table read from a file: every cell a string ("" when empty), indexed by its line in the file.

    For workbooks the index is the row number in the sheet.  ``tags`` holds the parsed HXL hashtag
    row (one attribute set per column, empty when the file has none) and ``hxl_row`` its cells.
    """

    name: str
    frame: pd.DataFrame
    tags: list[set[str] | None] = field(default_factory=list)
    hxl_row: list[str] | None = None
    encoding: str | None = None
    separator: str | None = None
    sheet: str | int | None = None
    decimal_comma: list[str] = field(default_factory=list)

    def numbers(self, values: pd.Series, *, whole: bool = False) -> pd.Series:
        """A column's cells as numbers (NaN where empty or not a number).

        A decimal comma is read only when the cells are not comma-separated and the column holds
        values shaped like one; whole-number columns drop thousands separators ("1 200", and
        "1,200" where the comma is not decimal).  Columns read with a decimal comma are recorded.
        """
        text = values.astype("string").str.strip()
        if whole:
            text = text.str.replace(THOUSANDS_SPACES, "", regex=True)
        pattern = DECIMAL_COMMA_WHOLE if whole else DECIMAL_COMMA
        comma = self.separator != "," and bool(text.str.match(pattern).fillna(False).any())
        if comma:
            text = text.str.replace(",", ".", regex=False)
            if values.name is not None and str(values.name) not in self.decimal_comma:
                self.decimal_comma.append(str(values.name))
        elif whole:
            text = text.str.replace(",", "", regex=False)
        return pd.to_numeric(text, errors="coerce").astype(float)

    def describe(self) -> str:
        """How the file was read, for import summaries: encoding, separator, decimal commas."""
        if self.encoding is None:
            parts = [_("Excel workbook, sheet %(sheet)s", sheet=repr(self.sheet)) if self.sheet not in (None, 0)
                     else _("Excel workbook")]
        else:
            parts = [_("%(encoding)s text", encoding=_(self.encoding)), separated(self.separator or "")]
        if self.decimal_comma:
            parts.append(_("decimal comma in %(columns)s", columns=", ".join(repr(c) for c in self.decimal_comma)))
        if self.hxl_row:
            parts.append(_("HXL hashtag row"))
        return ", ".join(parts)


def read_table(path: Path, *, sheet: str | int | None = 0) -> Table:
    """A CSV (or tab-separated text) file or a workbook sheet as a ``Table``.

    Raises ``DataValidationError`` naming the file when it is not a table this reader can decode.
    """
    path = Path(path)
    if path.suffix.lower() in WORKBOOKS:
        return _workbook(path, sheet)
    text, encoding = decode(path)
    skipped = 0
    hint = re.match(r"sep=(.)\r?\n", text[:8])  # Excel's "sep=;" first line
    if hint:
        separator, text, skipped = hint.group(1), text[hint.end():], 1
    else:
        separator = detect_separator(text)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=separator, dtype=str, keep_default_na=False,
                            skip_blank_lines=False, engine="c")
    except pd.errors.EmptyDataError:
        raise DataValidationError([_("%(file)s: the file is empty", file=path.name)]) from None
    except (pd.errors.ParserError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else exc.__class__.__name__
        raise DataValidationError([_("%(file)s: cannot be read as a %(separated)s table (%(detail)s)", file=path.name,
                                     separated=separated(separator), detail=detail)]) from None
    frame.index = frame.index + 2 + skipped  # the header is line 1 (2 after a "sep=" line)
    return _finish(Table(path.name, frame, encoding=encoding, separator=separator))


def decode(path: Path) -> tuple[str, str]:
    """The file's text and the encoding it was in: strict UTF-8 (a BOM taken off), else Windows-1252."""
    raw = Path(path).read_bytes()
    if raw.startswith(b"PK\x03\x04"):
        raise DataValidationError([_("%(file)s: is an Excel workbook, not CSV text: give it the .xlsx ending",
                                     file=path.name)])
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    elif raw.startswith(codecs.BOM_UTF8):
        try:
            return _text(path, raw[3:].decode("utf-8")), N_("UTF-8 (with BOM)")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return _text(path, raw.decode("utf-8")), "UTF-8"
        except UnicodeDecodeError:
            pass
        try:
            return _text(path, raw.decode("cp1252")), "Windows-1252"
        except UnicodeDecodeError:
            pass
    raise DataValidationError([_("%(file)s: is neither UTF-8 nor Windows-1252 text; save it from Excel as "
                                 "'CSV UTF-8' or as a workbook (.xlsx)", file=path.name)])


def separated(separator: str) -> str:
    """A table's kind by its separator, in the active language: "comma-separated"."""
    if separator in SEPARATED:
        return _(SEPARATED[separator])
    return _("%(separator)s-separated", separator=repr(separator))


def _text(path: Path, text: str) -> str:
    if "\x00" in text:
        raise DataValidationError([_("%(file)s: holds NUL bytes, so it is not a text table; save it from "
                                     "Excel as 'CSV UTF-8' or as a workbook (.xlsx)", file=path.name)])
    return text


def detect_separator(text: str) -> str:
    """``;``, ``,`` or tab: whichever the header line has most of outside quotes (a comma on a tie)."""
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for char in text[:65536]:  # a header line; an unclosed quote must not make this read the whole file
        if char == '"':
            quoted = not quoted
        elif not quoted:
            if char in "\r\n":
                break
            if char in counts:
                counts[char] += 1
    best = max(counts, key=lambda s: (counts[s], s == ","))
    return best if counts[best] else ","


def write_csv(path: Path, frame: pd.DataFrame, *, separator: str = ",") -> Path:
    """Write ``frame`` as CSV that Excel opens with accents intact (``csv_text``: a BOM, CRLF line ends)."""
    out = CsvText(excel=True, separator=separator)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(out.head(list(frame.columns)) + out.frame(frame))
    return Path(path)


def _workbook(path: Path, sheet) -> Table:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        require("openpyxl")  # pandas' own message would not name the extra
    try:
        frame = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False)
    except Exception as exc:  # readers raise many kinds; all mean the file is unusable
        raise DataValidationError([_("%(file)s: cannot be read as a workbook (%(error)s)", file=path.name,
                                     error=f"{exc.__class__.__name__}: {str(exc)[:200]}")]) from None
    frame.index = frame.index + 2  # the header is row 1
    return _finish(Table(path.name, frame, sheet=sheet))


def _finish(table: Table) -> Table:
    """Every cell a string, headers trimmed, blank lines dropped (line numbers kept), the HXL row split off."""
    frame = table.frame.fillna("").astype(str)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame[frame.ne("").any(axis=1)] if len(frame.columns) else frame
    if len(frame):
        first = [str(v).strip() for v in frame.iloc[0]]
        if sum(v.startswith("#") for v in first) >= max(2, len(first) // 3):
            table.hxl_row = first
            table.tags = [hxl_set(v) for v in first]
            frame = frame.iloc[1:]
    table.frame = frame
    return table


def fold(text: str) -> str:
    """Text compared without case, accents or punctuation: "Ménages" and "menages" are one header."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9#]+", " ", text).strip()


def hxl_set(value: str) -> set[str] | None:
    """An HXL hashtag and its attributes as a set ({"#geo", "+lat"}), None when the cell is not one."""
    value = re.sub(r"\s+", "", str(value).lower())
    if not value.startswith("#"):
        return None
    hashtag, *attributes = value.split("+")
    return {hashtag, *(f"+{a}" for a in attributes if a)}
