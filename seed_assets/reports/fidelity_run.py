"""One fidelity comparison of two databases: the quality measures, the date rules, privacy."""

from __future__ import annotations

from typing import Any

from seed_assets.reports.fidelity import quality, read_tables
from seed_assets.reports.fidelity_checks import date_rules, privacy


def compare(real_url: str, synth_url: str) -> dict[str, Any]:
    from seed_assets.targets.base import mask_url

    schema, real = read_tables(real_url)
    _, synth = read_tables(synth_url)
    return {
        "real": mask_url(real_url),
        "synthetic": mask_url(synth_url),
        "quality": quality(schema, real, synth),
        "rules": date_rules(real_url, synth_url),
        "privacy": privacy(schema, real, synth),
    }
