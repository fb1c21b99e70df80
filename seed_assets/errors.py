"""Errors that point at the user's input: file, table, column."""

from __future__ import annotations


class SeedAssetsError(Exception):
    """Base class for errors a user can fix; the CLI turns them into exit code 2."""


class SpecError(SeedAssetsError):
    """A spec (or plan) is invalid. The message names where, and what to change."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        table: str | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.table = table
        self.column = column
        super().__init__(self.__str__())

    def located(self, source: str) -> SpecError:
        """The same error with the file it came from."""
        return SpecError(self.message, source=source, table=self.table, column=self.column)

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.table:
            where.append(f"table '{self.table}'")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class TargetError(SeedAssetsError):
    """The target database refuses the write, or would lose data the tool did not create."""
