"""Fixtures: real `openduck serve` processes, DuckDB clients with the extension, the official CLI."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Callable, List

import pytest

import helpers
from helpers import EXTENSION_FILE, SERVER_BINARY, ServerProcess


def _require(path: Path, what: str) -> None:
    if not path.is_file():
        pytest.fail(helpers.missing_build_message(path, what), pytrace=False)


@pytest.fixture(scope="session")
def server_binary() -> Path:
    _require(SERVER_BINARY, "openduck server binary")
    return SERVER_BINARY


@pytest.fixture(scope="session")
def extension_file() -> Path:
    _require(EXTENSION_FILE, "openduck DuckDB extension")
    return EXTENSION_FILE


@pytest.fixture
def server_factory(server_binary, tmp_path_factory) -> Callable[..., ServerProcess]:
    """Start servers on demand for one test; every one is killed when the test ends."""
    started: List[ServerProcess] = []
    root = tmp_path_factory.mktemp("servers")

    def start(**kwargs) -> ServerProcess:
        server = helpers.start_server(root, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.cleanup()


@pytest.fixture(scope="module")
def server(server_binary, tmp_path_factory) -> ServerProcess:
    """A shared server for read-mostly tests in one module (databases mydb and otherdb)."""
    server = helpers.start_server(tmp_path_factory.mktemp("module-server"), databases=("mydb", "otherdb"))
    yield server
    server.cleanup()


@pytest.fixture
def client(protocol_stubs, server):
    """A wire-protocol client (grpcio + pyarrow, as a third party would write) on the module server."""
    client = helpers.ProtocolClient(protocol_stubs, server.grpc_target, server.token)
    yield client
    client.close()


@pytest.fixture
def fresh_server(server_factory) -> ServerProcess:
    """A server owned by a single test, for tests that mutate, signal or kill it."""
    return server_factory()


@pytest.fixture
def client_factory(extension_file):
    """New DuckDB connections (official wheel) with the extension loaded; closed after the test."""
    clients = []

    def make(server: ServerProcess = None, alias: str = "cloud", database: str = "mydb", **kwargs):
        con = helpers.new_client(extension_file)
        clients.append(con)
        if server is not None:
            con.execute(helpers.attach_sql(server, alias, database, **kwargs))
        return con

    yield make
    for con in clients:
        try:
            con.close()
        except Exception:
            pass


@pytest.fixture
def con(server, client_factory):
    """A client attached to the module server as `cloud`."""
    return client_factory(server)


@pytest.fixture
def cli(extension_file):
    """Run the official DuckDB CLI (`duckdb -unsigned ... -c SQL`) with a timeout."""
    binary = helpers.duckdb_cli_binary()
    if not binary.exists():
        pytest.fail(f"official DuckDB CLI not found at {binary}; install duckdb-cli into the venv", pytrace=False)
    return helpers.run_cli


@pytest.fixture(scope="session")
def protocol_stubs(tmp_path_factory, extension_file):
    """Python gRPC stubs generated from proto/openduck/v1/execution.proto at test time."""
    # The extension loads first: grpc_tools' own protobuf, once in the process, makes the system
    # libprotobuf the extension pulls in abort while it initializes.
    helpers.new_client(extension_file).close()
    return helpers.generate_stubs(tmp_path_factory.mktemp("stubs"))


_unique = itertools.count()


@pytest.fixture
def unique_name(request) -> Callable[[str], str]:
    """Table names that no other test uses, so tests sharing a server stay independent."""

    def make(stem: str = "t") -> str:
        return f"{stem}_{next(_unique)}"

    return make
