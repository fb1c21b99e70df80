"""Rich progress bars for the long commands: per table, rows, rows/s and time left.

Bars are drawn only on a terminal; in CI logs and pipes they stay silent and the commands'
summary tables say what happened.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RowsPerSecond(ProgressColumn):
    """Rows per second: measured while rows stream in, or as reported when a step ends."""

    def render(self, task) -> Text:
        speed = task.fields.get("rows_per_second") or task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="progress.data.speed")


def table_progress(console: Console) -> Progress:
    """One bar per table: name, bar, rows done of total, rows/s, elapsed, remaining."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        RowsPerSecond(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    )


class RunProgress:
    """Feeds the bars from an in-process Dagster run: pass it to
    ``instance.add_event_listener(run_id, ...)``. Each table starts with its expected rows
    (``engine.run.expected_rows``) and ends with the rows it wrote; skipped and failed steps
    say so."""

    def __init__(self, progress: Progress, steps: dict[str, tuple[str, float | None]]) -> None:
        """`steps`: op name -> (label, expected rows, or None for an asset that is no table)."""
        self.progress = progress
        self.tasks: dict[str, TaskID] = {
            op: progress.add_task(label, total=max(expected or 1, 1), start=False)
            for op, (label, expected) in steps.items()
        }
        self.labels = {op: label for op, (label, _) in steps.items()}

    def __call__(self, entry: Any) -> None:
        event = getattr(entry, "dagster_event", None)
        if event is None or event.step_key not in self.tasks:
            return
        task = self.tasks[event.step_key]
        label = self.labels[event.step_key]
        kind = event.event_type_value
        if kind == "STEP_START":
            self.progress.start_task(task)
        elif kind == "ASSET_MATERIALIZATION":
            metadata = event.event_specific_data.materialization.metadata
            rows = metadata.get("dagster/row_count")
            speed = metadata.get("rows_per_second")
            if rows is not None:
                count = int(rows.value)
                self.progress.update(
                    task,
                    total=max(count, 1),
                    completed=max(count, 1),
                    rows_per_second=speed.value if speed is not None else None,
                )
        elif kind == "STEP_SUCCESS":
            total = self.progress.tasks[task].total
            self.progress.update(task, completed=total)
            self.progress.stop_task(task)
        elif kind == "STEP_FAILURE":
            self.progress.update(task, description=f"[red]{label} (failed)")
            self.progress.stop_task(task)
        elif kind == "STEP_SKIPPED":
            self.progress.update(task, description=f"[yellow]{label} (skipped)")
