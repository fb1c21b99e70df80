"""Shared fixtures: the shipped and test specs, temporary SQLite targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from seed_assets.spec.loader import load_spec

ROOT = Path(__file__).resolve().parent.parent
BANKING = ROOT / "seed_assets" / "examples" / "banking.yaml"
SHOP = Path(__file__).parent / "specs" / "shop.yaml"


@pytest.fixture(scope="session")
def banking():
    return load_spec(BANKING)


@pytest.fixture(scope="session")
def shop():
    return load_spec(SHOP)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite'}"
