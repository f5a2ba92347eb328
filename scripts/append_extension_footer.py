#!/usr/bin/env python3
"""Writes a loadable DuckDB extension: the shared library plus DuckDB's 512-byte metadata footer.

The footer is eight 32-byte NUL-padded fields in reverse order (three unused, ABI type, extension
version, DuckDB version, platform, magic "4"), then a 256-byte signature area left empty because
the extension is unsigned.
"""
import os
import sys


def field(value: str) -> bytes:
    raw = value.encode()
    if len(raw) > 32:
        raise SystemExit(f"footer field too long: {value!r}")
    return raw + bytes(32 - len(raw))


def main() -> None:
    library, output, duckdb_version, extension_version, platform = sys.argv[1:6]
    footer = field("") * 3 + field("CPP") + field(extension_version) + field(duckdb_version)
    footer += field(platform) + field("4") + bytes(256)
    with open(library, "rb") as f:
        data = f.read()
    tmp = output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data + footer)
    os.replace(tmp, output)


if __name__ == "__main__":
    main()
