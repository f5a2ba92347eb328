#!/usr/bin/env python3
"""Layered storage against a plain DuckDB file: TPC-H's 22 queries and commit latency.

Two servers serve the same TPC-H database: one with `--storage file` (the database is a plain
DuckDB file) and one with `--storage layered` (the same file imported into layers on first open).
Every query runs through the openduck extension with every table remote, so it runs whole on the
server and the difference between the two is the storage underneath DuckDB.

  * cold: a freshly started server per query (empty DuckDB buffer pool; the OS page cache is
    left as it is, so this measures the storage read path, not the disk);
  * warm: both servers up, one warm-up run per query, then the best of N runs, alternating
    between the two servers query by query so that load from other processes hits both alike;
  * commit latency: single-row `INSERT ... VALUES (?, ?)` in autocommit (one transaction each),
    alternating between the two servers, p50 and p99.

Results: a markdown table on stdout and bench/results/storage.json.

    .venv/bin/python bench/storage_benchmarks.py                 # TPC-H SF1 (~5-8 minutes)
    .venv/bin/python bench/storage_benchmarks.py --quick         # SF 0.1 smoke run
    .venv/bin/python bench/storage_benchmarks.py --build-dir build-perf
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_benchmarks as rb  # noqa: E402  (shares data generation, server processes and helpers)

STORES = ("file", "layered")
RESULTS_PATH = os.path.join(rb.RESULTS_DIR, "storage.json")
TARGET_WARM_RATIO = 1.10


# --------------------------------------------------------------------------- servers

def start_server(store, datadir):
    """`openduck serve --storage <store>` on datadir (which holds bench.duckdb); waits until it serves it."""
    server = start_plain(["--storage", store], datadir, f"openduck-{store}", database=rb.SERVER_DB_NAME)
    server.store = store
    return server


class Client:
    """One client DuckDB with the openduck extension, attached to one server as `<alias>`."""

    def __init__(self, con, server, alias, read_only=True):
        self.con = con
        self.alias = alias
        options = " (READ_ONLY)" if read_only else ""
        started = time.perf_counter()
        con.execute(f"ATTACH 'openduck:{rb.SERVER_DB_NAME}?endpoint={server.endpoint}&token={rb.TOKEN}' "
                    f"AS {alias}{options}")
        # Attaching describes the database, so the server has opened it (and imported it, the first time).
        self.attach_seconds = time.perf_counter() - started

    def timed(self, sql):
        self.con.execute(f"USE {self.alias}")
        started = time.perf_counter()
        rows = self.con.execute(sql).fetchall()
        return time.perf_counter() - started, rows

    def detach(self):
        self.con.execute("USE memory")
        self.con.execute(f"DETACH {self.alias}")


def new_connection():
    con = rb.connect_duckdb()
    con.execute(f"LOAD '{rb.OPENDUCK_EXT}'")
    return con


# --------------------------------------------------------------------------- measures

def prepare_data_dirs(db_path, workdir):
    """One data directory per store, each with a copy of the TPC-H file as bench.duckdb."""
    dirs = {}
    for store in STORES:
        datadir = os.path.join(workdir, store)
        os.makedirs(datadir)
        shutil.copyfile(db_path, os.path.join(datadir, f"{rb.SERVER_DB_NAME}.duckdb"))
        dirs[store] = datadir
    return dirs


def first_open(dirs):
    """Opens each database once (the layered store imports the plain file then), so that later runs
    measure reading, not importing."""
    out = {}
    for store in STORES:
        started = time.perf_counter()
        server = start_server(store, dirs[store])
        try:
            con = new_connection()
            client = Client(con, server, "src")
            con.close()
        finally:
            server.stop()
        out[store] = {"first_open_seconds": client.attach_seconds,
                      "server_start_and_open_seconds": time.perf_counter() - started}
        rb.log(f"first open, {store}: {client.attach_seconds:.2f} s")
    return out


def cold_runs(dirs, queries):
    """Each query on a freshly started server of each store, alternating stores."""
    out = {store: {} for store in STORES}
    for number, sql in queries:
        for store in STORES:
            server = start_server(store, dirs[store])
            try:
                con = new_connection()
                client = Client(con, server, "src")
                seconds, rows = client.timed(sql)
                con.close()
            finally:
                server.stop()
            out[store][str(number)] = {"seconds": seconds, "rows": len(rows),
                                       "open_seconds": client.attach_seconds}
        rb.log(f"cold Q{number:02d}: file {out['file'][str(number)]['seconds']:.3f} s, "
               f"layered {out['layered'][str(number)]['seconds']:.3f} s")
    return out


def warm_runs(clients, queries, runs):
    """One warm-up run per query and store, then `runs` timed runs, alternating stores; best of them."""
    out = {store: {} for store in STORES}
    for number, sql in queries:
        times = {store: [] for store in STORES}
        rows = {}
        for attempt in range(1 + runs):
            for store in STORES:
                seconds, result = clients[store].timed(sql)
                if attempt > 0:
                    times[store].append(seconds)
                rows[store] = result
        if sorted(map(repr, rows["file"])) != sorted(map(repr, rows["layered"])):
            raise RuntimeError(f"Q{number:02d}: the layered store returned a different result than the file store")
        for store in STORES:
            out[store][str(number)] = {"seconds": min(times[store]), "seconds_median": statistics.median(times[store]),
                                       "seconds_all": times[store], "rows": len(rows[store])}
        rb.log(f"warm Q{number:02d}: file {out['file'][str(number)]['seconds']:.3f} s, "
               f"layered {out['layered'][str(number)]['seconds']:.3f} s")
    return out


def commit_latency(servers, count, warmup):
    """Single-row INSERT transactions in autocommit, alternating between the stores."""
    cons = {}
    clients = {}
    for store in STORES:
        cons[store] = new_connection()
        clients[store] = Client(cons[store], servers[store], "dst", read_only=False)
        cons[store].execute("CREATE OR REPLACE TABLE dst.commit_bench (id BIGINT, v VARCHAR)")
    sql = "INSERT INTO dst.commit_bench VALUES (?, ?)"
    times = {store: [] for store in STORES}
    for i in range(warmup + count):
        for store in STORES:
            started = time.perf_counter()
            cons[store].execute(sql, [i, "row"])
            if i >= warmup:
                times[store].append(time.perf_counter() - started)
    out = {}
    for store in STORES:
        stored = cons[store].execute("SELECT count(*) FROM dst.commit_bench").fetchone()[0]
        if stored != warmup + count:
            raise RuntimeError(f"{store}: {stored} rows committed, {warmup + count} inserted")
        ms = [t * 1000 for t in times[store]]
        out[store] = {"transactions": count, "p50_ms": rb.percentile(ms, 50), "p90_ms": rb.percentile(ms, 90),
                      "p99_ms": rb.percentile(ms, 99), "mean_ms": statistics.fmean(ms), "max_ms": max(ms)}
        cons[store].close()
    rb.log(f"commit p50: file {out['file']['p50_ms']:.2f} ms, layered {out['layered']['p50_ms']:.2f} ms")
    return out


def start_plain(argv_extra, datadir, name, env=None, database=None):
    """An `openduck serve` with extra flags on datadir; waits until healthy (and serving `database`, if named)."""
    port, health_port = rb.free_port(), rb.free_port()
    argv = [rb.OPENDUCK_BIN, "serve", "-p", str(port), "--health-port", str(health_port), "--data-dir", datadir,
            "-t", rb.TOKEN] + list(argv_extra)
    saved = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        server = rb.Server(name, argv, os.path.join(datadir, f"{name}.log"))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    deadline = time.time() + 60
    while True:
        if not server.alive():
            raise RuntimeError(f"{name} exited ({server.proc.returncode}):\n{server.log_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{health_port}/health", timeout=2) as r:
                if r.status == 200 and (database is None or database in json.loads(r.read()).get("databases", [])):
                    break
        except (OSError, ValueError):
            pass
        if time.time() > deadline:
            server.stop()
            raise RuntimeError(f"{name} not healthy after 60 s:\n{server.log_text()[-2000:]}")
        time.sleep(0.05)
    server.endpoint = f"http://127.0.0.1:{port}"
    return server


def attach(con, server, alias, database=None, **params):
    query = "&".join([f"endpoint={server.endpoint}", f"token={rb.TOKEN}"] + [f"{k}={v}" for k, v in params.items()])
    con.execute(f"ATTACH 'openduck:{database or rb.SERVER_DB_NAME}?{query}' AS {alias}")


def timed_ms(action):
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def snapshot_measures(server, datadir, small_path, big_path, commits):
    """Clone time by database size, snapshot open time, and read-replica freshness, on the layered server."""
    out = {}
    con = new_connection()
    attach(con, server, "src")
    attach(con, server, "small", database="small")
    attach(con, server, "big", database="big")
    sizes = {"bench": os.path.getsize(os.path.join(datadir, f"{rb.SERVER_DB_NAME}.duckdb")),
             "small": os.path.getsize(small_path), "big": os.path.getsize(big_path)}
    clones = {}
    for alias, label in (("small", "small"), ("big", "big"), ("src", "bench")):
        ms = [timed_ms(lambda i=i: con.execute(f"CREATE DATABASE {label}_copy{i} FROM {alias}").fetchall())
              for i in range(7)]
        clones[label] = {"database_bytes": sizes[label], "p50_ms": statistics.median(ms), "max_ms": max(ms)}
    out["clone"] = clones
    rb.log(f"clone p50: {sizes['small'] >> 20} MB {clones['small']['p50_ms']:.1f} ms, "
           f"{sizes['big'] >> 20} MB {clones['big']['p50_ms']:.1f} ms")

    # Snapshot open: a new snapshot each time (a one-row commit), attached by id, first query answered.
    attach(con, server, "w", database="small")
    con.execute("CREATE TABLE w.marks (v INTEGER)")
    con.execute("CREATE TABLE src.marks (v INTEGER)")
    opens = []
    for i in range(5):
        con.execute("INSERT INTO src.marks VALUES (?)", [i])
        snapshot = con.execute("SELECT max(snapshot_id) FROM openduck_snapshots('src')").fetchone()[0]
        alias = f"past{i}"

        def open_and_count():
            attach(con, server, alias, snapshot=str(snapshot))
            con.execute(f"SELECT count(*) FROM {alias}.lineitem").fetchall()
        opens.append(timed_ms(open_and_count))
        con.execute(f"DETACH {alias}")
    out["snapshot_open"] = {"database_bytes": sizes["bench"], "p50_ms": statistics.median(opens), "max_ms": max(opens)}
    rb.log(f"snapshot open p50: {out['snapshot_open']['p50_ms']:.1f} ms")

    # Replica freshness: commit on the writer, poll a replica (another process) until it sees the row.
    replica = start_plain(["--replica"], datadir, "openduck-replica")
    try:
        reader = new_connection()
        attach(reader, replica, "r", database="small")
        delays = []
        for i in range(commits):
            con.execute("INSERT INTO w.marks VALUES (?)", [1000 + i])
            committed = time.perf_counter()
            while reader.execute("SELECT count(*) FROM r.marks WHERE v = ?", [1000 + i]).fetchone()[0] == 0:
                if time.perf_counter() - committed > 10:
                    raise RuntimeError("the replica did not see a commit within 10 s")
                time.sleep(0.002)
            delays.append((time.perf_counter() - committed) * 1000)
        reader.close()
    finally:
        replica.stop()
    out["replica_freshness"] = {"commits": commits, "p50_ms": statistics.median(delays),
                                "p99_ms": rb.percentile(delays, 99), "max_ms": max(delays)}
    rb.log(f"replica freshness p50: {out['replica_freshness']['p50_ms']:.1f} ms, max {max(delays):.1f} ms")
    con.close()
    return out


def s3_commit_latency(workdir, count, warmup=20):
    """Single-row INSERT transactions on layered storage over an S3-compatible server (moto, loopback, signed)."""
    sys.path.insert(0, os.path.join(rb.ROOT, "test", "e2e"))
    import s3_server  # noqa: E402  (the tests' moto launcher)
    from pathlib import Path

    moto = s3_server.start_s3_server(Path(workdir) / "moto")
    datadir = os.path.join(workdir, "s3-data")
    os.makedirs(datadir)
    server = None
    try:
        server = start_plain(moto.store_args("bench", Path(workdir) / "s3-cache") + ["-d", "s3db"], datadir,
                             "openduck-s3", env=moto.server_env())
        con = new_connection()
        attach(con, server, "s3", database="s3db")
        con.execute("CREATE TABLE s3.commit_bench (id BIGINT, v VARCHAR)")
        ms = []
        for i in range(warmup + count):
            elapsed = timed_ms(lambda: con.execute("INSERT INTO s3.commit_bench VALUES (?, ?)", [i, "row"]))
            if i >= warmup:
                ms.append(elapsed)
        con.close()
    finally:
        if server:
            server.stop()
        moto.stop()
    out = {"transactions": count, "p50_ms": rb.percentile(ms, 50), "p99_ms": rb.percentile(ms, 99)}
    rb.log(f"S3 commit p50 {out['p50_ms']:.2f} ms, p99 {out['p99_ms']:.2f} ms")
    return out


def make_database(path, rows):
    """A DuckDB file of random doubles, which do not compress: 16 bytes a row, so 64M rows make about 1 GB."""
    con = rb.connect_duckdb(path)
    con.execute(f"CREATE TABLE t AS SELECT random() AS a, random() AS b FROM range({rows})")
    con.close()


def totals(result):
    for phase in ("cold", "warm"):
        if phase not in result:
            continue
        file_total = sum(e["seconds"] for e in result[phase]["file"].values())
        layered_total = sum(e["seconds"] for e in result[phase]["layered"].values())
        result[f"{phase}_total_file_seconds"] = file_total
        result[f"{phase}_total_layered_seconds"] = layered_total
        result[f"{phase}_ratio"] = layered_total / file_total


def run(sf, runs, commits, skip_cold=False):
    started = time.time()
    db_path, meta = rb.generate_data(sf)
    tpch = rb.find_extension("duckdb_extension_tpch", "tpch")
    if not tpch:
        sys.exit("tpch extension not found: install duckdb-extension-tpch (scripts/install_deps.sh does)")
    con = rb.connect_duckdb()
    con.execute(f"LOAD '{tpch}'")
    queries = con.execute("SELECT query_nr, query FROM tpch_queries() ORDER BY 1").fetchall()
    con.close()
    result = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": rb.machine_info(),
              "config": {"sf": sf, "warm_runs": runs, "warm_warmup_runs": 1, "commit_transactions": commits,
                         "server_binary": rb.OPENDUCK_BIN, "extension": rb.OPENDUCK_EXT}}
    workdir = tempfile.mkdtemp(prefix="storage-", dir=rb.RESULTS_DIR)
    servers = {}
    try:
        dirs = prepare_data_dirs(db_path, workdir)
        # About 10 MB and just over 1 GB (64x less at SF 0.1), for clone times by size.
        for name, rows in (("small", 600_000), ("big", 75_000_000 if sf >= 1 else 1_000_000)):
            make_database(os.path.join(workdir, f"{name}.duckdb"), rows)
            shutil.copyfile(os.path.join(workdir, f"{name}.duckdb"), os.path.join(dirs["layered"], f"{name}.duckdb"))
        result["first_open"] = first_open(dirs)
        if not skip_cold:
            result["cold"] = cold_runs(dirs, queries)
        for store in STORES:
            servers[store] = start_server(store, dirs[store])
        con = new_connection()
        clients = {store: Client(con, servers[store], f"src_{store}") for store in STORES}
        result["warm"] = warm_runs(clients, queries, runs)
        con.close()
        result["commit"] = commit_latency(servers, commits, warmup=20)
        result["snapshots"] = snapshot_measures(servers["layered"], dirs["layered"], os.path.join(workdir, "small.duckdb"),
                                                os.path.join(workdir, "big.duckdb"), commits=20)
        result["commit_s3"] = s3_commit_latency(workdir, min(commits, 200))
        for store in STORES:
            result.setdefault("server_peak_rss_bytes", {})[store] = rb.read_proc_status(servers[store].pid).get("VmHWM")
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    totals(result)
    result["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    result["total_seconds"] = round(time.time() - started, 1)
    return result


# --------------------------------------------------------------------------- report

def render(result):
    sf = rb.sf_label(result["config"]["sf"])
    lines = [f"### Layered storage vs a plain DuckDB file, TPC-H SF{sf}", ""]
    lines.append(f"Warm: best of {result['config']['warm_runs']} runs after a warm-up, stores alternating per query. "
                 "Cold: a freshly started server per query (OS page cache left warm). Commit: single-row INSERT "
                 f"transactions in autocommit, {result['config']['commit_transactions']} per store.")
    lines.append("")
    lines.append("| measure | plain file | layered | layered / plain | target |")
    lines.append("|---|---|---|---|---|")
    if "warm" in result:
        ratio = result["warm_ratio"]
        lines.append(f"| TPC-H 22 queries, warm, total | {result['warm_total_file_seconds']:.3f} s | "
                     f"{result['warm_total_layered_seconds']:.3f} s | {ratio:.3f}x | <= {TARGET_WARM_RATIO:.2f}x "
                     f"({'met' if ratio <= TARGET_WARM_RATIO else 'missed'}) |")
    if "cold" in result:
        lines.append(f"| TPC-H 22 queries, cold, total | {result['cold_total_file_seconds']:.3f} s | "
                     f"{result['cold_total_layered_seconds']:.3f} s | {result['cold_ratio']:.3f}x | reported |")
    if "commit" in result:
        for key in ("p50_ms", "p99_ms"):
            plain = result["commit"]["file"][key]
            layered = result["commit"]["layered"][key]
            lines.append(f"| commit latency {key[:3]} | {plain:.2f} ms | {layered:.2f} ms | "
                         f"{layered / plain:.2f}x | reported |")
    if "commit_s3" in result:
        for key in ("p50_ms", "p99_ms"):
            lines.append(f"| commit latency {key[:3]}, S3-compatible store (moto) | — | "
                         f"{result['commit_s3'][key]:.2f} ms | — | reported |")
    snapshots = result.get("snapshots")
    if snapshots:
        clone = snapshots["clone"]
        lines.append(f"| clone, {clone['small']['database_bytes'] / 1e6:.0f} MB database, p50 | — | "
                     f"{clone['small']['p50_ms']:.1f} ms | — | <= 50 ms |")
        lines.append(f"| clone, {clone['big']['database_bytes'] / 1e6:.0f} MB database, p50 | — | "
                     f"{clone['big']['p50_ms']:.1f} ms | — | <= 50 ms, same as small |")
        lines.append(f"| clone, TPC-H database ({clone['bench']['database_bytes'] / 1e6:.0f} MB), p50 | — | "
                     f"{clone['bench']['p50_ms']:.1f} ms | — | reported |")
        lines.append(f"| snapshot open + first query, p50 | — | {snapshots['snapshot_open']['p50_ms']:.1f} ms | — | "
                     f"<= 1 s |")
        fresh = snapshots["replica_freshness"]
        lines.append(f"| replica freshness after commit, p50 / max | — | {fresh['p50_ms']:.1f} / "
                     f"{fresh['max_ms']:.1f} ms | — | <= 1 s |")
    first = result.get("first_open", {})
    if first:
        lines.append(f"| first open (layered: import) | {first['file']['first_open_seconds']:.2f} s | "
                     f"{first['layered']['first_open_seconds']:.2f} s | — | reported |")
    lines += ["", "| query | warm plain s | warm layered s | warm ratio | cold plain s | cold layered s | cold ratio |",
              "|---|---|---|---|---|---|---|"]
    for number in sorted(result.get("warm", {}).get("file", {}), key=int):
        warm_plain = result["warm"]["file"][number]["seconds"]
        warm_layered = result["warm"]["layered"][number]["seconds"]
        row = f"| Q{int(number):02d} | {warm_plain:.4f} | {warm_layered:.4f} | {warm_layered / warm_plain:.2f}x |"
        if "cold" in result:
            cold_plain = result["cold"]["file"][number]["seconds"]
            cold_layered = result["cold"]["layered"][number]["seconds"]
            row += f" {cold_plain:.4f} | {cold_layered:.4f} | {cold_layered / cold_plain:.2f}x |"
        else:
            row += " — | — | — |"
        lines.append(row)
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sf", type=float, default=None, help="TPC-H scale factor (default 1, 0.1 with --quick)")
    parser.add_argument("--runs", type=int, default=None, help="timed warm runs per query (default 5, 2 quick)")
    parser.add_argument("--commits", type=int, default=None, help="timed INSERT transactions per store "
                                                                    "(default 500, 100 quick)")
    parser.add_argument("--quick", action="store_true", help="fast smoke run: SF 0.1, fewer runs")
    parser.add_argument("--skip-cold", action="store_true", help="skip the cold runs (one server start per query)")
    parser.add_argument("--build-dir", help="build directory to measure (default: build)")
    parser.add_argument("--server-binary", help="openduck binary (default: <build-dir>/bin/openduck)")
    parser.add_argument("--extension", help="openduck extension (default: <build-dir>/extension/...)")
    parser.add_argument("--output", default=RESULTS_PATH, help=f"results JSON (default {RESULTS_PATH})")
    args = parser.parse_args()
    if args.build_dir:
        rb.OPENDUCK_BIN, rb.OPENDUCK_EXT = rb.build_paths(os.path.abspath(args.build_dir))
    rb.OPENDUCK_BIN = os.path.abspath(args.server_binary) if args.server_binary else rb.OPENDUCK_BIN
    rb.OPENDUCK_EXT = os.path.abspath(args.extension) if args.extension else rb.OPENDUCK_EXT
    for path in (rb.OPENDUCK_BIN, rb.OPENDUCK_EXT):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: build the openduck and openduck_extension targets first")
    sf = args.sf if args.sf is not None else (0.1 if args.quick else 1.0)
    runs = args.runs or (2 if args.quick else 5)
    commits = args.commits or (100 if args.quick else 500)
    result = run(sf, runs, commits, skip_cold=args.skip_cold)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump(result, f, indent=2)
    print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
