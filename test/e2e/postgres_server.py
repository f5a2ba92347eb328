"""A throwaway PostgreSQL server for end-to-end tests: initdb + pg_ctl in a temp directory.

It listens on a free loopback port (unix socket in the temp directory) and trusts loopback connections, except
for PASSWORD_USER, who must give PASSWORD (scram-sha-256), so URL passwords are exercised. Run as root, the
server runs as the unprivileged "postgres" (or "nobody") user, because initdb and postgres refuse root.
The `postgres_server` fixture starts one per test and stops it afterwards.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import List, Optional

import pytest

import helpers

ADMIN_USER = "openduck"
PASSWORD_USER = "openduck_password_user"
PASSWORD = "e2e-S3cret-pw"
SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")


def find_binaries() -> Path:
    """Debian keeps the server binaries outside PATH, in /usr/lib/postgresql/<major>/bin: the newest wins."""
    configured = os.environ.get("OPENDUCK_POSTGRES_BIN")
    candidates: List[Path] = [Path(configured)] if configured else []
    versions = sorted(
        (path for path in Path("/usr/lib/postgresql").glob("*/bin")),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += versions
    candidates += [Path(directory) for directory in os.environ.get("PATH", "").split(os.pathsep) if directory]
    for directory in candidates:
        if all((directory / name).exists() for name in SERVER_BINARIES):
            return directory
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in $OPENDUCK_POSTGRES_BIN, "
        "/usr/lib/postgresql/*/bin or PATH: install them with scripts/install_deps.sh (Debian package postgresql)"
    )


class PostgresServer:
    def __init__(self) -> None:
        self.bin_dir = find_binaries()
        self.root = Path(tempfile.mkdtemp(prefix="openduck-pg-e2e-"))
        self.data = self.root / "data"
        self.port = helpers.free_port()
        self.run_as: Optional[str] = None
        self.running = False
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    user = pwd.getpwnam(name)
                except KeyError:
                    continue
                self.run_as = name
                os.chown(self.root, user.pw_uid, user.pw_gid)
                break
            else:
                raise RuntimeError('running as root and neither user "postgres" nor "nobody" exists')

    def _run(self, *args: str, timeout: float = 120) -> str:
        command = list(args)
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--"] + command
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            log = self.root / "postgres.log"
            raise RuntimeError(
                f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n"
                + (log.read_text(errors="replace") if log.exists() else "")
            )
        return result.stdout

    def initialize(self) -> "PostgresServer":
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", ADMIN_USER, "--auth=trust",
                  "-E", "UTF8", "--no-sync")
        hba = self.data / "pg_hba.conf"
        with open(hba, "w") as out:  # keeps the file's owner: it is rewritten, not replaced
            out.write("local all all trust\n")
            out.write(f"host all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n")
            out.write("host all all 127.0.0.1/32 trust\n")
        self.start()
        self.sql(f"CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{PASSWORD}'")
        self.sql(f"CREATE DATABASE openduck_meta OWNER {PASSWORD_USER}")
        return self

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
                   "-c fsync=off")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "postgres.log"),
                  "-w", "-t", "60", "-o", options, "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Runs one statement with psql as the admin user; returns its unaligned output."""
        return self._run(str(self.bin_dir / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                         "-p", str(self.port), "-U", ADMIN_USER, "-d", database, "-c", statement)

    def url(self, database: str = "openduck_meta") -> str:
        """The metadata URL a server gets: the password user, password included."""
        return f"postgres://{PASSWORD_USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def close(self) -> None:
        if self.running:
            try:
                self.stop("immediate")
            except Exception:
                pass
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def postgres_server():
    server = PostgresServer()
    try:
        server.initialize()
        yield server
    finally:
        server.close()
