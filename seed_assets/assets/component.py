"""The ``SeedAssets`` Dagster Component: a spec's tables, checks, ML assets and jobs in a ``dg``
project, declared in a ``defs.yaml``::

    type: seed_assets.api.SeedAssets
    attributes:
      spec: spec.yaml                      # beside this defs.yaml, or from the project root
      target_url: sqlite:///data/my_data.sqlite

``dg scaffold defs seed_assets.api.SeedAssets my_data`` writes that file and a copy of the
banking example as ``spec.yaml`` to start from (``--spec PATH`` names an existing spec instead).
"""

from pathlib import Path

from dagster import (
    Component,
    ComponentLoadContext,
    Definitions,
    Model,
    Resolvable,
    Scaffolder,
    ScaffoldRequest,
    scaffold_component,
    scaffold_with,
)
from pydantic import BaseModel, Field

from seed_assets.errors import SpecError

EXAMPLE_SPEC = Path(__file__).resolve().parent.parent / "examples" / "banking.yaml"


class SeedAssetsScaffoldParams(BaseModel):
    spec: str | None = Field(
        None, description="An existing spec file for defs.yaml to name; empty: copy the example."
    )
    target_url: str | None = Field(
        None, description="Where the tables go; empty: sqlite:///data/<folder name>.sqlite."
    )


class SeedAssetsScaffolder(Scaffolder[SeedAssetsScaffoldParams]):
    @classmethod
    def get_scaffold_params(cls) -> type[SeedAssetsScaffoldParams]:
        return SeedAssetsScaffoldParams

    def scaffold(self, request: ScaffoldRequest[SeedAssetsScaffoldParams]) -> None:
        params = request.params or SeedAssetsScaffoldParams()
        folder = request.target_path
        folder.mkdir(parents=True, exist_ok=True)
        spec = params.spec
        if spec is None:
            (folder / "spec.yaml").write_text(EXAMPLE_SPEC.read_text(encoding="utf-8"))
            spec = "spec.yaml"
        scaffold_component(
            request,
            {
                "spec": spec,
                "target_url": params.target_url or f"sqlite:///data/{folder.name}.sqlite",
            },
        )


@scaffold_with(SeedAssetsScaffolder)
class SeedAssets(Component, Model, Resolvable):
    """A seed-assets spec as Dagster assets: one per table (gated by its blocking checks), the
    ML assets for banking-shaped specs, jobs, and the ``target``, ``generation`` and
    ``seed_tables`` resources (``seed_assets.api``)."""

    spec: str = Field(
        description="The spec file (YAML or JSON): relative to this defs.yaml's folder, else to "
        "the project root."
    )
    target_url: str | None = Field(
        None,
        description="SQLAlchemy URL naming its driver, or parquet:///dir. Empty: "
        "SEED_ASSETS_TARGET_URL when set, else sqlite:///data/<spec file stem>.sqlite.",
    )
    ml: bool = Field(True, description="Add the ML assets (banking-shaped specs only).")
    jobs: bool = Field(True, description="Add the generate/materialize_all jobs and schedule.")

    def spec_path(self, context: ComponentLoadContext) -> Path:
        for base in (context.path, context.project_root):
            path = (Path(base) / self.spec).resolve()
            if path.is_file():
                return path
        raise SpecError(
            f"spec file not found: {self.spec} (looked beside {context.path} and in "
            f"{context.project_root})"
        )

    def build_defs(self, context: ComponentLoadContext) -> Definitions:
        from seed_assets.assets.build import build_spec_definitions
        from seed_assets.resources import TargetResource
        from seed_assets.sources.files import load_spec

        spec = load_spec(self.spec_path(context))
        target = TargetResource(url=self.target_url) if self.target_url else None
        return build_spec_definitions([spec], None, target=target, ml=self.ml, jobs=self.jobs)
