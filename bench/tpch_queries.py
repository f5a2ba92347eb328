#!/usr/bin/env python3
"""TPC-H's 22 queries with every table remote, against the same queries on the local file.

The server gets a copy of the TPC-H file; the client attaches it and runs each query with
`USE`, so the queries are the standard text. Each query is timed (median of the timed runs),
and the bytes the server sent for it are read from its query log. The local side attaches
the same file read-only in the same client process.

    .venv/bin/python bench/tpch_queries.py            # SF1, 1 warm-up + 3 timed runs
    .venv/bin/python bench/tpch_queries.py --sf 0.1   # quick

run_benchmarks.py calls run() and renders() as part of a full run.
"""

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_benchmarks as rb  # noqa: E402  (shares data generation and server start)

LOG_LINE = re.compile(r" query database=\S+ duration_ms=\S+ rows=(\d+) bytes=(\d+) status=(\S+)")


def result_bytes(rows):
    """Rough in-memory size of a result: 8 bytes per number, string bytes for text."""
    total = 0
    for row in rows:
        for value in row:
            total += len(value.encode()) if isinstance(value, str) else 8
    return total


def time_queries(con, queries, runs, warmup, server=None):
    out = {}
    for number, sql in queries:
        seen = len(server.log_text().splitlines()) if server else 0
        times = []
        rows = None
        for attempt in range(warmup + runs):
            started = time.perf_counter()
            rows = con.execute(sql).fetchall()
            if attempt >= warmup:
                times.append(time.perf_counter() - started)
        entry = {"seconds": statistics.median(times), "rows": len(rows), "result_bytes": result_bytes(rows)}
        if server:
            # Give the server a moment to write its last log line.
            time.sleep(0.05)
            lines = server.log_text().splitlines()[seen:]
            sent = [LOG_LINE.search(line) for line in lines]
            sent = [m for m in sent if m]
            entry["server_queries"] = len(sent)
            entry["bytes_sent_per_run"] = sum(int(m.group(2)) for m in sent) / (warmup + runs)
            entry["failed"] = sum(1 for m in sent if m.group(3) != "ok")
        out[number] = entry
    return out


def run(sf, runs=3, warmup=1):
    db_path, _ = rb.generate_data(sf)
    tpch = rb.find_extension("duckdb_extension_tpch", "tpch")
    workdir = tempfile.mkdtemp(prefix="openduck-tpch-")
    con = rb.connect_duckdb()
    con.execute(f"LOAD '{tpch}'")
    queries = con.execute("SELECT query_nr, query FROM tpch_queries() ORDER BY 1").fetchall()
    con.execute(f"ATTACH '{db_path}' AS local_src (READ_ONLY)")
    con.execute("USE local_src")
    rb.log(f"TPC-H SF{rb.sf_label(sf)}: 22 queries, local")
    local = time_queries(con, queries, runs, warmup)
    server = rb.start_openduck(db_path, workdir)
    try:
        con.execute(f"LOAD '{rb.OPENDUCK_EXT}'")
        con.execute(f"ATTACH 'openduck:{rb.SERVER_DB_NAME}?endpoint={server.endpoint}&token={rb.TOKEN}' "
                    "AS remote_src (READ_ONLY)")
        con.execute("USE remote_src")
        rb.log(f"TPC-H SF{rb.sf_label(sf)}: 22 queries, OpenDuck")
        remote = time_queries(con, queries, runs, warmup, server)
        pushed = 0
        for number, sql in queries:
            plan = "\n".join(str(v) for row in con.execute("EXPLAIN " + sql).fetchall() for v in row)
            remote[number]["pushed_whole"] = plan.count("Remote SQL") == 1 and "OPENDUCK_SCAN" not in plan
            pushed += remote[number]["pushed_whole"]
    finally:
        server.stop()
        con.close()
    total_local = sum(e["seconds"] for e in local.values())
    total_remote = sum(e["seconds"] for e in remote.values())
    return {
        "sf": sf, "runs": runs, "warmup": warmup,
        "local": local, "openduck": remote,
        "total_local_seconds": total_local, "total_openduck_seconds": total_remote,
        "ratio": total_remote / total_local, "pushed_whole": pushed,
    }


def render(result):
    sf = rb.sf_label(result["sf"])
    lines = [
        f"### TPC-H SF{sf}, 22 queries, every table remote",
        "",
        f"Each query: {result['warmup']} warm-up and {result['runs']} timed runs, median. Local DuckDB runs the "
        "same text on the same file in the same client process; OpenDuck runs it after `USE` of the attach. "
        "Bytes sent are the server's own count (Arrow IPC on the wire) per run, describe requests included.",
        "",
        f"Total: OpenDuck {result['total_openduck_seconds']:.3f} s, local {result['total_local_seconds']:.3f} s, "
        f"ratio **{result['ratio']:.2f}x** (target at most 1.2x). Pushed whole: {result['pushed_whole']} of 22.",
        "",
        "| query | local s | OpenDuck s | ratio | result rows | bytes sent per run | pushed whole |",
        "|---|---|---|---|---|---|---|",
    ]
    for number in sorted(result["local"], key=int):
        local = result["local"][number]
        remote = result["openduck"][number]
        lines.append(
            f"| Q{int(number):02d} | {local['seconds']:.4f} | {remote['seconds']:.4f} | "
            f"{remote['seconds'] / local['seconds']:.2f}x | {remote['rows']} | "
            f"{remote['bytes_sent_per_run']:,.0f} | {'yes' if remote['pushed_whole'] else 'no'} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sf", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()
    result = run(args.sf, args.runs, args.warmup)
    os.makedirs(rb.RESULTS_DIR, exist_ok=True)
    path = os.path.join(rb.RESULTS_DIR, f"tpch_queries_sf{rb.sf_label(args.sf)}.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    print(render(result))


if __name__ == "__main__":
    main()
