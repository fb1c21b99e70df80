"""The database the table assets write to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from dagster import ConfigurableResource
from pydantic import Field

from seed_assets.spec.models import Spec
from seed_assets.targets.default_target import default_url

if TYPE_CHECKING:  # SQLAlchemy (~0.15 s) is imported when a step first opens a target
    from seed_assets.targets.base import Target


__all__ = ["TargetResource", "default_url"]


class TargetResource(ConfigurableResource):
    """A SQLAlchemy URL (set it with ``EnvVar("SEED_ASSETS_TARGET_URL")``); empty means each
    spec writes to ``sqlite:///data/<spec file stem>.sqlite``."""

    url: str = Field("", description="SQLAlchemy URL naming its driver; empty for the default.")
    if_exists: Literal["fail", "replace", "append"] = Field(
        "replace",
        description="A table that holds rows: `replace` what this spec wrote (re-materialising "
        "an asset replaces it), `append`, or `fail`. Rows this tool did not write are never "
        "replaced.",
    )

    def url_for(self, spec: Spec) -> str:
        return self.url or default_url(spec)

    def target_for(self, spec: Spec) -> Target:
        """The writer for the spec's target; a spec the dialect cannot hold (a NUL for
        PostgreSQL, a CHECK over MariaDB's size) is refused here, before the step writes."""
        from seed_assets.targets.base import Target
        from seed_assets.targets.representable import refuse_unfit_url

        url = self.url_for(spec)
        refuse_unfit_url(spec, url)
        return Target.for_url(url)
