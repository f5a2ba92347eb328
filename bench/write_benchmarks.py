#!/usr/bin/env python3
"""Writes into a remote database: bulk upload and single-row INSERT transactions.

* Bulk upload: `INSERT INTO <db>.lineitem SELECT * FROM local_lineitem` (TPC-H lineitem), into an
  empty table created beforehand; rows per second over the whole statement, commit included.
* Single-row INSERT transactions: `INSERT INTO <db>.t VALUES (?, ?)` as prepared statements in
  autocommit mode (each its own transaction on the server), from one client and from 8 client
  processes at once; transactions per second.

Local DuckDB (the same statements into a local file) and DuckDB's Quack protocol (when the quack
extension is installed and accepts the writes) are measured in the same run.

    .venv/bin/python bench/write_benchmarks.py --sf 0.1   # quick
run_benchmarks.py calls run() and render() as part of a full run.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_benchmarks as rb  # noqa: E402  (shares data generation and server start)

SINGLE_ROW_INSERTS = 2000
CONCURRENT_CLIENTS = 8
CONCURRENT_INSERTS_EACH = 500

CLIENT_CODE = r"""
import duckdb, json, sys, time
spec = json.loads(sys.argv[1])
con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
for statement in spec["setup"]:
    con.execute(statement)
start = time.time()
while time.time() < spec["start_at"]:
    time.sleep(0.001)
began = time.time()
for i in range(spec["count"]):
    con.execute(spec["sql"], [spec["first_id"] + i, "row"])
print(json.dumps({"began": began, "ended": time.time()}))
"""


def attach_statements(system, spec):
    if system == "openduck":
        return [f"LOAD '{rb.OPENDUCK_EXT}'",
                f"ATTACH 'openduck:{rb.SERVER_DB_NAME}?endpoint={spec['endpoint']}&token={rb.TOKEN}' AS dst"]
    if system == "quack":
        return [f"LOAD '{spec['httpfs']}'", f"LOAD '{spec['quack']}'",
                f"CREATE SECRET (TYPE quack, TOKEN '{rb.TOKEN}')", f"ATTACH '{spec['uri']}' AS dst"]
    return [f"ATTACH '{spec['local_path']}' AS dst"]


def bulk_upload(system, spec, db_path, rows):
    con = rb.connect_duckdb()
    try:
        for statement in attach_statements(system, spec):
            con.execute(statement)
        con.execute(f"ATTACH '{db_path}' AS src (READ_ONLY)")
        con.execute("CREATE TABLE dst.lineitem AS FROM src.lineitem LIMIT 0")
        started = time.perf_counter()
        con.execute("INSERT INTO dst.lineitem SELECT * FROM src.lineitem")
        seconds = time.perf_counter() - started
        count = con.execute("SELECT count(*) FROM dst.lineitem").fetchone()[0]
        if count != rows:
            raise RuntimeError(f"{count} rows arrived, {rows} sent")
        return {"seconds": seconds, "rows": rows, "rows_per_s": rows / seconds}
    finally:
        con.close()


def single_row(system, spec, clients, each, table):
    setup = attach_statements(system, spec)
    con = rb.connect_duckdb()
    for statement in setup:
        con.execute(statement)
    con.execute(f"CREATE TABLE dst.{table} (id BIGINT, v VARCHAR)")
    con.close()
    start_at = time.time() + 3 + clients * 0.5
    procs = []
    for c in range(clients):
        client_spec = {"setup": setup, "start_at": start_at, "count": each, "first_id": c * each,
                       "sql": f"INSERT INTO dst.{table} VALUES (?, ?)"}
        procs.append(subprocess.Popen([sys.executable, "-c", CLIENT_CODE, json.dumps(client_spec)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    spans = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"insert client failed: {err.strip()[-500:]}")
        spans.append(json.loads(out.strip().splitlines()[-1]))
    seconds = max(s["ended"] for s in spans) - min(s["began"] for s in spans)
    total = clients * each
    return {"clients": clients, "transactions": total, "seconds": seconds, "per_s": total / seconds}


def measure_system(system, spec, db_path, rows, out):
    for name, run_it in (("bulk_upload", lambda: bulk_upload(system, spec, db_path, rows)),
                         ("single_row_1", lambda: single_row(system, spec, 1, SINGLE_ROW_INSERTS, "one_client")),
                         ("single_row_8", lambda: single_row(system, spec, CONCURRENT_CLIENTS,
                                                             CONCURRENT_INSERTS_EACH, "eight_clients"))):
        if system == "local" and name == "single_row_8":
            out.setdefault("errors", {})[f"{name}/{system}"] = "a DuckDB file takes one writing process"
            continue
        rb.log(f"writes: {name} / {system}")
        try:
            out.setdefault(name, {})[system] = run_it()
            rb.log(f"  {out[name][system]}")
        except Exception as e:  # noqa: BLE001 - a system that cannot do it is reported, not fatal
            out.setdefault("errors", {})[f"{name}/{system}"] = str(e).strip().splitlines()[-1][:300]
            rb.log(f"  failed: {out['errors'][f'{name}/{system}']}")


def run(sf):
    db_path, meta = rb.generate_data(sf)
    rows = meta["lineitem_rows"]
    workdir = tempfile.mkdtemp(prefix="openduck-writes-")
    out = {"sf": sf, "lineitem_rows": rows}
    spec = {"local_path": os.path.join(workdir, "local-target.duckdb")}
    measure_system("local", spec, db_path, rows, out)
    # An empty server database: start_openduck serves a copy of the file it is given.
    empty = os.path.join(workdir, "empty.duckdb")
    rb.connect_duckdb(empty).close()
    server = rb.start_openduck(empty, workdir)
    try:
        spec["endpoint"] = server.endpoint
        measure_system("openduck", spec, db_path, rows, out)
    finally:
        server.stop()
    quack_ext = rb.find_extension("duckdb_extension_quack", "quack")
    if quack_ext:
        httpfs, error = rb.ensure_httpfs()
        if error:
            out.setdefault("errors", {})["quack"] = error
        else:
            quack_db = os.path.join(workdir, "quack-target.duckdb")
            rb.connect_duckdb(quack_db).close()
            quack = rb.start_quack(quack_db, workdir, httpfs, quack_ext, read_write=True)
            try:
                spec.update(httpfs=httpfs, quack=quack_ext, uri=quack.uri)
                measure_system("quack", spec, db_path, rows, out)
            finally:
                quack.stop()
    else:
        out.setdefault("errors", {})["quack"] = "quack extension not installed"
    shutil.rmtree(workdir, ignore_errors=True)
    return out


def render(result):
    def cell(name, system, key, fmt):
        entry = result.get(name, {}).get(system)
        if entry is None:
            error = result.get("errors", {}).get(f"{name}/{system}")
            return f"failed: {error}" if error else "n/a"
        return fmt.format(entry[key])

    sf = rb.sf_label(result["sf"])
    bulk = result.get("bulk_upload", {}).get("openduck", {}).get("rows_per_s")
    one = result.get("single_row_1", {}).get("openduck", {}).get("per_s")
    lines = [
        "### Writes",
        "",
        f"Bulk upload: `INSERT INTO <db>.lineitem SELECT * FROM local lineitem`, TPC-H SF{sf} "
        f"({result['lineitem_rows']:,} rows), commit included. Single-row: prepared `INSERT ... VALUES (?, ?)` in "
        f"autocommit, {SINGLE_ROW_INSERTS} from one client; {CONCURRENT_CLIENTS} client processes × "
        f"{CONCURRENT_INSERTS_EACH} at once.",
        "",
        "| measure | target | OpenDuck | local DuckDB file | Quack | target met |",
        "|---|---|---|---|---|---|",
        f"| bulk upload | ≥ 5M rows/s | {cell('bulk_upload', 'openduck', 'rows_per_s', '{:,.0f} rows/s')} | "
        f"{cell('bulk_upload', 'local', 'rows_per_s', '{:,.0f} rows/s')} | "
        f"{cell('bulk_upload', 'quack', 'rows_per_s', '{:,.0f} rows/s')} | "
        f"{'n/a' if bulk is None else ('yes' if bulk >= 5e6 else 'no')} |",
        f"| single-row INSERT transactions, 1 client | ≥ 1,000/s | "
        f"{cell('single_row_1', 'openduck', 'per_s', '{:,.0f}/s')} | "
        f"{cell('single_row_1', 'local', 'per_s', '{:,.0f}/s')} | "
        f"{cell('single_row_1', 'quack', 'per_s', '{:,.0f}/s')} | "
        f"{'n/a' if one is None else ('yes' if one >= 1000 else 'no')} |",
        f"| single-row INSERT transactions, {CONCURRENT_CLIENTS} clients | reported | "
        f"{cell('single_row_8', 'openduck', 'per_s', '{:,.0f}/s')} | "
        f"{cell('single_row_8', 'local', 'per_s', '{:,.0f}/s')} | "
        f"{cell('single_row_8', 'quack', 'per_s', '{:,.0f}/s')} | — |",
        "",
        "What limits these numbers:",
        "",
        "- Bulk upload: the client scans and encodes Arrow while the server decodes the batches and stores the "
        "rows, both on the same 2 cores; the local column only stores. The server stores an upload with every "
        "DuckDB thread (`openduck_upload()` hands out batches with batch indexes, so DuckDB's batch insert keeps "
        "the client's row order); until 2026-12-08 one thread did, and the same upload ran at 0.71-0.77 M rows/s. "
        "Storing, mostly compressing the row groups, is now the limit on both ends: local DuckDB itself stores "
        "lineitem at under 2 M rows/s here, so 5 M rows/s is out of reach of any system on this machine.",
        "- A single-row INSERT in autocommit makes two calls: `CheckCatalog`, which starts every transaction "
        "(so that another client's schema change is seen at once; one short call, no SQL), and the upload with "
        "its commit. The check runs while the client binds the statement against the catalog it holds (it binds "
        "again only when the answer shows a change), so only the part of it that outlasts binding adds latency.",
        "- The commit itself is one durable write: a single-row commit's layer (a few hundred bytes of WAL) is "
        "inlined in the metadata transaction instead of being written as an object first (a file, two fsyncs, a "
        "rename; or an S3 PUT). Measured on 2026-12-08 in the server's own log (p50 per upload, fresh database): "
        "1.98 ms before, 0.82 ms after, together with three other fixes of the same day: a seal walked every "
        "piece of the WAL (one per earlier commit), compaction rebuilt the whole extent map from every layer "
        "(every few commits on a 2 GB database), and SQLite prepared every statement of every commit again.",
        "- What is left is mostly CPU on both ends of a round trip: the client's DuckDB plans the statement "
        "twice (the first planning finds the remote table, the second builds the upload), and the server's "
        "DuckDB parses, plans and commits the upload statement; the two calls then wait for each other on 2 "
        "shared cores. Quack answers a single-row INSERT with one request.",
        "- The client's query thread no longer spins while a worker waits for the server's answer (the wait is a "
        "DuckDB async task), which is what lets 8 Python processes and the server share 2 cores.",
        "- Many rows per INSERT, or many INSERTs per transaction, is what makes remote writes fast.",
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sf", type=float, default=1.0)
    args = parser.parse_args()
    result = run(args.sf)
    os.makedirs(rb.RESULTS_DIR, exist_ok=True)
    with open(os.path.join(rb.RESULTS_DIR, f"writes_sf{rb.sf_label(args.sf)}.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(render(result))


if __name__ == "__main__":
    main()
