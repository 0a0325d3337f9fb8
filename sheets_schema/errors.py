"""One exception tree for everything a user can cause.

    ChorusError                 base: a message that names the place and the fix
    ├── ConfigError             chorus.toml: a bad key, value or path
    ├── SheetError              spreadsheet content: missing tab/column, bad cell
    ├── BackendError            the spreadsheet backend failed (after retries)
    ├── MailError               a mail transport failed (after retries)
    └── InputError              a form export, feed or mailbox could not be read

The CLI prints a ChorusError without a traceback and exits 2 (3 for backend
and mail failures). Bugs raise anything else and keep their traceback.
"""

from __future__ import annotations


class ChorusError(Exception):
    """An error the user can fix; `place` says where, `fix` says how."""

    exit_code = 2

    def __init__(self, message: str, *, place: str = "", fix: str = "") -> None:
        self.message = message
        self.place = place
        self.fix = fix
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"{self.place}: {self.message}" if self.place else self.message
        if self.fix:
            text += f" ({self.fix})"
        return text


class ConfigError(ChorusError):
    """chorus.toml is missing, malformed or has a bad value."""


class SheetError(ChorusError):
    """The spreadsheet does not match the schema (tab, column or cell)."""

    def __init__(
        self,
        message: str,
        *,
        tab: str = "",
        row: int | None = None,
        column: str = "",
        fix: str = "",
    ) -> None:
        self.tab, self.row, self.column = tab, row, column
        parts = [f"tab {tab!r}"] if tab else []
        if row is not None:
            parts.append(f"row {row}")
        if column:
            parts.append(f"column {column!r}")
        super().__init__(message, place=", ".join(parts), fix=fix)


class BackendError(ChorusError):
    """The spreadsheet backend failed after retries, or refused access."""

    exit_code = 3


class MailError(ChorusError):
    """A mail transport failed after retries, or refused the login."""

    exit_code = 3


class InputError(ChorusError):
    """A form export, feed or mailbox could not be read."""
