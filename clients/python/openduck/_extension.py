"""Finding the built openduck DuckDB extension."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, List, Mapping, Optional

EXTENSION_PATH_ENV = "OPENDUCK_EXTENSION_PATH"
EXTENSION_FILE = "openduck.duckdb_extension"

# Relative locations tried in every ancestor directory, in order: this project's
# build tree first, then the layout of the original OpenDuck extension build.
CANDIDATE_RELATIVE_PATHS = (
    Path("build") / "extension" / EXTENSION_FILE,
    Path("extensions") / "openduck" / "build" / "release" / "extension" / "openduck" / EXTENSION_FILE,
)

_BUILD_HINT = (
    "Build it with `make build` in the OpenDuck source tree, "
    f"or set {EXTENSION_PATH_ENV} to the full path of {EXTENSION_FILE}."
)


class ExtensionNotFoundError(FileNotFoundError):
    """The openduck DuckDB extension file could not be found."""


def _ancestors(start: Path) -> List[Path]:
    start = start.resolve()
    return [start, *start.parents]


def default_search_roots() -> List[Path]:
    """The package directory and the current directory, whose ancestors are searched."""
    roots = [Path(__file__).resolve().parent]
    try:
        roots.append(Path.cwd())
    except OSError:  # the cwd may have been deleted
        pass
    return roots


def discover(search_roots: Optional[Iterable[Path]] = None) -> Optional[Path]:
    """First extension build found walking up from each search root, or None."""
    roots = default_search_roots() if search_roots is None else [Path(r) for r in search_roots]
    seen = set()
    for root in roots:
        for directory in _ancestors(root):
            if directory in seen:
                continue
            seen.add(directory)
            for relative in CANDIDATE_RELATIVE_PATHS:
                candidate = directory / relative
                if candidate.is_file():
                    return candidate
    return None


def resolve_extension_path(
    explicit: Optional[os.PathLike] = None,
    *,
    environ: Optional[Mapping[str, str]] = None,
    search_roots: Optional[Iterable[Path]] = None,
) -> Path:
    """Explicit argument, else $OPENDUCK_EXTENSION_PATH, else auto-discovery."""
    env = os.environ if environ is None else environ
    if explicit is not None and str(explicit) != "":
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ExtensionNotFoundError(f"openduck extension not found at {str(path)!r}. {_BUILD_HINT}")
        return path.resolve()
    from_env = env.get(EXTENSION_PATH_ENV)
    if from_env:
        path = Path(from_env).expanduser()
        if not path.is_file():
            raise ExtensionNotFoundError(
                f"openduck extension not found at {str(path)!r} (from {EXTENSION_PATH_ENV}). {_BUILD_HINT}"
            )
        return path.resolve()
    found = discover(search_roots)
    if found is None:
        looked_for = " or ".join(str(p) for p in CANDIDATE_RELATIVE_PATHS)
        raise ExtensionNotFoundError(
            f"openduck extension not found: no {looked_for} above the openduck package or the "
            f"current directory. {_BUILD_HINT}"
        )
    return found.resolve()
