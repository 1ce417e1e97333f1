"""One convention for writing result frames as CSV or Parquet (a leaf module).

:meth:`mktnews.EventStudyResults.to_csv` / ``to_parquet``, :func:`mktnews.write_report` and
the command line (``mktnews study --out``, ``--out FILE.csv|.parquet``) all write frames
through :func:`export_frame` / :func:`write_frame`, so the same frame gives the same file:

- a MultiIndex (``abnormal``'s ``event_id, rel``) becomes columns; another index is dropped;
- the ``window`` column becomes two int64 columns ``window_start``, ``window_end``, placed
  after ``group`` (first when there is no ``group``);
- in CSV, list cells (``article_ids``; Arrow list columns or object columns holding lists,
  tuples or arrays) are written as JSON arrays (``["a", "b"]``); Parquet keeps them as lists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["ExportFormat", "export_frame", "write_frame"]

#: The two file formats.
ExportFormat = Literal["csv", "parquet"]


def _json_cell(value: object) -> object:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return json.dumps([v.item() if isinstance(v, np.generic) else v for v in value])
    return value


def export_frame(frame: pd.DataFrame, fmt: ExportFormat) -> pd.DataFrame:
    """The frame as it is written to a ``fmt`` file (a new frame; ``frame`` is unchanged).

    Parameters
    ----------
    frame : DataFrame
    fmt : {"csv", "parquet"}

    Returns
    -------
    DataFrame
        See the module docstring for the conventions.
    """
    df = frame.reset_index() if isinstance(frame.index, pd.MultiIndex) else frame.copy()
    if "window" in df.columns:
        win = df.pop("window")
        pos = list(df.columns).index("group") + 1 if "group" in df.columns else 0
        df.insert(pos, "window_start", np.array([w[0] for w in win], dtype=np.int64))
        df.insert(pos + 1, "window_end", np.array([w[1] for w in win], dtype=np.int64))
    if fmt == "csv":
        for col in df.columns:
            dt = df[col].dtype
            if isinstance(dt, pd.ArrowDtype) and "list" in str(dt.pyarrow_dtype):
                df[col] = pd.Series([json.dumps(v) for v in df[col].tolist()], index=df.index)
            elif pd.api.types.is_object_dtype(dt) and df[col].map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any():
                df[col] = df[col].map(_json_cell)
    return df


def write_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` (``.csv``: UTF-8 text; ``.parquet``/``.pq``: Parquet).

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        For another suffix (the message names the accepted ones).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        export_frame(frame, "csv").to_csv(p, index=False)
    elif suffix in (".parquet", ".pq"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(export_frame(frame, "parquet"), preserve_index=False)
        # without pandas' metadata: list columns (article_ids) then read back with any
        # pandas version (their Arrow dtype in the metadata trips some readers)
        if any(pa.types.is_list(f.type) for f in table.schema):
            table = table.replace_schema_metadata(None)
        pq.write_table(table, p)
    else:
        raise ValueError(f"{p}: write a .csv or .parquet (.pq) file")
    return p
