"""SQL statements written once with `:name` parameters and rendered once per
driver: sqlite3 takes `:name` as is, psycopg wants `%(name)s`, asyncpg `$n`.
`{for_update}` / `{skip_locked}` mark row locks, which SQLite (one writer
for the whole file) has no syntax for and does not need."""

from __future__ import annotations

import re
from typing import Any

_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


class Sql:
    __slots__ = ("_asyncpg", "_psycopg", "_sqlite", "text")

    def __init__(self, text: str) -> None:
        self.text = " ".join(text.split())
        self._sqlite: str | None = None
        self._psycopg: str | None = None
        self._asyncpg: tuple[str, tuple[str, ...]] | None = None

    def _locks(self, postgres: bool) -> str:
        return self.text.replace("{for_update}", " FOR UPDATE" if postgres else "").replace(
            "{skip_locked}", " FOR UPDATE SKIP LOCKED" if postgres else ""
        )

    @property
    def sqlite(self) -> str:
        if self._sqlite is None:
            self._sqlite = self._locks(False)
        return self._sqlite

    @property
    def psycopg(self) -> str:
        if self._psycopg is None:
            self._psycopg = _PARAM.sub(r"%(\1)s", self._locks(True))
        return self._psycopg

    def asyncpg(self, params: dict[str, Any]) -> tuple[str, list[Any]]:
        if self._asyncpg is None:
            names: list[str] = []

            def number(match: re.Match[str]) -> str:
                if match.group(1) not in names:
                    names.append(match.group(1))
                return f"${names.index(match.group(1)) + 1}"

            self._asyncpg = (_PARAM.sub(number, self._locks(True)), tuple(names))
        text, names_t = self._asyncpg
        return text, [params[n] for n in names_t]
