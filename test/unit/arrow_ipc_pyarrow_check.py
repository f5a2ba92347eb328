#!/usr/bin/env python3
"""Checks OpenDuck's Arrow IPC codec against pyarrow (the reference implementation).

Usage:
    arrow_ipc_pyarrow_check.py DUMPFILE [--unit-tests BINARY]

DUMPFILE is a stream written by the C++ writer (run the unit tests with OPENDUCK_IPC_DUMP=DUMPFILE
--gtest_filter=ArrowIpcInterop.DumpStreamForPyarrow). pyarrow must read it, fully validate it and
see the expected types and values.

With --unit-tests, the reverse direction is checked as well: pyarrow writes a stream with every
Arrow type (including ones DuckDB never produces), the C++ reader decodes it and the C++ writer
re-encodes it (ArrowIpcInterop.ReadPyarrowStream), and pyarrow must read back an equal table.
"""

import argparse
import datetime
import decimal
import math
import os
import subprocess
import sys
import tempfile

import pyarrow as pa
import pyarrow.ipc as ipc


def check_dump(path):
    with open(path, "rb") as f:
        reader = ipc.open_stream(f)
        table = reader.read_all()
    table.validate(full=True)
    schema = table.schema
    names = set(schema.names)
    expected_columns = {"i", "c_bool", "c_hugeint", "c_uuid", "c_enum", "c_list", "c_map", "c_union", "c_array"}
    missing = expected_columns - names
    assert not missing, f"missing columns {missing}"
    # The dump skips the first 3 rows of every chunk; column i tells which rows arrived.
    rows = table.column("i").to_pylist()
    assert len(rows) > 0 and rows[0] == 3, rows[:5]

    def column(name):
        return table.column(name).to_pylist()

    def check(name, expected_of_row):
        values = column(name)
        for i, value in zip(rows, values):
            expected = None if i % 7 == shift_of[name] else expected_of_row(i)
            if isinstance(expected, float) and math.isnan(expected):
                assert value is not None and math.isnan(value), (name, i, value)
            else:
                assert value == expected, (name, i, value, expected)

    # Column position in the query decides its NULL pattern (see Select() in arrow_ipc_test.cpp).
    shift_of = {name: (index - 1) % 7 for index, name in enumerate(schema.names)}

    # Lossless DuckDB exports BOOLEAN as the canonical arrow.bool8 extension.
    assert schema.field("c_bool").type in (pa.bool_(), pa.bool8()), schema.field("c_bool").type
    check("c_bool", lambda i: i % 2 == 0)
    assert schema.field("c_tinyint").type == pa.int8()
    check("c_tinyint", lambda i: i % 256 - 128)
    assert schema.field("c_ubigint").type == pa.uint64()
    check("c_ubigint", lambda i: 18446744073709551615 - i)
    assert schema.field("c_dec18").type == pa.decimal128(18, 3)
    check("c_dec18", lambda i: decimal.Decimal(("-" if i % 2 == 0 else "") + str(i * 104729) + "." + str(i % 1000).zfill(3)))

    def varchar(i):
        k = i % 5
        if k == 0:
            return ""
        if k == 1:
            return "short" + str(i)
        if k == 2:
            return "ünïcödé ✓ 漢字 🦆 " + str(i)
        if k == 3:
            return ("long string " + str(i)) * 40
        return "ß" * 300000 if i == 4 else "x"

    check("c_varchar", varchar)
    check("c_double", lambda i: [math.nan, -0.0, math.inf, -math.inf, i / 7.0, i / 7.0][i % 6])
    neg_zero = [v for i, v in zip(rows, column("c_double")) if i % 6 == 1 and v is not None]
    assert all(math.copysign(1, v) < 0 for v in neg_zero), "-0.0 lost its sign"
    check("c_date", lambda i: datetime.date(1970, 1, 1) + datetime.timedelta(days=i * 37 - 50000))
    check("c_list", lambda i: [] if i % 4 == 0 else [i, None, i + 1])
    check("c_array", lambda i: [i, i + 1, None])
    assert pa.types.is_fixed_size_list(schema.field("c_array").type)
    check("c_struct", lambda i: {"a": i, "b": None if i % 3 == 0 else "x" + str(i), "c": [i]})
    check("c_map", lambda i: [] if i % 3 == 0 else [("k" + str(i), i), ("z", None)])
    enum_type = schema.field("c_enum").type
    assert pa.types.is_dictionary(enum_type), enum_type
    check("c_enum", lambda i: ["sad", "ok", "happy", "ünïcode ☺"][i % 4])
    union_type = schema.field("c_union").type
    assert pa.types.is_union(union_type), union_type
    # Extension metadata must survive: pyarrow turns it into extension types.
    assert schema.field("c_uuid").type == pa.uuid(), schema.field("c_uuid").type
    assert "hugeint" in str(schema.field("c_hugeint").type), schema.field("c_hugeint").type
    print(f"pyarrow read {table.num_rows} rows x {table.num_columns} columns from {path}: OK")


def reference_table():
    """A table with every Arrow type the codec knows, NULLs, and sliced columns."""
    n = 300
    ints = [None if i % 5 == 0 else i - 150 for i in range(n)]
    strings = [None if i % 6 == 0 else ("värde " * (i % 4)) + str(i) for i in range(n)]
    lists = [None if i % 4 == 0 else [j for j in range(i % 5)] for i in range(n)]
    columns = {
        "null": pa.nulls(n),
        "bool": pa.array([None if i % 3 == 0 else i % 2 == 0 for i in range(n)]),
        "int8": pa.array([None if v is None else v % 100 - 50 for v in ints], pa.int8()),
        "uint16": pa.array([None if v is None else v + 150 for v in ints], pa.uint16()),
        "int32": pa.array(ints, pa.int32()),
        "uint64": pa.array([None if v is None else (v + 150) * 2**50 for v in ints], pa.uint64()),
        "float16": pa.array([None if v is None else float(v) for v in ints], pa.float32()).cast(pa.float16()),
        "float32": pa.array([None if v is None else v / 3 for v in ints], pa.float32()),
        "float64": pa.array([None if v is None else v / 7 for v in ints], pa.float64()),
        "decimal32": pa.array([None if v is None else decimal.Decimal(v) / 100 for v in ints], pa.decimal32(7, 2)),
        "decimal64": pa.array([None if v is None else decimal.Decimal(v) / 100 for v in ints], pa.decimal64(15, 2)),
        "decimal128": pa.array([None if v is None else decimal.Decimal(v) / 100 for v in ints], pa.decimal128(30, 2)),
        "decimal256": pa.array([None if v is None else decimal.Decimal(v) / 100 for v in ints], pa.decimal256(60, 2)),
        "date32": pa.array(ints, pa.int32()).cast(pa.date32()),
        "date64": pa.array([None if v is None else v * 86400000 for v in ints], pa.int64()).cast(pa.date64()),
        "time32s": pa.array([None if v is None else v + 150 for v in ints], pa.int32()).cast(pa.time32("s")),
        "time32ms": pa.array([None if v is None else v + 150 for v in ints], pa.int32()).cast(pa.time32("ms")),
        "time64us": pa.array([None if v is None else v + 150 for v in ints], pa.int64()).cast(pa.time64("us")),
        "time64ns": pa.array([None if v is None else v + 150 for v in ints], pa.int64()).cast(pa.time64("ns")),
        "timestamp_s": pa.array(ints, pa.int64()).cast(pa.timestamp("s")),
        "timestamp_ms_tz": pa.array(ints, pa.int64()).cast(pa.timestamp("ms", tz="Europe/Amsterdam")),
        "timestamp_us": pa.array(ints, pa.int64()).cast(pa.timestamp("us")),
        "timestamp_ns_tz": pa.array(ints, pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
        "duration_s": pa.array(ints, pa.int64()).cast(pa.duration("s")),
        "duration_ns": pa.array(ints, pa.int64()).cast(pa.duration("ns")),
        "interval_mdn": pa.array([None if v is None else pa.MonthDayNano([v, v * 2, v * 1000]) for v in ints],
                                 pa.month_day_nano_interval()),
        "binary": pa.array([None if s is None else s.encode() for s in strings], pa.binary()),
        "large_binary": pa.array([None if s is None else s.encode() for s in strings], pa.large_binary()),
        "utf8": pa.array(strings, pa.string()),
        "large_utf8": pa.array(strings, pa.large_string()),
        "utf8_view": pa.array([None if s is None else s * 3 for s in strings], pa.string_view()),
        "binary_view": pa.array([None if s is None else s.encode() * 2 for s in strings], pa.binary_view()),
        "fixed_binary": pa.array([None if v is None else (v + 150).to_bytes(4, "little") for v in ints],
                                 pa.binary(4)),
        "list": pa.array(lists, pa.list_(pa.int64())),
        "large_list": pa.array([None if l is None else [str(x) for x in l] for l in lists], pa.large_list(pa.string())),
        "list_view": pa.array(lists, pa.list_view(pa.int32())),
        "large_list_view": pa.array(lists, pa.large_list_view(pa.int16())),
        "fixed_list": pa.array([None if v is None else [v, v + 1] for v in ints], pa.list_(pa.int32(), 2)),
        "struct": pa.array([None if v is None else {"a": v, "b": str(v)} for v in ints],
                           pa.struct([("a", pa.int32()), ("b", pa.string())])),
        "map": pa.array([None if v is None else [("k" + str(v), v), ("x", None)] for v in ints],
                        pa.map_(pa.string(), pa.int64())),
        "dict": pa.array([None if s is None else s[-1] for s in strings]).dictionary_encode(),
        "dict_int32": pa.DictionaryArray.from_arrays(
            pa.array([None if v is None else (v + 150) % 3 for v in ints], pa.int32()), pa.array(["a", "b", "c"])),
        "ree": pa.RunEndEncodedArray.from_arrays(
            pa.array([(i + 1) * 10 for i in range(n // 10)], pa.int32()),
            pa.array([None if i % 3 == 0 else i for i in range(n // 10)], pa.int64())),
        "sparse_union": pa.UnionArray.from_sparse(
            pa.array([i % 2 for i in range(n)], pa.int8()),
            [pa.array(ints, pa.int32()), pa.array(strings, pa.string())]),
        "dense_union": pa.UnionArray.from_dense(
            pa.array([i % 2 for i in range(n)], pa.int8()),
            pa.array([i // 2 for i in range(n)], pa.int32()),
            [pa.array(ints[: n // 2], pa.int64()), pa.array(strings[: n // 2], pa.string())]),
        "nested": pa.array([None if l is None else [{"x": [x, None], "y": {"z": str(x)}} for x in l] for l in lists]),
    }
    field_metadata = {b"ARROW:extension:name": b"custom.thing", b"k": b"v\x00binary"}
    fields = []
    for name, array in columns.items():
        fields.append(pa.field(name, array.type, nullable=name != "bool", metadata=field_metadata if name == "int32" else None))
    schema = pa.schema(fields, metadata={b"table": b"reference"})
    table = pa.Table.from_arrays(list(columns.values()), schema=schema)
    return table


def check_roundtrip(unit_tests):
    table = reference_table()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "pyarrow.arrows")
        with open(path, "wb") as f:
            with ipc.new_stream(f, table.schema) as writer:
                # Whole batches, plus sliced ones (pyarrow writes slices with rebased offsets
                # and shifted bitmaps; non-zero first offsets come from the slice at 7).
                writer.write_table(table, max_chunksize=128)
                writer.write_table(table.slice(7, 100))
        environment = dict(os.environ, OPENDUCK_IPC_PYARROW_STREAM=path)
        subprocess.run([unit_tests, "--gtest_filter=ArrowIpcInterop.ReadPyarrowStream"], env=environment,
                       check=True, stdout=subprocess.DEVNULL)
        with open(path + ".roundtrip", "rb") as f:
            result = ipc.open_stream(f).read_all()
    result.validate(full=True)
    expected = pa.concat_tables([table, table.slice(7, 100)])
    assert result.schema.equals(expected.schema, check_metadata=True), f"{result.schema}\n!=\n{expected.schema}"
    for name in expected.column_names:
        assert result.column(name).equals(expected.column(name)), name
    print(f"pyarrow -> OpenDuck reader -> OpenDuck writer -> pyarrow: {result.num_columns} columns equal: OK")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dumpfile")
    parser.add_argument("--unit-tests", help="openduck_unit_tests binary for the pyarrow -> C++ direction")
    arguments = parser.parse_args()
    check_dump(arguments.dumpfile)
    if arguments.unit_tests:
        check_roundtrip(arguments.unit_tests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
