"""What reflection reads (``Table``, one per table) and what it gives (``Reflection``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reflection:
    """The reflected spec as plain data (in writing order), the reason for each inferred
    choice, and what a person should review."""

    data: dict[str, Any]
    comments: dict[tuple[str, ...], str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    dialect: str = ""


@dataclass
class Table:
    name: str
    columns: dict[str, dict[str, Any]]  # column -> spec fields (type part)
    nullable: dict[str, bool]
    defaults: dict[str, str | None]
    identity: dict[str, int]  # column -> start
    comments: dict[str, str | None]
    primary_key: list[str]
    foreign_keys: list[dict[str, Any]]
    unique: list[list[str]]
    checks: list[dict[str, Any]]
    description: str | None = None
