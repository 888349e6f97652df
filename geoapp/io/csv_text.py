"""CSV as the service writes it, in one place: byte-order mark, HXL hashtag row, quoting and line ends.

Every CSV the service gives out (layer downloads, OGC items pages, displacement figures, the
rejected rows of an import) is UTF-8 with a byte-order mark, so that Excel shows "Pétion-Ville"
rather than "PÃ©tion-Ville" (pandas, GDAL and libhxl read past it); a header row, then the HXL
hashtag row when the columns have tags (https://hxlstandard.org); cells quoted only when they
must be (a separator, a quote or a line break inside); lines ending with LF, or CRLF for Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

import pandas as pd

#: The UTF-8 byte-order mark: without it Excel reads UTF-8 CSV as the locale's code page.
BOM = "\ufeff"


class CsvText:
    """CSV written piece by piece (header, then rows or frames), each piece returned as text to send or save.

    ``excel`` ends lines with CRLF; ``separator`` is a comma unless a file must match the one it
    answers (an import's rejected rows keep the semicolons of the file that was read).
    """

    def __init__(self, *, excel: bool = False, separator: str = ","):
        self.end = "\r\n" if excel else "\n"
        self.separator = separator
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=separator, lineterminator=self.end)

    def head(self, columns: Sequence[str], hxl: Sequence[str] | None = None) -> str:
        """The byte-order mark, the header row and (given ``hxl``, one tag per column) the hashtag row."""
        self._writer.writerow([str(c) for c in columns])
        if hxl is not None:
            self._writer.writerow(list(hxl))
        return BOM + self._take()

    def rows(self, rows: Iterable[Sequence[object]]) -> str:
        """Rows of cells (None written as an empty cell)."""
        self._writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
        return self._take()

    def frame(self, table: pd.DataFrame) -> str:
        """A table's rows (no header, no index), missing values as empty cells: the fast path for many rows."""
        table.astype(object).where(table.notna(), "").to_csv(
            self._buffer, header=False, index=False, sep=self.separator, lineterminator=self.end)
        return self._take()

    def _take(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def csv_document(columns: Sequence[str], rows: Iterable[Sequence[object]], *, hxl: Sequence[str] | None = None,
                 excel: bool = False, separator: str = ",") -> str:
    """A whole CSV text: byte-order mark, header, hashtag row (with ``hxl``) and ``rows``."""
    out = CsvText(excel=excel, separator=separator)
    return out.head(columns, hxl) + out.rows(rows)


def csv_frames(columns: Sequence[str], frames: Iterable[pd.DataFrame], *, hxl: Sequence[str] | None = None,
               excel: bool = False) -> Iterator[str]:
    """A CSV streamed: the head, then each frame's rows (in ``columns`` order) as one piece."""
    out = CsvText(excel=excel)
    yield out.head(columns, hxl)
    for frame in frames:
        yield out.frame(frame[list(columns)])
