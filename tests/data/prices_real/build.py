"""Rebuild tests/data/prices_real from a checkout's ``../shared/data`` (maintainers only).

Run once when the real data change: ``python tests/data/prices_real/build.py [SHARED_DATA]``.

Each ``SYMBOL.csv`` of ``prices/daily`` and ``prices/1h`` becomes ``SYMBOL.parquet`` (zstd):
the date column as text exactly as in the CSV, the price columns as float64 and ``Volume``
as int64. Every price cell of the originals is the shortest text that reads back as its
float (Python's ``repr``) and every volume an integer, so the CSV is rebuilt byte for byte;
``SHA256SUMS`` holds the original files' hashes and the test fixtures check them on rebuild.
The two ``raw_examples`` files are kept as they are, gzip-compressed.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent


def table_from_csv(path: Path) -> pa.Table:
    """The CSV as an Arrow table: first column text, ``Volume`` int64, others float64."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    cols: dict[str, pa.Array] = {}
    for j, name in enumerate(header):
        cells = [r[j] for r in body]
        if j == 0:
            cols[name] = pa.array(cells, pa.string())
        elif name == "Volume":
            cols[name] = pa.array([int(c) for c in cells], pa.int64())
        else:
            cols[name] = pa.array([float(c) for c in cells], pa.float64())
    return pa.table(cols)


def main(shared_data: Path) -> None:
    sums: list[str] = []
    for interval in ("daily", "1h"):
        out = HERE / interval
        out.mkdir(exist_ok=True)
        for csv_path in sorted((shared_data / "prices" / interval).glob("*.csv")):
            pq.write_table(
                table_from_csv(csv_path), out / f"{csv_path.stem}.parquet",
                compression="zstd", compression_level=19,
            )
            digest = hashlib.sha256(csv_path.read_bytes()).hexdigest()
            sums.append(f"{digest}  prices/{interval}/{csv_path.name}")
    raw = HERE / "raw_examples"
    raw.mkdir(exist_ok=True)
    for csv_path in sorted((shared_data / "raw_examples").glob("*.csv")):
        data = csv_path.read_bytes()
        (raw / f"{csv_path.name}.gz").write_bytes(gzip.compress(data, 9, mtime=0))
        sums.append(f"{hashlib.sha256(data).hexdigest()}  raw_examples/{csv_path.name}")
    (HERE / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[3] / "shared" / "data")
