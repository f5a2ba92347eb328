#!/usr/bin/env python3
"""OpenDuck benchmarks: remote scan throughput and round-trip latency.

Measures, in one run and on the same data, side by side:
  * OpenDuck (`openduck serve` + the openduck extension) over loopback,
  * local DuckDB reading the same .duckdb file,
  * DuckDB's Quack protocol (the pinned `quack` extension) over loopback.

Every client measurement runs in its own subprocess (this script with
--client), so its peak RSS and CPU time belong to that measurement only.
Results go to bench/results/*.json; a full run also rewrites docs/benchmarks.md.

    .venv/bin/python bench/run_benchmarks.py            # TPC-H SF1, 5 runs
    .venv/bin/python bench/run_benchmarks.py --quick    # SF 0.1 smoke run
"""

import argparse
import datetime
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS_DIR = os.path.join(ROOT, "bench", "results")
DATA_DIR = os.path.join(RESULTS_DIR, "data")
PYEXT_DIR = os.path.join(RESULTS_DIR, "pyext")
DOCS_PATH = os.path.join(ROOT, "docs", "benchmarks.md")
# The build measured: build/ unless --build-dir (passed on to the client subprocesses through the
# environment) names another one.
BUILD_DIR_ENV = "OPENDUCK_BENCH_BUILD_DIR"


def build_paths(build_dir):
    return (os.path.join(build_dir, "bin", "openduck"),
            os.path.join(build_dir, "extension", "openduck.duckdb_extension"))


OPENDUCK_BIN, OPENDUCK_EXT = build_paths(os.environ.get(BUILD_DIR_ENV, os.path.join(ROOT, "build")))
TOKEN = "bench-token-0123456789"
SERVER_DB_NAME = "bench"

# Anchors and targets, copied from shared/DESIGN.md ("Anchors and targets").
ANCHORS = {
    "scan_all": ("Quack ~12M rows/s (8 vCPU); raw gRPC here ~2 GB/s, loopback TCP ~3.8 GB/s",
                 ">= 10M rows/s on 2 cores; ahead of Quack side by side"),
    "scan_all_agg": ("local DuckDB on the same file",
                     "(no separate target; shows the scan without the client-side insert)"),
    "scan_bigint": ("raw gRPC here ~2 GB/s, loopback TCP ~3.8 GB/s",
                    "(no separate target; the scan target is >= 10M rows/s)"),
    "select42": ("Quack: one round trip per query", "p50 <= 1 ms on loopback"),
}
TARGET_SCAN_ROWS_PER_S = 10e6
TARGET_SELECT42_P50_MS = 1.0

# Bytes per value of each DuckDB type, as DuckDB holds them in memory. VARCHAR
# counts its string bytes (octet_length). Used to turn rows/s into MB/s.
FIXED_WIDTH = {
    "BOOLEAN": 1, "TINYINT": 1, "SMALLINT": 2, "INTEGER": 4, "BIGINT": 8, "HUGEINT": 16,
    "FLOAT": 4, "DOUBLE": 8, "DATE": 4, "TIMESTAMP": 8,
}

SCAN_QUERIES = {
    "scan_all": "CREATE OR REPLACE TEMP TABLE bench_x AS SELECT * FROM {db}.lineitem",
    "scan_bigint": "CREATE OR REPLACE TEMP TABLE bench_x AS SELECT l_orderkey FROM {db}.lineitem",
    # Reads every column without storing the rows: shows what the client-side insert costs. Through a
    # temporary view, so OpenDuck cannot run the aggregate on the server and must ship every row.
    "scan_all_agg": "SELECT min(COLUMNS(*)) FROM bench_lineitem_scan",
}
SCAN_ORDER = ("scan_all", "scan_bigint", "scan_all_agg")


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- environment

def duckdb_version():
    import duckdb
    return duckdb.__version__


def find_extension(package, name):
    """Path of a DuckDB extension shipped in a PyPI package (site-packages or bench/results/pyext)."""
    import importlib.util
    version = "v" + duckdb_version()
    candidates = []
    spec = importlib.util.find_spec(package)
    if spec and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            candidates.append(os.path.join(loc, "extensions", version, f"{name}.duckdb_extension"))
    candidates.append(os.path.join(PYEXT_DIR, package, "extensions", version, f"{name}.duckdb_extension"))
    for c in candidates:
        if os.path.exists(c):
            return c
    return None


def ensure_httpfs():
    """Quack's client and server both autoload httpfs, which cannot be downloaded offline.

    Use the PyPI package duckdb-extension-httpfs; if it is not installed, install it with pip
    into bench/results/pyext (gitignored) rather than touching .venv. Returns (path, error)."""
    path = find_extension("duckdb_extension_httpfs", "httpfs")
    if path:
        return path, None
    want = f"duckdb-extension-httpfs=={duckdb_version()}"
    log(f"httpfs extension not found; pip install {want} into {PYEXT_DIR}")
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--target", PYEXT_DIR, want], capture_output=True, text=True)
    path = find_extension("duckdb_extension_httpfs", "httpfs")
    if path:
        return path, None
    return None, f"pip install {want} failed: {proc.stderr.strip()[-500:]}"


def machine_info():
    info = {"nproc": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "duckdb": duckdb_version()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    info["mem_total_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        info["loadavg_start"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    try:
        info["openduck_commit"] = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                                 capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        info["openduck_worktree_dirty"] = bool(dirty)
    except OSError:
        pass
    return info


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect_duckdb(path=None, read_only=False):
    import duckdb
    config = {"allow_unsigned_extensions": "true", "autoinstall_known_extensions": "false"}
    return duckdb.connect(path or ":memory:", read_only=read_only, config=config)


# --------------------------------------------------------------------------- data

def sf_label(sf):
    return f"{sf:g}"


def generate_data(sf):
    """TPC-H at scale factor sf, generated once into bench/results/data/tpch_sf<sf>.duckdb."""
    os.makedirs(DATA_DIR, exist_ok=True)
    path = os.path.join(DATA_DIR, f"tpch_sf{sf_label(sf)}.duckdb")
    meta_path = path + ".json"
    if os.path.exists(path) and os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        log(f"using cached data {path}")
        return path, meta
    tpch = find_extension("duckdb_extension_tpch", "tpch")
    if not tpch:
        sys.exit("tpch extension not found: install duckdb-extension-tpch (scripts/install_deps.sh does)")
    tmp = path + ".tmp"
    for p in (tmp, tmp + ".wal"):
        if os.path.exists(p):
            os.remove(p)
    log(f"generating TPC-H SF{sf_label(sf)} into {path}")
    started = time.perf_counter()
    con = connect_duckdb(tmp)
    con.execute(f"LOAD '{tpch}'")
    con.execute(f"CALL dbgen(sf={sf})")
    con.execute("CHECKPOINT")
    meta = {"sf": sf, "generate_seconds": round(time.perf_counter() - started, 1)}
    meta["lineitem_rows"] = con.execute("SELECT count(*) FROM lineitem").fetchone()[0]
    # Payload: DuckDB's in-memory value bytes (fixed-width types by width, VARCHAR by its bytes).
    cols = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_name = 'lineitem' ORDER BY ordinal_position").fetchall()
    fixed = 0
    varchar_cols = []
    for name, typ in cols:
        if typ.startswith("DECIMAL"):
            precision = int(re.match(r"DECIMAL\((\d+)", typ).group(1))
            fixed += 2 if precision <= 4 else 4 if precision <= 9 else 8 if precision <= 18 else 16
        elif typ == "VARCHAR":
            varchar_cols.append(name)
        else:
            fixed += FIXED_WIDTH[typ]
    varchar_bytes = 0
    if varchar_cols:
        expr = " + ".join(f"sum(strlen({c}))" for c in varchar_cols)
        varchar_bytes = con.execute(f"SELECT {expr} FROM lineitem").fetchone()[0]
    meta["lineitem_columns"] = [[n, t] for n, t in cols]
    meta["lineitem_payload_bytes_all"] = fixed * meta["lineitem_rows"] + int(varchar_bytes)
    meta["lineitem_payload_bytes_bigint"] = 8 * meta["lineitem_rows"]
    con.close()
    os.replace(tmp, path)
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=2)
    log(f"generated in {meta['generate_seconds']} s, lineitem {meta['lineitem_rows']} rows")
    return path, meta


# --------------------------------------------------------------------------- servers

def read_proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmHWM", "VmRSS")):
                    k, v = line.split(":", 1)
                    out[k] = int(v.split()[0]) * 1024
    except OSError:
        pass
    return out


def reset_peak_rss(pid):
    """Resets VmHWM (writing 5 to clear_refs, Linux >= 4.0). Returns False when not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def proc_cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


class Server:
    """A child server process that is always stopped (terminate, then kill)."""

    def __init__(self, name, argv, log_path, stdin=subprocess.DEVNULL):
        self.name = name
        self.log_path = log_path
        self.log_file = open(log_path, "w")
        self.proc = subprocess.Popen(argv, stdout=self.log_file, stderr=subprocess.STDOUT, stdin=stdin)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def log_text(self):
        self.log_file.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                log(f"{self.name} did not stop on SIGTERM; killing")
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()
        return self.proc.returncode


def start_openduck(db_path, workdir):
    datadir = os.path.join(workdir, "openduck-data")
    os.makedirs(datadir, exist_ok=True)
    # A copy, so the server may write to its file without touching the cached data.
    shutil.copyfile(db_path, os.path.join(datadir, f"{SERVER_DB_NAME}.duckdb"))
    port = free_port()
    health_port = free_port()
    argv = [OPENDUCK_BIN, "serve", "-p", str(port), "--health-port", str(health_port), "--data-dir", datadir,
            "-t", TOKEN]
    server = Server("openduck", argv, os.path.join(workdir, "openduck-serve.log"))
    deadline = time.time() + 60
    url = f"http://127.0.0.1:{health_port}/health"
    while True:
        if not server.alive():
            raise RuntimeError(f"openduck serve exited ({server.proc.returncode}):\n{server.log_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                body = json.loads(r.read())
                if r.status == 200 and SERVER_DB_NAME in body.get("databases", []):
                    break
        except (OSError, ValueError):
            pass
        if time.time() > deadline:
            server.stop()
            raise RuntimeError(f"openduck serve not healthy after 60 s:\n{server.log_text()}")
        time.sleep(0.1)
    server.port = port
    server.endpoint = f"http://127.0.0.1:{port}"
    return server


QUACK_SERVER_CODE = r"""
import duckdb, sys
db, httpfs, quack, uri, token = sys.argv[1:6]
read_only = len(sys.argv) < 7 or sys.argv[6] != "read_write"
con = duckdb.connect(db, read_only=read_only, config={"allow_unsigned_extensions": "true",
                                                 "autoinstall_known_extensions": "false"})
con.execute(f"LOAD '{httpfs}'")
con.execute(f"LOAD '{quack}'")
con.execute("CALL quack_serve(?, token = ?, disable_ssl = true)", [uri, token])
print("READY", flush=True)
sys.stdin.read()   # serve until stdin closes or we are killed
"""


def start_quack(db_path, workdir, httpfs, quack, read_write=False):
    port = free_port()
    uri = f"quack:localhost:{port}"
    log_path = os.path.join(workdir, "quack-serve.log")
    argv = [sys.executable, "-c", QUACK_SERVER_CODE, db_path, httpfs, quack, uri, TOKEN,
            "read_write" if read_write else "read_only"]
    # A pipe on stdin keeps the server's sys.stdin.read() blocked until we stop it.
    server = Server("quack", argv, log_path, stdin=subprocess.PIPE)
    deadline = time.time() + 60
    while "READY" not in server.log_text():
        if not server.alive():
            raise RuntimeError(f"quack server exited ({server.proc.returncode}): {server.log_text().strip()}")
        if time.time() > deadline:
            server.stop()
            raise RuntimeError(f"quack server not ready after 60 s: {server.log_text().strip()}")
        time.sleep(0.1)
    server.port = port
    server.uri = uri
    return server


# --------------------------------------------------------------------------- client side

def client_setup(con, spec):
    """Attach the system under test as `src`; returns the schema-qualified prefix for tables."""
    system = spec["system"]
    if system == "local":
        con.execute(f"ATTACH '{spec['db_path']}' AS src (READ_ONLY)")
    elif system == "openduck":
        con.execute(f"LOAD '{OPENDUCK_EXT}'")
        con.execute(f"ATTACH 'openduck:{SERVER_DB_NAME}?endpoint={spec['endpoint']}&token={TOKEN}' "
                    "AS src (READ_ONLY)")
    elif system == "quack":
        con.execute(f"LOAD '{spec['httpfs']}'")
        con.execute(f"LOAD '{spec['quack']}'")
        con.execute(f"CREATE SECRET (TYPE quack, TOKEN '{TOKEN}')")
        con.execute(f"ATTACH '{spec['uri']}' AS src")
    else:
        raise ValueError(system)
    con.execute("CREATE TEMP VIEW bench_lineitem_scan AS SELECT * FROM src.lineitem")


def round_trip_sql(system, spec):
    if system == "openduck":
        return "FROM openduck_query('src', 'SELECT 42')"
    if system == "quack":
        return "FROM quack_query_by_name('src', 'SELECT 42')"
    return "SELECT 42"


def client_main(spec):
    """Runs in a subprocess: one system, one measure. Prints a JSON result on stdout."""
    out = {"system": spec["system"], "measure": spec["measure"]}
    t0 = time.perf_counter()
    con = connect_duckdb()
    if spec.get("threads"):
        con.execute(f"SET threads = {int(spec['threads'])}")
    client_setup(con, spec)
    out["setup_seconds"] = time.perf_counter() - t0
    measure = spec["measure"]
    if measure in SCAN_QUERIES:
        sql = SCAN_QUERIES[measure].format(db="src")
        times = []
        failures = []
        rows = None
        # A failed run is recorded and another one tried, up to max_failures, so that a flaky
        # transport still yields numbers and the failures stay visible in the results.
        attempts = 0
        while len(times) < spec["runs"]:
            attempts += 1
            start = time.perf_counter()
            try:
                con.execute(sql).fetchall()
            except Exception as e:  # noqa: BLE001 - any query error counts as a failed run
                failures.append({"seconds": time.perf_counter() - start, "error": last_line(str(e))})
                if len(failures) > spec.get("max_failures", 3):
                    raise RuntimeError(f"{len(failures)} failed runs; last: {failures[-1]['error']}")
                continue
            elapsed = time.perf_counter() - start
            if attempts - len(failures) > spec["warmup"]:
                times.append(elapsed)
            if "bench_x" in sql:
                if rows is None:
                    rows = con.execute("SELECT count(*) FROM bench_x").fetchone()[0]
                con.execute("DROP TABLE bench_x")
        out["rows"] = rows if rows is not None else spec["expected_rows"]
        out["seconds"] = times
        out["failures"] = failures
    elif measure == "select42":
        sql = round_trip_sql(spec["system"], spec)
        value = con.execute(sql).fetchall()
        if value != [(42,)]:
            raise RuntimeError(f"unexpected result {value!r}")
        for _ in range(spec["warmup"]):
            con.execute(sql).fetchall()
        times = []
        for _ in range(spec["iterations"]):
            start = time.perf_counter()
            con.execute(sql).fetchall()
            times.append(time.perf_counter() - start)
        out["seconds"] = times
    else:
        raise ValueError(measure)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # Not ru_maxrss: Linux carries it over from the parent across fork and execve.
    out["client_peak_rss_bytes"] = read_proc_status(os.getpid()).get("VmHWM")
    out["client_cpu_seconds"] = usage.ru_utime + usage.ru_stime
    out["client_wall_seconds"] = time.perf_counter() - t0
    con.close()
    print(json.dumps(out))


def run_client(spec, server=None, timeout=900):
    """Runs one client measurement in a subprocess; samples the server's peak RSS and CPU around it."""
    log_start = len(server.log_text()) if server is not None else 0
    if server is not None:
        hwm_reset = reset_peak_rss(server.pid)
        cpu_before = proc_cpu_seconds(server.pid)
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--client", json.dumps(spec)],
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        err = (proc.stderr.strip() or proc.stdout.strip())[-2000:]
        raise RuntimeError(f"client {spec['system']}/{spec['measure']} failed (rc {proc.returncode}): {err}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if server is not None:
        status = read_proc_status(server.pid)
        cpu_after = proc_cpu_seconds(server.pid)
        result["server_peak_rss_bytes"] = status.get("VmHWM") if hwm_reset else None
        result["server_peak_rss_is_since_start"] = not hwm_reset
        result["server_rss_after_bytes"] = status.get("VmRSS")
        if cpu_before is not None and cpu_after is not None:
            result["server_cpu_seconds"] = cpu_after - cpu_before
        result["server_log"] = parse_query_log(server.log_text()[log_start:])
    return result


def run_client_retrying(spec, server, results):
    """One retry, so a single transient failure still yields numbers; the failure is kept as a note."""
    try:
        return run_client(spec, server)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        # A client that already gave up after several failed runs is not tried again.
        if (server is not None and not server.alive()) or "failed runs; last" in str(e):
            raise
        first = last_line(str(e))
        log(f"  {spec['system']}/{spec['measure']} failed, retrying once: {first}")
        results["notes"].append(f"{spec['system']}/{spec['measure']} failed once and was retried: {first}")
        return run_client(spec, server)


def last_line(text):
    """The line of an error that says what went wrong (the last one naming an error)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        if re.search(r"Error|Exception", line):
            return line
    return lines[-1] if lines else text


# --------------------------------------------------------------------------- statistics

def percentile(values, p):
    s = sorted(values)
    if not s:
        return None
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summarize_scan(result, payload_bytes):
    med = statistics.median(result["seconds"])
    rows = result["rows"]
    return {
        "rows": rows,
        "runs": len(result["seconds"]),
        "seconds_median": med,
        "seconds_min": min(result["seconds"]),
        "seconds_max": max(result["seconds"]),
        "seconds_all": result["seconds"],
        "failed_runs": result.get("failures", []),
        "rows_per_s": rows / med,
        "payload_bytes": payload_bytes,
        "payload_bytes_per_s": payload_bytes / med,
        "client_peak_rss_bytes": result.get("client_peak_rss_bytes"),
        "client_cpu_seconds_total": result.get("client_cpu_seconds"),
        "server_peak_rss_bytes": result.get("server_peak_rss_bytes"),
        "server_cpu_seconds_total": result.get("server_cpu_seconds"),
        "server_log": result.get("server_log"),
        "client_setup_seconds": result.get("setup_seconds"),
        "client_wall_seconds_total": result.get("client_wall_seconds"),
    }


def summarize_latency(result):
    ms = [t * 1000 for t in result["seconds"]]
    return {"iterations": len(ms), "p50_ms": percentile(ms, 50), "p90_ms": percentile(ms, 90),
            "p99_ms": percentile(ms, 99), "min_ms": min(ms), "max_ms": max(ms),
            "mean_ms": statistics.fmean(ms), "server_log": result.get("server_log"),
            "server_cpu_seconds_total": result.get("server_cpu_seconds")}


def parse_query_log(text):
    """What `openduck serve` logged per query (duration_ms, rows, bytes, status), if anything."""
    queries = []
    for line in text.splitlines():
        fields = dict(re.findall(r"(\w+)=(\S+)", line))
        if " query " in line and "duration_ms" in fields:
            queries.append(fields)
    if not queries:
        return None
    out = {"queries": len(queries),
           "not_ok": sum(1 for q in queries if q.get("status") != "ok")}
    try:
        out["duration_ms_median"] = statistics.median(float(q["duration_ms"]) for q in queries)
        out["bytes_max"] = max(int(q.get("bytes", 0)) for q in queries)
        out["rows_max"] = max(int(q.get("rows", 0)) for q in queries)
    except ValueError:
        pass
    return out


# --------------------------------------------------------------------------- orchestration

def run(args):
    started = time.time()
    sf = 0.1 if args.quick and args.sf is None else (args.sf if args.sf is not None else 1.0)
    runs = args.runs or (3 if args.quick else 5)
    iterations = args.iterations or (300 if args.quick else 2000)
    for path in (OPENDUCK_BIN, OPENDUCK_EXT):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: run `make build` first")

    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "config": {"sf": sf, "runs": runs, "warmup_runs": 1, "select42_iterations": iterations,
                   "select42_warmup": 50, "client_threads": args.threads or "default",
                   "quick": bool(args.quick)},
        "measures": {}, "errors": {}, "notes": [],
    }
    db_path, meta = generate_data(sf)
    results["data"] = meta
    payload = {"scan_all": meta["lineitem_payload_bytes_all"],
               "scan_bigint": meta["lineitem_payload_bytes_bigint"],
               "scan_all_agg": meta["lineitem_payload_bytes_all"]}

    workdir = tempfile.mkdtemp(prefix="run-", dir=RESULTS_DIR)
    servers = []

    def stop_all(*_):
        for s in servers:
            try:
                s.stop()
            except Exception as e:  # noqa: BLE001 - best effort at exit
                log(f"stopping {s.name}: {e}")
        servers.clear()

    def on_signal(signum, _frame):
        stop_all()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    base = {"db_path": db_path, "threads": args.threads}
    try:
        # Quack first: set it up (it may be unavailable offline) and record why if so.
        quack_ext = find_extension("duckdb_extension_quack", "quack")
        quack_server = None
        quack_error = None
        if args.skip_quack:
            quack_error = "skipped (--skip-quack)"
        elif not quack_ext:
            quack_error = "quack extension not installed (PyPI duckdb-extension-quack)"
        else:
            httpfs, quack_error = ensure_httpfs()
            if httpfs:
                try:
                    quack_server = start_quack(db_path, workdir, httpfs, quack_ext)
                    servers.append(quack_server)
                    base.update(httpfs=httpfs, quack=quack_ext, uri=quack_server.uri)
                except RuntimeError as e:
                    quack_error = str(e)
        if quack_error:
            log(f"quack unavailable: {quack_error}")
            results["errors"]["quack"] = quack_error

        log("starting openduck serve")
        od_server = start_openduck(db_path, workdir)
        servers.append(od_server)
        base["endpoint"] = od_server.endpoint

        systems = [("local", None), ("openduck", od_server)]
        if quack_server:
            systems.append(("quack", quack_server))

        for measure in SCAN_ORDER:
            for system, server in systems:
                log(f"{measure} / {system}: 1 warm-up + {runs} runs")
                spec = dict(base, system=system, measure=measure, runs=runs, warmup=1,
                            expected_rows=meta["lineitem_rows"], max_failures=args.max_failures)
                try:
                    r = run_client_retrying(spec, server, results)
                    s = summarize_scan(r, payload[measure])
                    results["measures"].setdefault(measure, {})[system] = s
                    log(f"  median {s['seconds_median']:.3f} s, {s['rows_per_s'] / 1e6:.2f} M rows/s, "
                        f"{s['payload_bytes_per_s'] / 1e9:.3f} GB/s, {len(s['failed_runs'])} failed runs")
                    for f in s["failed_runs"]:
                        results["notes"].append(f"{measure}/{system}: a run failed after {f['seconds']:.1f} s: "
                                                f"{f['error']}")
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    log(f"  failed: {e}")
                    results["errors"][f"{measure}/{system}"] = str(e)
                if server is not None and not server.alive():
                    results["errors"][f"{system}_server"] = (
                        f"server exited with {server.proc.returncode} during {measure}: "
                        f"{server.log_text()[-2000:]}")
                    log(f"  {system} server died!")

        for system, server in systems:
            log(f"select42 / {system}: 50 warm-up + {iterations} iterations")
            spec = dict(base, system=system, measure="select42", warmup=50, iterations=iterations)
            try:
                r = run_client_retrying(spec, server, results)
                s = summarize_latency(r)
                results["measures"].setdefault("select42", {})[system] = s
                log(f"  p50 {s['p50_ms']:.3f} ms, p99 {s['p99_ms']:.3f} ms")
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                log(f"  failed: {e}")
                results["errors"][f"select42/{system}"] = str(e)

        results["openduck_server_log_tail"] = od_server.log_text().splitlines()[-5:]
    finally:
        stop_all()
        shutil.rmtree(os.path.join(workdir, "openduck-data"), ignore_errors=True)

    # The 22 TPC-H queries with every table remote, after the scans (their servers are stopped).
    try:
        import tpch_queries
        results["tpch_queries"] = tpch_queries.run(sf)
    except Exception as e:  # noqa: BLE001 - reported on the page like any other failed measure
        results["errors"]["tpch_queries"] = str(e)
    # Writes last: they start their own servers on empty databases.
    try:
        import write_benchmarks
        results["writes"] = write_benchmarks.run(sf)
    except Exception as e:  # noqa: BLE001 - reported on the page like any other failed measure
        results["errors"]["writes"] = str(e)
    try:
        import storage_benchmarks
        results["storage"] = storage_benchmarks.run(sf, 5, 500)
    except Exception as e:  # noqa: BLE001 - reported on the page like any other failed measure
        results["errors"]["storage"] = str(e)
    results["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    results["total_seconds"] = round(time.time() - started, 1)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_path = os.path.join(RESULTS_DIR, f"bench-sf{sf_label(sf)}-{stamp}.json")
    with open(out_path, "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(RESULTS_DIR, "latest.json"), "w") as f:
        json.dump(results, f, indent=2)
    log(f"results: {out_path} (run logs in {workdir})")
    if args.docs if args.docs is not None else not args.quick:
        write_docs(results)
        log(f"wrote {DOCS_PATH}")
    print(render_table(results))
    return 1 if any(k.endswith("_server") for k in results["errors"]) else 0


# --------------------------------------------------------------------------- report

def fmt_rate(rows_per_s, bytes_per_s, unit):
    if unit == "GB":
        return f"{rows_per_s / 1e6:.2f} M rows/s, {bytes_per_s / 1e9:.2f} GB/s"
    return f"{rows_per_s / 1e6:.2f} M rows/s, {bytes_per_s / 1e6:.0f} MB/s"


def ratio(a, b, fmt="{:.2f}x"):
    if a is None or b is None or b == 0:
        return "n/a"
    return fmt.format(a / b)


def mib(n):
    return "n/a" if n is None else f"{n / 2**20:.0f} MiB"


def render_table(results):
    m = results["measures"]
    lines = ["| measure | anchor | target | OpenDuck | local DuckDB | Quack | OpenDuck / local | OpenDuck / Quack | target met |",
             "|---|---|---|---|---|---|---|---|---|"]
    sf = sf_label(results["config"]["sf"])
    for key, title, unit in (("scan_all", f"remote scan, lineitem SF{sf}, all columns, materialized", "MB"),
                             ("scan_bigint", f"remote scan, lineitem SF{sf}, l_orderkey (BIGINT) only, materialized", "GB"),
                             ("scan_all_agg", f"remote scan, lineitem SF{sf}, all columns, not stored (`min(COLUMNS(*))`)", "MB")):
        row = m.get(key, {})
        vals = {}
        for s in ("openduck", "local", "quack"):
            if s not in row:
                vals[s] = "failed" if f"{key}/{s}" in results["errors"] else "n/a"
                continue
            vals[s] = fmt_rate(row[s]["rows_per_s"], row[s]["payload_bytes_per_s"], unit)
            failed = len(row[s].get("failed_runs", []))
            if failed:
                vals[s] += f" ({failed} failed run{'s' if failed > 1 else ''} not counted)"
        od = row.get("openduck", {}).get("rows_per_s")
        met = "n/a" if od is None else ("yes" if od >= TARGET_SCAN_ROWS_PER_S else "no")
        if key == "scan_all" and "quack" in row and od is not None:
            met += ", ahead of Quack" if od > row["quack"]["rows_per_s"] else ", behind Quack"
        if key != "scan_all":
            met = "n/a" if od is None else ("yes" if od >= TARGET_SCAN_ROWS_PER_S else "no") + " (10M rows/s)"
        anchor, target = ANCHORS[key]
        lines.append(f"| {title} | {anchor} | {target} | {vals['openduck']} | {vals['local']} | {vals['quack']} | "
                     f"{ratio(od, row.get('local', {}).get('rows_per_s'))} throughput | "
                     f"{ratio(od, row.get('quack', {}).get('rows_per_s'))} throughput | {met} |")
    row = m.get("select42", {})

    def lat(s):
        return f"p50 {row[s]['p50_ms']:.3f} ms, p99 {row[s]['p99_ms']:.3f} ms" if s in row else "n/a"
    od = row.get("openduck", {}).get("p50_ms")
    met = "n/a" if od is None else ("yes" if od <= TARGET_SELECT42_P50_MS else "no")
    anchor, target = ANCHORS["select42"]
    lines.append(f"| `SELECT 42` round trip | {anchor} | {target} | {lat('openduck')} | {lat('local')} | {lat('quack')} | "
                 f"{ratio(od, row.get('local', {}).get('p50_ms'))} p50 latency | "
                 f"{ratio(od, row.get('quack', {}).get('p50_ms'))} p50 latency | {met} |")
    return "\n".join(lines)


def render_resources(results):
    m = results["measures"]
    lines = ["| scan | system | median s (min–max) | client peak RSS | client CPU s (all runs) | server peak RSS | server CPU s (all runs) | bytes sent per scan (server log) |",
             "|---|---|---|---|---|---|---|---|"]
    for key, title in (("scan_all", "all columns"), ("scan_bigint", "l_orderkey"), ("scan_all_agg", "all columns, not stored")):
        for system in ("openduck", "local", "quack"):
            s = m.get(key, {}).get(system)
            if not s:
                continue
            srv_cpu = s.get("server_cpu_seconds_total")
            cli_cpu = s.get("client_cpu_seconds_total")
            lines.append(f"| {title} | {system} | {s['seconds_median']:.3f} ({s['seconds_min']:.3f}–{s['seconds_max']:.3f}) | "
                         f"{mib(s.get('client_peak_rss_bytes'))} | {'n/a' if cli_cpu is None else f'{cli_cpu:.1f}'} | "
                         f"{mib(s.get('server_peak_rss_bytes')) if system != 'local' else '—'} | "
                         f"{'—' if system == 'local' or srv_cpu is None else f'{srv_cpu:.1f}'} | "
                         f"{wire_bytes(s)} |")
    row = m.get("select42", {})
    if row:
        lines += ["", "`SELECT 42` round trips in detail (milliseconds, client side unless noted):", "",
                  "| system | p50 | p90 | p99 | min | max | server-side duration p50 (server log) |",
                  "|---|---|---|---|---|---|---|"]
        for system in ("openduck", "local", "quack"):
            s = row.get(system)
            if not s:
                continue
            srv = (s.get("server_log") or {}).get("duration_ms_median")
            lines.append(f"| {system} | {s['p50_ms']:.3f} | {s['p90_ms']:.3f} | {s['p99_ms']:.3f} | {s['min_ms']:.3f} | "
                         f"{s['max_ms']:.3f} | {'n/a' if srv is None else f'{srv:.3f}'} |")
    return "\n".join(lines)


def wire_bytes(s):
    logged = (s.get("server_log") or {}).get("bytes_max")
    if not logged:
        return "n/a"
    return f"{logged / 1e6:.0f} MB ({logged / s['rows']:.1f} B/row)"


def write_docs(results):
    mach = results["machine"]
    cfg = results["config"]
    data = results["data"]
    sf = sf_label(cfg["sf"])
    date = results["date"][:10]
    errors = "\n".join(f"- `{k}`: {last_line(v)}" for k, v in results["errors"].items())
    notes = "\n".join(f"- {n}" for n in results.get("notes", []))
    if notes:
        notes = "Notes from this run:\n\n" + notes
    local_ceiling = ""
    loc = results["measures"].get("scan_all", {}).get("local")
    agg = results["measures"].get("scan_all_agg", {}).get("local")
    if loc and agg:
        local_ceiling = (f" Local DuckDB\n  itself stores lineitem at {loc['rows_per_s'] / 1e6:.1f} M rows/s here, against "
                         f"{agg['rows_per_s'] / 1e6:.1f} M rows/s when it only\n  reads it (`min(COLUMNS(*))`), so with a "
                         "materializing client no system can reach 10M rows/s on\n  this machine; the "
                         "`min(COLUMNS(*))` row is the one to hold against the target.")
    tpch_section = ""
    if results.get("tpch_queries"):
        import tpch_queries
        tpch_section = tpch_queries.render(results["tpch_queries"])
    if results.get("writes"):
        import write_benchmarks
        tpch_section += "\n" + write_benchmarks.render(results["writes"])
    if results.get("storage"):
        import storage_benchmarks
        tpch_section += "\n" + storage_benchmarks.render(results["storage"])
    text = f"""# Benchmarks

This page is rewritten by `bench/run_benchmarks.py` on every full run (`make bench`).
It compares OpenDuck with local DuckDB reading the same file and with DuckDB's
Quack protocol, measured in the same run on the same machine. Targets and anchors
come from the design document ("Anchors and targets").

## Run of {date}

Machine: {mach.get('cpu_model', 'unknown CPU')}, {mach['nproc']} cores, {mach.get('mem_total_gib', '?')} GiB memory,
{mach['platform']}. DuckDB {mach['duckdb']} (official wheel) on both ends; OpenDuck
commit `{mach.get('openduck_commit', '?')}`{' (with uncommitted changes)' if mach.get('openduck_worktree_dirty') else ''}.
Load average at start {mach.get('loadavg_start')}, at end {mach.get('loadavg_end')}: the machine is shared, so
other work may have run at the same time. Full run took {results['total_seconds']:.0f} s.

Data: TPC-H SF{sf} from `CALL dbgen(sf={cfg['sf']:g})`; lineitem has {data['lineitem_rows']:,} rows.
Each scan is 1 warm-up plus {cfg['runs']} timed runs; the table shows the median.
`SELECT 42` is {cfg['select42_warmup']} warm-up plus {cfg['select42_iterations']} timed round trips.

{render_table(results)}

How to read it:

- Scans run `CREATE OR REPLACE TEMP TABLE x AS SELECT ... FROM <db>.lineitem` in a client
  DuckDB, so every row is materialized on the client. `<db>` is the OpenDuck attach, the
  Quack attach, or the same `.duckdb` file attached locally (read-only). The "not stored"
  scan reads `min(COLUMNS(*))` through a client-side temporary view, so that OpenDuck cannot
  run the aggregate on the server and every row crosses the wire.
- MB/s and GB/s are payload bytes per second: DuckDB's in-memory value size (BIGINT and
  DECIMAL(15,2) 8 bytes, DATE 4 bytes, VARCHAR its string bytes), {data['lineitem_payload_bytes_all'] / 1e6:.0f} MB for
  all columns and {data['lineitem_payload_bytes_bigint'] / 1e6:.0f} MB (8 bytes/row) for `l_orderkey`. Bytes on the wire
  are larger (Arrow sends DECIMAL(15,2) as 16-byte decimal128 and adds string offsets).
- "OpenDuck / local" and "OpenDuck / Quack" divide OpenDuck's throughput by the other's
  (above 1 means OpenDuck is faster), or OpenDuck's p50 latency by the other's (below 1
  means OpenDuck is faster).
- `SELECT 42` is `FROM openduck_query('cloud', 'SELECT 42')` for OpenDuck,
  `FROM quack_query_by_name('remote', 'SELECT 42')` for Quack and a plain `SELECT 42` locally,
  each timed from the Python client around `execute(...).fetchall()`.

Time and memory per scan (client and server both counted over warm-up and all runs;
peak RSS of the server is reset before each scan through `/proc/<pid>/clear_refs`):

{render_resources(results)}

{"Problems in this run:" if errors else "No errors in this run."}

{errors}

{notes}

## What limits these numbers

- Two cores for everything: the server, the client DuckDB and, for remote runs, both
  ends of the loopback connection share them. Local DuckDB gets both cores to itself, so
  the ratio against local is a ratio against an unshared machine.
- The client materializes every row into a temporary table; for the all-columns scan
  that insert is a sizeable part of the time for every system, including local.{local_ceiling}
- Loopback TCP and gRPC framing cost CPU on both ends; there is no network latency.
- `SELECT 42` is CPU on both ends more than waiting: per round trip about 0.8 ms of client
  CPU (DuckDB binding, planning and scheduling the `openduck_query` scan, the gRPC call) and
  0.56 ms of server CPU (measured from `/proc`, 2026-11-22). The server's cancellation watcher
  used to be woken for every call, about 8% of the server's CPU per query; it now polls only
  while calls are running (server-side p50 0.31 ms in the full run before that change, 0.25 ms
  in the run of 2026-11-22 15:21).
- The machine is shared with other engineers' builds; medians damp that but do not
  remove it. Compare the ratios of one run rather than absolute numbers across runs.
- Quack's client and server need the `httpfs` extension, which DuckDB normally
  downloads on first use. Offline, the benchmark takes it from the PyPI package
  `duckdb-extension-httpfs` (installed into `bench/results/pyext` when missing).

{tpch_section}
## How to reproduce

```sh
make bench                                      # builds, then TPC-H SF1 with 5 runs; rewrites this page
.venv/bin/python bench/run_benchmarks.py --quick   # SF 0.1 smoke run, 3 runs; does not touch this page
.venv/bin/python bench/run_benchmarks.py --sf 1 --runs 7 --iterations 5000
```

Flags: `--sf N` scale factor, `--runs N` timed runs per scan, `--iterations N` timed
`SELECT 42` round trips, `--threads N` client DuckDB threads, `--skip-quack`, `--docs` /
`--no-docs` to force or skip rewriting this page, `--max-failures N` failed runs tolerated per
scan before giving up, `--render FILE` to rewrite this page from an earlier results file, `--build-dir DIR` to
measure another build than `build/`. Generated data is cached in
`bench/results/data/` (the first SF1 generation takes a minute or two); every run writes
`bench/results/bench-sf<N>-<time>.json` and `bench/results/latest.json`.
"""
    text = re.sub(r"\n{3,}", "\n\n", text)
    with open(DOCS_PATH, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sf", type=float, default=None, help="TPC-H scale factor (default 1, 0.1 with --quick)")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per scan (default 5, 3 with --quick)")
    parser.add_argument("--iterations", type=int, default=None,
                        help="timed SELECT 42 round trips (default 2000, 300 with --quick)")
    parser.add_argument("--threads", type=int, default=None, help="client DuckDB threads (default: DuckDB's)")
    parser.add_argument("--quick", action="store_true", help="fast smoke run: SF 0.1, fewer runs, no docs")
    parser.add_argument("--max-failures", type=int, default=3,
                        help="failed scan runs tolerated per system and measure before giving up (default 3)")
    parser.add_argument("--skip-quack", action="store_true", help="do not measure Quack")
    parser.add_argument("--docs", dest="docs", action="store_true", default=None, help="rewrite docs/benchmarks.md")
    parser.add_argument("--no-docs", dest="docs", action="store_false", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--render", metavar="RESULTS_JSON",
                        help="only rewrite docs/benchmarks.md from a results file of an earlier run")
    parser.add_argument("--build-dir", help="build directory to measure (default: build)")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_dir:
        global OPENDUCK_BIN, OPENDUCK_EXT
        os.environ[BUILD_DIR_ENV] = os.path.abspath(args.build_dir)
        OPENDUCK_BIN, OPENDUCK_EXT = build_paths(os.environ[BUILD_DIR_ENV])
    if args.client:
        client_main(json.loads(args.client))
        return 0
    if args.render:
        with open(args.render) as f:
            write_docs(json.load(f))
        return 0
    os.makedirs(RESULTS_DIR, exist_ok=True)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
