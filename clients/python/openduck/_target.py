"""Parsing of the database argument and resolution of connection settings.

Kept free of DuckDB so it can be reasoned about (and tested) on its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional
from urllib.parse import parse_qsl, quote

DEFAULT_ENDPOINT = "http://localhost:7878"
DEFAULT_ALIAS = "cloud"

TOKEN_ENV = "OPENDUCK_TOKEN"
ENDPOINT_ENV = "OPENDUCK_ENDPOINT"

# Both prefixes name the same thing; "od:" is the short form.
_PREFIXES = ("openduck:", "od:")


@dataclass(frozen=True)
class Target:
    """Where to attach: the remote database name plus any URL parameters."""

    database: str
    params: Dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """Everything needed to build the ATTACH statement."""

    database: str
    endpoint: str
    token: Optional[str]
    # URL parameters other than endpoint/token (e.g. connect_timeout), passed on untouched.
    extra_params: Dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # never show the token, even in a debugger or traceback
        token = "<set>" if self.token else None
        return (
            f"Settings(database={self.database!r}, endpoint={self.endpoint!r}, "
            f"token={token!r}, extra_params={self.extra_params!r})"
        )


def parse_database(database: str) -> Target:
    """Split "mydb", "od:mydb", "openduck:mydb?endpoint=...&token=..." into name and parameters."""
    if not isinstance(database, str):
        raise TypeError(f"database must be a string, not {type(database).__name__}")
    rest = database.strip()
    for prefix in _PREFIXES:
        if rest.lower().startswith(prefix):
            rest = rest[len(prefix):]
            break
    else:
        if ":" in rest.split("?", 1)[0]:
            scheme = rest.split(":", 1)[0]
            raise ValueError(
                f"unsupported database scheme {scheme + ':'!r}; use 'mydb', 'od:mydb' or 'openduck:mydb'"
            )
    name, _, query = rest.partition("?")
    if not name:
        raise ValueError("database name is empty; expected e.g. 'mydb' or 'openduck:mydb'")
    params: Dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=False):
        params[key.lower()] = value
    return Target(database=name, params=params)


def resolve_settings(
    database: str,
    *,
    token: Optional[str] = None,
    endpoint: Optional[str] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> Settings:
    """Keyword arguments beat URL parameters, which beat environment variables, which beat defaults."""
    env = os.environ if environ is None else environ
    target = parse_database(database)
    params = dict(target.params)
    url_token = params.pop("token", None)
    url_endpoint = params.pop("endpoint", None)

    resolved_token = _first_non_empty(token, url_token, env.get(TOKEN_ENV))
    resolved_endpoint = _first_non_empty(endpoint, url_endpoint, env.get(ENDPOINT_ENV), DEFAULT_ENDPOINT)
    return Settings(
        database=target.database,
        endpoint=resolved_endpoint,
        token=resolved_token,
        extra_params=params,
    )


def _first_non_empty(*candidates: Optional[str]) -> Optional[str]:
    for candidate in candidates:
        if candidate is not None and candidate != "":
            return candidate
    return None


def sql_string(value: str) -> str:
    """A single-quoted SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def attach_statement(settings: Settings, *, alias: str, read_only: bool) -> str:
    """The ATTACH statement; the token travels as an option, never inside the path."""
    path = "openduck:" + settings.database
    if settings.extra_params:
        path += "?" + "&".join(
            f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in settings.extra_params.items()
        )
    options = ["TYPE openduck", f"ENDPOINT {sql_string(settings.endpoint)}"]
    if settings.token is not None:
        options.append(f"TOKEN {sql_string(settings.token)}")
    if read_only:
        options.append("READ_ONLY")
    return f"ATTACH {sql_string(path)} AS {sql_identifier(alias)} ({', '.join(options)})"
