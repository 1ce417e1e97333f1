"""Shared fixtures: where the real market data lives, and the seed article."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MKTNEWS_SHARED", REPO.parent / "shared"))
SHARED_DATA = SHARED / "data"
TESTS_DATA = Path(__file__).resolve().parent / "data"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"real market data not found at {path}: these tests read ../shared/data beside the "
            "checkout (set MKTNEWS_SHARED to its parent folder to point elsewhere)"
        )
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder ``../shared/data`` (skips the test when absent)."""
    return _need(SHARED_DATA)


@pytest.fixture(scope="session")
def daily_dir(shared_data: Path) -> Path:
    """Folder of real daily bars, one CSV per Yahoo symbol."""
    return shared_data / "prices" / "daily"


@pytest.fixture(scope="session")
def hourly_dir(shared_data: Path) -> Path:
    """Folder of real hourly bars (bar start in UTC)."""
    return shared_data / "prices" / "1h"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The seed article: from ../shared/seed, else the copy shipped in the package."""
    p = SHARED / "seed" / "000_c914ccdd9c6fabd9.txt"
    if p.exists():
        return p
    return REPO / "mktnews" / "datasets" / "data" / "000_c914ccdd9c6fabd9.txt"
