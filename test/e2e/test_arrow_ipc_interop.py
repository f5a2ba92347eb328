"""Our Arrow IPC codec against pyarrow, the reference implementation, in both directions.

The C++ writer's stream (every DuckDB type) must be read and fully validated by pyarrow, and a
stream pyarrow writes (every Arrow type) must survive our reader and writer unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNIT_TESTS = REPO / "build" / "bin" / "openduck_unit_tests"
CHECK_SCRIPT = REPO / "test" / "unit" / "arrow_ipc_pyarrow_check.py"


@pytest.fixture(scope="module")
def unit_tests():
    if not UNIT_TESTS.exists():
        pytest.fail(f"{UNIT_TESTS} is missing: run `make build`", pytrace=False)
    return UNIT_TESTS


def test_pyarrow_reads_our_stream_and_we_read_pyarrows(unit_tests, tmp_path):
    dump = tmp_path / "duckdb_types.arrows"
    env = dict(os.environ, OPENDUCK_IPC_DUMP=str(dump))
    produced = subprocess.run(
        [str(unit_tests), "--gtest_filter=ArrowIpcInterop.DumpStreamForPyarrow"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert produced.returncode == 0, produced.stdout + produced.stderr
    assert dump.stat().st_size > 0
    checked = subprocess.run(
        [sys.executable, str(CHECK_SCRIPT), str(dump), "--unit-tests", str(unit_tests)],
        capture_output=True, text=True, timeout=300,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
