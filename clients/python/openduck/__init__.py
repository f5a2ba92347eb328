"""OpenDuck Python client: a DuckDB connection with a remote OpenDuck database attached.

    import openduck
    con = openduck.connect("mydb")          # token from $OPENDUCK_TOKEN
    con.sql("FROM cloud.users LIMIT 10").show()
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ._connect import connect
from ._extension import ExtensionNotFoundError, resolve_extension_path

__version__ = "0.1.0"

__all__ = ["connect", "extension_path", "ExtensionNotFoundError", "__version__"]


def extension_path(path: Optional[str] = None) -> str:
    """Path of the openduck extension that connect() would load (argument, env, or build tree)."""
    found: Path = resolve_extension_path(path)
    return str(found)
