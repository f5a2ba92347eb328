"""Comparing query results rendered as text (values, then their DuckDB types), for the randomized
pushdown test: exact, except for floats (tolerance, NaN = NaN) and for which of several equal values
(-0.0 and 0.0, '1 month' and '30 days') a DISTINCT or GROUP BY shows."""

from __future__ import annotations

import math
import re
from typing import Optional, Sequence

import pushdown_support as pds


def text_rows_differ(want: Sequence[tuple], got: Sequence[tuple], types: Sequence[str], ordered: bool,
                     rel_tol: float) -> Optional[str]:
    """None when equal (as a multiset unless `ordered`), else the first difference."""
    float_columns = [i for i, name in enumerate(types) if name in pds.FLOAT_TYPES]
    if ordered:
        return pds.first_difference(want, got, float_columns, rel_tol)
    key = multiset_key(float_columns)
    difference = pds.first_difference(sorted(want, key=key), sorted(got, key=key), float_columns, rel_tol)
    interval_columns = [i for i, name in enumerate(types) if name == "INTERVAL"]
    if difference is None or not interval_columns:
        return difference
    # DISTINCT, UNION and GROUP BY keep one of several equal intervals ('1 month' = '30 days'), and
    # which one is left open; compare those columns by value when the text differs.
    want = [normalize_intervals(row, interval_columns) for row in want]
    got = [normalize_intervals(row, interval_columns) for row in got]
    if pds.first_difference(sorted(want, key=key), sorted(got, key=key), float_columns, rel_tol) is None:
        return None
    return difference


MICROS_PER_DAY = 86_400_000_000
_INTERVAL_PART = re.compile(r"(-?\d+) (year|month|day)s?")
_INTERVAL_TIME = re.compile(r"(-?)(\d+):(\d+):(\d+)(?:\.(\d+))?$")


def interval_micros(text: Optional[str]) -> Optional[str]:
    """DuckDB's interval equality as one number: a month is 30 days. Kept as text, like the other values."""
    if text is None:
        return None
    months = days = micros = 0
    for amount, unit in _INTERVAL_PART.findall(text):
        if unit == "year":
            months += 12 * int(amount)
        elif unit == "month":
            months += int(amount)
        else:
            days += int(amount)
    time = _INTERVAL_TIME.search(text)
    if time:
        sign, hours, minutes, seconds, fraction = time.groups()
        micros = ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1_000_000 + int((fraction or "0").ljust(6, "0"))
        micros = -micros if sign else micros
    return str((months * 30 + days) * MICROS_PER_DAY + micros)


def normalize_intervals(row: tuple, columns: Sequence[int]) -> tuple:
    return tuple(interval_micros(value) if index in columns else value for index, value in enumerate(row))


def multiset_key(float_columns: Sequence[int]):
    """Sorts float columns by value: a group of -0.0 and 0.0 may show either one (SQL leaves the
    representative of equal values open), and both must land in the same place."""

    def key(row: tuple) -> tuple:
        parts = []
        for index, value in enumerate(row):
            if value is None:
                parts.append((1, 0, 0.0, ""))
            elif index in float_columns:
                number = float(value)
                parts.append((0, int(math.isnan(number)), 0.0 if math.isnan(number) else number + 0.0, ""))
            else:
                parts.append((0, 0, 0.0, value))
        return tuple(parts)

    return key
