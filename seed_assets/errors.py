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


class MissingDatabase(TargetError):
    """The target has nothing to read yet: a SQLite file not created, a database without
    tables. (A plan then makes its tables itself, as a plan without a target does.)"""


class FileTargetError(TargetError):
    """A file or folder the tool writes cannot be written: full disk, read-only, a directory."""


_OS_REASONS = {
    "ENOSPC": "the disk is full",
    "EDQUOT": "the disk quota is exceeded",
    "EROFS": "the file system is read-only",
    "EACCES": "permission denied (the file or folder is read-only for this user)",
    "EPERM": "permission denied (the file or folder is read-only for this user)",
    "EISDIR": "it is a directory, not a file",
    "ENOTDIR": "a part of the path is a file, not a directory",
    "ENAMETOOLONG": "the path is too long",
}


def describe_os_error(exc: OSError, doing: str = "cannot write") -> FileTargetError:
    """An OSError as one sentence: what could not be done, where, and why."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    reason = _OS_REASONS.get(name, exc.strerror or str(exc))
    where = exc.filename if exc.filename is not None else "a file"
    return FileTargetError(f"{doing} {where}: {reason}")
