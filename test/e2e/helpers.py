"""Shared helpers for the end-to-end suite: real server processes, clients, and SQL utilities.

Everything here drives real processes: `build/bin/openduck serve`, the official DuckDB
wheel with the built extension, and the official DuckDB CLI.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_BINARY = Path(os.environ.get("OPENDUCK_TEST_SERVER_BINARY", REPO_ROOT / "build" / "bin" / "openduck"))
# Prefix for a process the tests start: it is SIGKILLed when pytest dies (e.g. a pytest-timeout abort), so no
# server outlives the run. setpriv rather than a Python preexec_fn: without one, subprocess uses vfork, and a
# plain fork of this process runs gRPC's at-fork handlers, which deadlock now and then.
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL", "--"]
EXTENSION_FILE = Path(
    os.environ.get("OPENDUCK_TEST_EXTENSION", REPO_ROOT / "build" / "extension" / "openduck.duckdb_extension")
)
PROTO_FILE = REPO_ROOT / "proto" / "openduck" / "v1" / "execution.proto"


def duckdb_cli_binary() -> Path:
    """The official CLI that ships with the venv (duckdb-cli wheel)."""
    beside_python = Path(sys.executable).parent / "duckdb"
    if beside_python.exists():
        return beside_python
    return REPO_ROOT / ".venv" / "bin" / "duckdb"


READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0

# One line per query, e.g. "... query database=mydb duration_ms=1.2 rows=3 bytes=456 status=ok".
QUERY_LOG_LINE = re.compile(r"\bdatabase=(?P<database>\S+).*\brows=(?P<rows>\d+).*\bbytes=(?P<bytes>\d+).*\bstatus=(?P<status>.+)$")


def missing_build_message(path: Path, what: str) -> str:
    return (
        f"{what} not found at {path}. The e2e suite needs real build outputs: run `make build` "
        f"(or point OPENDUCK_TEST_SERVER_BINARY / OPENDUCK_TEST_EXTENSION at them)."
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could bind `port` (TIME_WAIT leftovers do not count, as for a real server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def random_token() -> str:
    return "tok-" + secrets.token_urlsafe(18)


# ----------------------------------------------------------------------------- server process


@dataclass
class ServerProcess:
    """One `openduck serve` process with its own data directory and log files."""

    databases: Sequence[str]
    token: Optional[str] = field(repr=False)
    data_dir: Path
    port: int
    host: Optional[str] = "127.0.0.1"  # None: let the server pick its default
    extra_args: Sequence[str] = ()
    env: Dict[str, str] = field(default_factory=dict)
    pass_port: bool = True
    # HTTP GET /health has its own port (documented default: gRPC port + 1); tests pick a free one.
    health_port: Optional[int] = None
    process: Optional[subprocess.Popen] = field(default=None, repr=False)  # its args hold the token
    log_dir: Optional[Path] = None
    # Runs the server through this command prefix (e.g. into a mount namespace); it must exec the rest.
    launcher: Sequence[str] = ()

    # -- lifecycle ---------------------------------------------------------------------------

    def command(self) -> List[str]:
        cmd = [str(SERVER_BINARY), "serve"]
        for name in self.databases:
            cmd += ["-d", name]
        if self.token is not None:
            cmd += ["-t", self.token]
        if self.host is not None:
            cmd += ["--host", self.host]
        if self.pass_port:
            cmd += ["-p", str(self.port)]
        if self.health_port is not None:
            cmd += ["--health-port", str(self.health_port)]
        cmd += ["--data-dir", str(self.data_dir)]
        cmd += list(self.extra_args)
        return cmd

    def start(self) -> "ServerProcess":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = Path(tempfile.mkdtemp(prefix="openduck-server-log-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENDUCK_")}
        env.update(self.env)
        self._stdout = open(self.log_dir / "stdout.log", "wb")
        self._stderr = open(self.log_dir / "stderr.log", "wb")
        self.process = subprocess.Popen(
            DIE_WITH_PARENT + list(self.launcher) + self.command(),
            stdout=self._stdout,
            stderr=self._stderr,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> "ServerProcess":
        """Poll the standard gRPC health service on the server's port until it reports SERVING.

        (HTTP GET /health is asserted separately, so a broken HTTP endpoint fails its own test
        rather than every test.)
        """
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        deadline = time.monotonic() + timeout
        last_error = "no attempt"
        with grpc.insecure_channel(self.grpc_target) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"openduck serve exited with code {self.process.returncode} before becoming ready.\n"
                        f"command: {self.redacted_command()}\nstderr:\n{self.stderr_text()}"
                    )
                try:
                    status = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1.0).status
                    if status == health_pb2.HealthCheckResponse.SERVING:
                        return self
                    last_error = f"health status {status}"
                except grpc.RpcError as error:
                    last_error = f"{error.code()}: {error.details()}"
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(
            f"openduck serve did not report SERVING on grpc.health.v1 within {timeout:.0f}s (last: {last_error}).\n"
            f"command: {self.redacted_command()}\nstderr:\n{self.stderr_text()}"
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT_S) -> Optional[int]:
        """Signal the server and wait; SIGKILL if it does not go. Returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close_logs()
        return self.process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def cleanup(self) -> None:
        self.kill()
        self._close_logs()
        if self.log_dir is not None:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    def _close_logs(self) -> None:
        for handle in (getattr(self, "_stdout", None), getattr(self, "_stderr", None)):
            if handle is not None and not handle.closed:
                handle.close()

    # -- introspection -----------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def health_url(self) -> str:
        port = self.health_port if self.health_port is not None else self.port + 1
        return f"http://127.0.0.1:{port}/health"

    @property
    def pid(self) -> int:
        return self.process.pid

    def redacted_command(self) -> str:
        cmd = self.command()
        if self.token:
            cmd = [part.replace(self.token, "<token>") for part in cmd]
        return " ".join(cmd)

    def stderr_text(self) -> str:
        if self.log_dir is None:
            return ""
        if getattr(self, "_stderr", None) is not None and not self._stderr.closed:
            self._stderr.flush()
        return (self.log_dir / "stderr.log").read_text(errors="replace")

    def stdout_text(self) -> str:
        if self.log_dir is None:
            return ""
        return (self.log_dir / "stdout.log").read_text(errors="replace")

    def query_log_lines(self) -> List[str]:
        return [line for line in self.stderr_text().splitlines() if QUERY_LOG_LINE.search(line)]

    def wait_for_query_log(self, already_seen: int, count: int = 1, timeout: float = 10.0) -> List[str]:
        """Wait until at least `count` query lines beyond the first `already_seen` exist; return the new ones."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.query_log_lines()
            if len(lines) >= already_seen + count or time.monotonic() > deadline:
                return lines[already_seen:]
            time.sleep(0.05)

    def cpu_seconds(self) -> float:
        """User+system CPU time used so far by the server process (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")


def start_server(
    tmp_root: Path,
    *,
    databases: Sequence[str] = ("mydb",),
    token: Optional[str] = "random",
    host: Optional[str] = "127.0.0.1",
    extra_args: Sequence[str] = (),
    env: Optional[Dict[str, str]] = None,
    port: Optional[int] = None,
    pass_port: bool = True,
    wait: bool = True,
    data_dir: Optional[Path] = None,
    health_port: Optional[int] = "free",
    launcher: Sequence[str] = (),
) -> ServerProcess:
    if token == "random":
        token = random_token()
    server = ServerProcess(
        databases=list(databases),
        token=token,
        data_dir=data_dir if data_dir is not None else Path(tempfile.mkdtemp(prefix="data-", dir=tmp_root)),
        port=port if port is not None else free_port(),
        host=host,
        extra_args=list(extra_args),
        env=dict(env or {}),
        pass_port=pass_port,
        health_port=free_port() if health_port == "free" else health_port,
        launcher=list(launcher),
    )
    server.start()
    if wait:
        try:
            server.wait_ready()
        except BaseException:
            server.cleanup()
            raise
    return server


def parse_query_log(line: str) -> Dict[str, str]:
    match = QUERY_LOG_LINE.search(line)
    assert match, f"not a query log line: {line!r}"
    return match.groupdict()


# ----------------------------------------------------------------------------- HTTP


def http_get(url: str, timeout: float = 5.0):
    """(status, body) of a GET, without raising on HTTP error statuses."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# ----------------------------------------------------------------------------- SQL helpers


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def attach_url(server: ServerProcess, database: str = "mydb", *, prefix: str = "openduck", token: Optional[str] = None, **params: str) -> str:
    from urllib.parse import quote

    query = {"endpoint": server.endpoint, "token": server.token if token is None else token}
    query.update(params)
    encoded = "&".join(f"{k}={quote(str(v), safe=':/')}" for k, v in query.items() if v is not None)
    return f"{prefix}:{database}?{encoded}"


def attach_sql(server: ServerProcess, alias: str = "cloud", database: str = "mydb", *, options: str = "", **params) -> str:
    sql = f"ATTACH {sql_string(attach_url(server, database, **params))} AS {sql_identifier(alias)}"
    if options:
        sql += f" ({options})"
    return sql


def newest_snapshot(con, alias: str = "cloud") -> int:
    """The id of the newest snapshot of an attached OpenDuck database (layered storage)."""
    return con.execute("SELECT max(snapshot_id) FROM openduck_snapshots(?)", [alias]).fetchone()[0]


def new_client(extension: Path = EXTENSION_FILE) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB (official wheel) with the openduck extension loaded."""
    # No Python replacement scans: an unknown table must be a catalog error, not a lookup of test locals.
    con = duckdb.connect(config={"allow_unsigned_extensions": "true", "python_enable_replacements": False})
    con.execute(f"LOAD {sql_string(str(extension))}")
    return con


def attached_client(server: ServerProcess, alias: str = "cloud", database: str = "mydb", **kwargs) -> duckdb.DuckDBPyConnection:
    con = new_client()
    try:
        con.execute(attach_sql(server, alias, database, **kwargs))
    except BaseException:
        con.close()
        raise
    return con


def remote_execute(con: duckdb.DuckDBPyConnection, sql: str, alias: str = "cloud") -> None:
    """Run `sql` verbatim on the server through the escape hatch."""
    con.execute(f"CALL openduck_execute({sql_string(alias)}, {sql_string(sql)})")


def setup_remote(server: ServerProcess, *statements: str, database: str = "mydb") -> None:
    """Create server-side state (tables, types...) through a short-lived client and the escape hatch."""
    con = attached_client(server, "setup", database)
    try:
        for sql in statements:
            remote_execute(con, sql, alias="setup")
    finally:
        con.close()


def remote_query(con: duckdb.DuckDBPyConnection, sql: str, alias: str = "cloud") -> duckdb.DuckDBPyRelation:
    return con.sql(f"FROM openduck_query({sql_string(alias)}, {sql_string(sql)})")


def text_rows(con: duckdb.DuckDBPyConnection, relation_sql: str, columns: Iterable[str], order_by: str = "1") -> List[tuple]:
    """(typeof(c), c::VARCHAR) for every column: an exact, NaN/-0.0/precision-preserving rendering."""
    parts = []
    for column in columns:
        ident = sql_identifier(column)
        parts.append(f"typeof({ident})")
        parts.append(f"CAST({ident} AS VARCHAR)")
    return con.sql(f"SELECT {', '.join(parts)} FROM ({relation_sql}) ORDER BY {order_by}").fetchall()


def describe(con: duckdb.DuckDBPyConnection, relation: str) -> List[tuple]:
    """(name, type, nullable) of a table or query, as DESCRIBE reports it."""
    return [row[:3] for row in con.sql(f"DESCRIBE {relation}").fetchall()]


def assert_error(callable_, *fragments: str, forbidden: Iterable[str] = (), error_type=duckdb.Error) -> str:
    """Run `callable_`, require it to raise `error_type` whose message holds every fragment; return the message."""
    try:
        callable_()
    except error_type as error:
        message = str(error)
    else:
        raise AssertionError(f"expected {error_type.__name__} containing {fragments}, but no error was raised")
    for fragment in fragments:
        assert fragment.lower() in message.lower(), f"{fragment!r} not in error message: {message}"
    for secret in forbidden:
        if secret:
            assert secret not in message, f"secret leaked into error message: {message}"
    return message


def all_text(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """Every value of a result, rendered as text (for leak checks)."""
    rows = con.sql(sql).fetchall()
    return "\n".join(" | ".join(repr(value) for value in row) for row in rows)


# ----------------------------------------------------------------------------- CLI


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run_cli(sql: str, *args: str, env: Optional[Dict[str, str]] = None, timeout: float = 60.0, cwd: Optional[Path] = None) -> CliResult:
    """Run the official DuckDB CLI: `duckdb -unsigned [args] -c SQL`."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("OPENDUCK_")}
    full_env.update(env or {})
    started = time.monotonic()
    completed = subprocess.run(
        [str(duckdb_cli_binary()), "-unsigned", *args, "-c", sql],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=str(cwd) if cwd else None,
        stdin=subprocess.DEVNULL,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr, time.monotonic() - started)


# ----------------------------------------------------------------------------- raw protocol


class ProtocolClient:
    """Talks to the server with grpcio + stubs generated from execution.proto; no extension involved."""

    def __init__(self, stubs, target: str, token: Optional[str], max_receive: int = 64 * 1024 * 1024):
        import grpc

        self.pb2, self.pb2_grpc = stubs
        self.channel = grpc.insecure_channel(
            target, options=[("grpc.max_receive_message_length", max_receive)]
        )
        self.stub = self.pb2_grpc.ExecutionServiceStub(self.channel)
        self.token = token

    def metadata(self, token: Optional[str] = "default"):
        token = self.token if token == "default" else token
        return [] if token is None else [("authorization", f"Bearer {token}")]

    def execute(self, sql: str, database: str = "mydb", *, token="default", protocol_version: int = 1, timeout: float = 30, **fields):
        request = self.pb2.ExecuteQueryRequest(protocol_version=protocol_version, database=database, sql=sql, **fields)
        return self.stub.ExecuteQuery(request, metadata=self.metadata(token), timeout=timeout)

    def stream(self, query_id: str, *, token="default", timeout: float = 60):
        request = self.pb2.StreamResultsRequest(query_id=query_id)
        return list(self.stub.StreamResults(request, metadata=self.metadata(token), timeout=timeout))

    def result_chunks(self, response):
        """The result's chunks: inline when the server marked the response complete, else streamed."""
        if getattr(response, "complete", False):
            return [response.result]
        return self.stream(response.query_id)

    def query(self, sql: str, database: str = "mydb", **fields):
        """(ExecuteQueryResponse, [ResultChunk], pyarrow.Table)."""
        import pyarrow as pa

        response = self.execute(sql, database, **fields)
        chunks = self.result_chunks(response)
        payload = b"".join(chunk.arrow_ipc for chunk in chunks)
        table = pa.ipc.open_stream(pa.BufferReader(payload)).read_all()
        return response, chunks, table

    def close(self):
        self.channel.close()


def generate_stubs(out_dir: Path):
    """Compile execution.proto with grpc_tools.protoc into out_dir and import the modules.

    The proto is copied to the top of out_dir so the generated modules are plain
    `execution_pb2` / `execution_pb2_grpc` and cannot clash with the `openduck` Python package.
    """
    import importlib

    from grpc_tools import protoc

    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROTO_FILE, out_dir / "execution.proto")
    include = Path(protoc.__file__).parent / "_proto"
    code = protoc.main(
        ["grpc_tools.protoc", f"-I{out_dir}", f"-I{include}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", str(out_dir / "execution.proto")]
    )
    if code != 0:
        raise RuntimeError(f"grpc_tools.protoc failed on {PROTO_FILE} (exit {code})")
    sys.path.insert(0, str(out_dir))
    try:
        pb2 = importlib.import_module("execution_pb2")
        pb2_grpc = importlib.import_module("execution_pb2_grpc")
    finally:
        sys.path.remove(str(out_dir))
    return pb2, pb2_grpc


def listening_addresses(port: int) -> List[str]:
    """Local addresses of sockets LISTENing on `port`, from /proc/net/tcp{,6}, as text."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            parts = line.split()
            local, state = parts[1], parts[3]
            address, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:
                continue
            found.append(_decode_proc_address(address, width))
    return found


def _decode_proc_address(address: str, width: int) -> str:
    import ipaddress

    raw = bytes.fromhex(address)
    # /proc stores each 32-bit word in host (little-endian) order.
    words = [raw[i:i + 4][::-1] for i in range(0, len(raw), 4)]
    return str(ipaddress.ip_address(b"".join(words)))


# ----------------------------------------------------------------------------- threads and timing


class Background:
    """Run a blocking call in a thread; the test keeps control and can bound how long it waits."""

    def __init__(self, target, *args):
        import threading

        self.result = None
        self.error: Optional[BaseException] = None
        self.finished_at: Optional[float] = None
        self._thread = threading.Thread(target=self._run, args=(target, *args), daemon=True)
        self._thread.start()

    def _run(self, target, *args):
        try:
            self.result = target(*args)
        except BaseException as error:  # reported to the test thread
            self.error = error
        finally:
            self.finished_at = time.monotonic()

    def wait(self, timeout: float) -> bool:
        """True if the call finished within `timeout` seconds."""
        self._thread.join(timeout)
        return not self._thread.is_alive()


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


class SilentListener:
    """A TCP port that accepts connections into its backlog but never answers (a hung server)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def close(self):
        self.sock.close()


# ----------------------------------------------------------------------------- sessions and uploads

ARROW_IPC_EOS = b"\xff\xff\xff\xff\x00\x00\x00\x00"


def open_session(client: "ProtocolClient", database: str = "mydb", *, read_only: bool = False, timeout: Optional[float] = None):
    """(call, session_id): an OpenSession call and the id of its session. The session lives until
    `call.cancel()` (or the client goes away)."""
    request = client.pb2.OpenSessionRequest(protocol_version=1, database=database, read_only=read_only)
    call = client.stub.OpenSession(request, metadata=client.metadata(), timeout=timeout)
    event = next(call)
    return call, event.session_id


def arrow_ipc_messages(schema, batches) -> Iterable[bytes]:
    """One Arrow IPC stream as whole encapsulated messages: schema, one per batch, end-of-stream."""
    yield schema.serialize().to_pybytes()
    for batch in batches:
        yield batch.serialize().to_pybytes()
    yield ARROW_IPC_EOS


def upload_messages(client: "ProtocolClient", sql: str, pieces: Iterable[bytes], database: str = "mydb", **fields):
    """UploadMessages for ExecuteWithUpload: the request, then one message per piece of bytes."""
    request = client.pb2.ExecuteQueryRequest(protocol_version=1, database=database, sql=sql, **fields)
    yield client.pb2.UploadMessage(request=request)
    for piece in pieces:
        yield client.pb2.UploadMessage(arrow_ipc=piece)


def upload(client: "ProtocolClient", sql: str, table, database: str = "mydb", *, max_chunksize: int = 10_000, timeout: float = 120, **fields):
    """Runs `sql` with `table` (pyarrow) as the rows of openduck_upload(); returns (response, result table)."""
    import pyarrow as pa

    pieces = arrow_ipc_messages(table.schema, table.to_batches(max_chunksize=max_chunksize))
    response = client.stub.ExecuteWithUpload(
        upload_messages(client, sql, pieces, database, **fields), metadata=client.metadata(), timeout=timeout
    )
    payload = b"".join(chunk.arrow_ipc for chunk in client.result_chunks(response))
    return response, pa.ipc.open_stream(pa.BufferReader(payload)).read_all()


def process_rss_bytes(pid: int, field_name: str = "VmRSS") -> int:
    """A memory figure of a process from /proc/<pid>/status (VmRSS, VmHWM, ...), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field_name} not in /proc/{pid}/status")


def protocol_rows(client: "ProtocolClient", sql: str, **fields) -> List[dict]:
    """The rows of `sql` run through the protocol client, as dicts."""
    return client.query(sql, **fields)[2].to_pylist()


def protocol_count(client: "ProtocolClient", table: str, **fields) -> int:
    return protocol_rows(client, f"SELECT count(*) AS n FROM {table}", **fields)[0]["n"]


def server_rows_during(server: ServerProcess, action) -> Tuple[object, List[int]]:
    """(result of `action`, rows of every query the server ran for it, in order)."""
    seen = len(server.query_log_lines())
    result = action()
    lines = server.wait_for_query_log(seen, 1)
    # A streamed result is logged when its stream ends, which can be just after the client is done.
    while True:
        time.sleep(0.2)
        later = server.query_log_lines()[seen:]
        if len(later) == len(lines):
            break
        lines = later
    return result, [int(parse_query_log(line)["rows"]) for line in lines]
