"""The `<spec>_fidelity` asset of a spec with a `profile_source`: after every table is
written, `seed-assets compare` of the source database and the generated one, its HTML report
beside the validation report, and the scores as metadata the UI plots over runs."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from seed_assets.assets.keys import spec_keys
from seed_assets.resources.target import TargetResource
from seed_assets.spec.models import Spec


def fidelity_key(spec: Spec) -> AssetKey:
    name = f"{spec.name}_fidelity"
    return AssetKey([spec.asset_prefix, name] if spec.asset_prefix else [name])


def build_fidelity_assets(spec: Spec) -> list[AssetsDefinition]:
    if not spec.profile_source:
        return []

    @asset(
        key=fidelity_key(spec),
        group_name=spec.name,
        deps=spec_keys(spec),
        description=f"How close the generated {spec.name} data is to the database it was "
        "profiled from: SDMetrics' quality measures, date rules, privacy (seed-assets compare).",
    )
    def fidelity(target: TargetResource) -> MaterializeResult:
        from seed_assets.reports.fidelity_html import render_fidelity_html
        from seed_assets.reports.fidelity_run import compare

        real = os.path.expandvars(spec.profile_source)
        report = compare(real, target.url_for(spec))
        out = Path("data") / f"{spec.source_stem}_fidelity.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_fidelity_html(report), encoding="utf-8")
        q = report["quality"]
        broken = sum(r["broken"] for r in report["rules"])
        metadata = {
            "quality": MetadataValue.float(round(q["quality"], 4)),
            **{k: MetadataValue.float(round(v, 4)) for k, v in q["properties"].items() if v == v},
            "date rules": len(report["rules"]),
            "date rules broken": broken,
            "report": MetadataValue.path(str(out)),
        }
        return MaterializeResult(metadata=metadata)

    return [fidelity]
