"""Shared test helpers: paths to the small data sets in tests/data."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
REPO = TESTS.parent


@pytest.fixture
def toy_dir() -> Path:
    """A data folder with two made-up cities whose numbers are easy to calculate by hand."""
    return DATA / "toy"


@pytest.fixture
def write_scenario(tmp_path: Path):
    """Write a scenario that extends tests/data/toy_base.yaml; returns its path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        header = f"extends: {DATA / 'toy_base.yaml'}\ndata: {DATA / 'toy'}\n"
        path.write_text(header + text, encoding="utf-8")
        return path

    return write
