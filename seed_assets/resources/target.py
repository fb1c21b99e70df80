"""The database the table assets write to."""

from typing import Literal

from dagster import ConfigurableResource
from pydantic import Field

from seed_assets.spec.models import Spec
from seed_assets.targets.base import Target
from seed_assets.targets.urls import default_url

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
        return Target.for_url(self.url_for(spec))
