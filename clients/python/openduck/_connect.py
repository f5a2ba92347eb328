"""openduck.connect(): a local DuckDB with the openduck extension loaded and a remote database attached."""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Dict, Mapping, Optional

import duckdb

from ._extension import resolve_extension_path
from ._target import DEFAULT_ALIAS, attach_statement, resolve_settings, sql_string


def connect(
    database: str = "mydb",
    *,
    token: Optional[str] = None,
    endpoint: Optional[str] = None,
    extension_path: Optional[os.PathLike] = None,
    alias: str = DEFAULT_ALIAS,
    read_only: bool = False,
    snapshot: Optional[str] = None,
    config: Optional[Mapping[str, Any]] = None,
    **duckdb_config: Any,
) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB, load the openduck extension and attach `database` as `alias`.

    `database` may be "mydb", "od:mydb", "openduck:mydb" or
    "openduck:mydb?endpoint=...&token=..." (percent-encoded). Keyword arguments win over
    URL parameters; the token defaults to $OPENDUCK_TOKEN and the endpoint to
    $OPENDUCK_ENDPOINT, else http://localhost:7878. `snapshot` (an id, a snapshot name or a
    time) attaches that past state, read-only. `config` and any extra keyword arguments are
    DuckDB settings for the local connection.
    """
    if not alias:
        raise ValueError("alias must be a non-empty name")
    settings = resolve_settings(database, token=token, endpoint=endpoint)
    if snapshot is not None:
        settings = dataclasses.replace(settings, extra_params={**settings.extra_params, "snapshot": str(snapshot)})
    path = resolve_extension_path(extension_path)

    local_config: Dict[str, Any] = dict(config or {})
    local_config.update(duckdb_config)
    local_config["allow_unsigned_extensions"] = "true"

    con = duckdb.connect(database=":memory:", config=local_config)
    try:
        con.execute(f"LOAD {sql_string(str(path))}")
        _execute_hiding_secret(con, attach_statement(settings, alias=alias, read_only=read_only), settings.token)
    except BaseException:
        con.close()
        raise
    return con


def _execute_hiding_secret(con: duckdb.DuckDBPyConnection, sql: str, secret: Optional[str]) -> None:
    """Run `sql`; if it fails, re-raise the same error type with the secret masked out."""
    try:
        con.execute(sql)
    except duckdb.Error as error:
        message = str(error)
        if not secret or secret not in message:
            raise
        masked = message.replace(secret, "***")
        try:
            replacement = type(error)(masked)
        except Exception:  # exotic constructor: fall back to the base class
            replacement = duckdb.Error(masked)
        # "from None" keeps the unmasked original out of the traceback.
        raise replacement from None
