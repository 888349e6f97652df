"""Each layer's citations by feature id, built once per data version for the answers' ``sources``."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd


@dataclasses.dataclass(frozen=True)
class Citations:
    """One layer's feature ids as a hashed index and each row's citation as a code, for lookups by id.

    Arrays rather than Python objects per row: a national road layer (half a million roads) costs a
    few megabytes, not a hundred, in each serving process.
    """

    ids: pd.Index
    codes: np.ndarray  # each row's citation: its position in ``cited``, -1 for none
    cited: tuple[str, ...]  # the layer's distinct citations, sorted

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Citations:
        codes, found = pd.factorize(frame["source"].to_numpy(dtype=object))  # no citation (None, NaN): -1
        text = [str(value).strip() for value in found]
        cited = tuple(sorted({t for t in text if t}))
        position = {t: i for i, t in enumerate(cited)}
        recode = np.array([position.get(t, -1) for t in text] + [-1], dtype=np.int64)  # [-1] for code -1
        return cls(pd.Index(frame["id"].to_numpy(dtype=object)), recode[codes], cited)

    def rows(self, ids: list[str]) -> np.ndarray:
        """The rows of these features (ids not in the layer ignored)."""
        if self.ids.is_unique:
            rows = self.ids.get_indexer(ids)
            return rows[rows >= 0]
        return np.flatnonzero(self.ids.isin(ids))
