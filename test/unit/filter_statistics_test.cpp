// Remote column statistics (scan/remote_statistics): the client's optimizer prunes filters with
// them, so they must never be narrower than the data. The tests read DuckDB's own stats() text for
// tables full of edge values, rebuild statistics from it, and check them against every value.

// The parser belongs to the extension library, which this binary does not link: compile it here.
#include "duckdb.hpp"
#include "duckdb/planner/filter/constant_filter.hpp"
#include "duckdb/storage/statistics/numeric_stats.hpp"
#include "scan/remote_statistics.cpp"

#include <gtest/gtest.h>

using namespace duckdb;
using openduck::BuildRemoteStatisticsSQL;
using openduck::ParseRemoteStatistics;

namespace {

class FilterStatistics : public ::testing::Test {
protected:
	FilterStatistics() : db(nullptr), con(db) {
	}

	void SetUp() override {
		Run("CREATE TYPE mood AS ENUM ('zeta', 'alpha', 'mid')");
		Run("CREATE TABLE t (i INTEGER, b BIGINT, ti TINYINT, us USMALLINT, ub UBIGINT, h HUGEINT, uh UHUGEINT, "
		    "d DOUBLE, f FLOAT, nan DOUBLE, dec DECIMAL(38, 10), small_dec DECIMAL(4, 1), dt DATE, ts TIMESTAMP, "
		    "ts_s TIMESTAMP_S, ts_ms TIMESTAMP_MS, ts_ns TIMESTAMP_NS, tz TIMESTAMPTZ, tm TIME, bo BOOLEAN, s VARCHAR, "
		    "bl BLOB, e mood, l INTEGER[], st STRUCT(a INTEGER, b VARCHAR), iv INTERVAL, u UUID, only_null INTEGER, "
		    "never_null INTEGER)");
		Run("INSERT INTO t VALUES "
		    "(-2147483648, -9223372036854775808, -128, 0, 0, -170141183460469231731687303715884105728, 0, '-inf', "
		    "'-inf', 'nan', -9999999999999999999999999999.9999999999, -999.9, '5877642-06-25 (BC)', "
		    "'290309-12-22 (BC) 00:00:00', '1677-09-22 00:00:00', '1677-09-22 00:00:00', '1677-09-22 "
		    "00:12:43.145224192', "
		    "'1960-06-30 23:59:59.999999+00', '00:00:00', false, '', ''::BLOB, 'zeta', [], {'a': 1, 'b': 'x'}, "
		    "INTERVAL 1 MONTH, '00000000-0000-0000-0000-000000000000', NULL, 1),"
		    "(2147483647, 9223372036854775807, 127, 65535, 18446744073709551615, "
		    "170141183460469231731687303715884105727, 340282366920938463463374607431768211455, 'nan', 3.4e38, 'nan', "
		    "9999999999999999999999999999.9999999999, 999.9, 'infinity', 'infinity', '2262-04-11 23:47:16', "
		    "'2262-04-11 23:47:16.854', '2262-04-11 23:47:16.854775806', 'infinity', '24:00:00', true, 'ü it''s', "
		    "'\\xFF\\x00'::BLOB, 'mid', [1, NULL], NULL, INTERVAL 30 DAY, 'ffffffff-ffff-ffff-ffff-ffffffffffff', "
		    "NULL, 2),"
		    "(NULL, NULL, NULL, NULL, NULL, NULL, NULL, -0.0, -0.0, 'nan', NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
		    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 3),"
		    "(0, 42, 0, 7, 5, 0, 1, 1.5, 1.5, 'nan', 0.0000000001, 0.1, '2020-02-29', '2020-02-29 12:34:56.789012', "
		    "'2020-01-01 00:00:01', '2020-01-01 00:00:00.001', '2020-01-01 00:00:00.000000001', "
		    "'2020-01-01 00:00:00+00', '12:34:56.789', true, 'a longer string than eight bytes', 'x'::BLOB, 'alpha', "
		    "[3], {'a': NULL, 'b': NULL}, INTERVAL 1 DAY, '12345678-1234-5678-1234-567812345678', NULL, 4)");
	}

	void Run(const std::string &sql) {
		auto result = con.Query(sql);
		ASSERT_FALSE(result->HasError()) << sql << ": " << result->GetError();
	}

	std::string StatsText(const std::string &column) {
		auto result = con.Query("SELECT stats(" + openduck::QuoteIdentifier(column) + ") FROM t LIMIT 1");
		EXPECT_FALSE(result->HasError()) << result->GetError();
		return result->HasError() ? std::string() : result->GetValue(0, 0).ToString();
	}

	//! Every value of the column must lie within the statistics; Verify throws otherwise.
	void ExpectCoversData(const std::string &column, const BaseStatistics &stats) {
		auto values = con.Query("SELECT " + openduck::QuoteIdentifier(column) + " FROM t");
		ASSERT_FALSE(values->HasError()) << values->GetError();
		DataChunk chunk;
		chunk.Initialize(Allocator::DefaultAllocator(), {values->types[0]});
		for (idx_t row = 0; row < values->RowCount(); row++) {
			chunk.SetValue(0, row, values->GetValue(0, row));
		}
		chunk.SetCardinality(values->RowCount());
		try {
			stats.Verify(chunk.data[0], chunk.size());
		} catch (std::exception &error) {
			ADD_FAILURE() << column << ": statistics " << stats.ToString()
			              << " do not cover the data: " << error.what();
		}
	}

	DuckDB db;
	Connection con;
};

} // namespace

TEST_F(FilterStatistics, NumericAndTemporalStatisticsAreRebuiltExactly) {
	for (auto column : {"i",         "b",  "ti", "us",   "ub",    "h",     "uh", "d",  "f",  "nan",       "dec",
	                    "small_dec", "dt", "ts", "ts_s", "ts_ms", "ts_ns", "tz", "tm", "bo", "never_null"}) {
		auto text = StatsText(column);
		auto type = con.Query(std::string("SELECT ") + column + " FROM t LIMIT 0")->types[0];
		auto stats = ParseRemoteStatistics(text, type);
		ASSERT_TRUE(stats) << column << ": " << text;
		// Rebuilt from its text, the server's statistics print the same text again.
		EXPECT_EQ(stats->ToString(), text) << column;
		ExpectCoversData(column, *stats);
	}
}

TEST_F(FilterStatistics, OtherTypesKeepOnlyNullFlagsAndDistinctCounts) {
	for (auto column : {"s", "bl", "e", "l", "st", "iv", "u"}) {
		auto text = StatsText(column);
		auto type = con.Query(std::string("SELECT ") + column + " FROM t LIMIT 0")->types[0];
		auto stats = ParseRemoteStatistics(text, type);
		ASSERT_TRUE(stats) << column << ": " << text;
		EXPECT_TRUE(stats->CanHaveNull()) << column;
		EXPECT_TRUE(stats->CanHaveNoNull()) << column;
		if (!type.IsNested()) {
			EXPECT_GT(stats->GetDistinctCount(), 0) << column << ": " << text;
		}
		if (BaseStatistics::GetStatsType(type) == StatisticsType::NUMERIC_STATS) {
			EXPECT_FALSE(NumericStats::HasMinMax(*stats)) << column << ": " << stats->ToString();
		}
		ExpectCoversData(column, *stats);
	}
	auto never_null = ParseRemoteStatistics(StatsText("never_null"), LogicalType::INTEGER);
	ASSERT_TRUE(never_null);
	EXPECT_FALSE(never_null->CanHaveNull());
	// The server prints an empty range for a column without values; only the flags are kept.
	auto only_null = ParseRemoteStatistics(StatsText("only_null"), LogicalType::INTEGER);
	ASSERT_TRUE(only_null);
	EXPECT_TRUE(only_null->CanHaveNull());
	ExpectCoversData("only_null", *only_null);
	EXPECT_FALSE(only_null->CanHaveNoNull());
	EXPECT_FALSE(NumericStats::HasMinMax(*only_null));
}

TEST_F(FilterStatistics, RebuiltStatisticsPruneOnlyImpossibleFilters) {
	auto stats = ParseRemoteStatistics(StatsText("b"), LogicalType::BIGINT);
	ASSERT_TRUE(stats);
	ASSERT_TRUE(NumericStats::HasMinMax(*stats));
	ConstantFilter above(ExpressionType::COMPARE_GREATERTHAN, Value::BIGINT(NumericLimits<int64_t>::Maximum()));
	EXPECT_EQ(above.CheckStatistics(*stats), FilterPropagateResult::FILTER_ALWAYS_FALSE);
	ConstantFilter inside(ExpressionType::COMPARE_GREATERTHAN, Value::BIGINT(41));
	EXPECT_EQ(inside.CheckStatistics(*stats), FilterPropagateResult::NO_PRUNING_POSSIBLE);

	auto small = ParseRemoteStatistics(StatsText("small_dec"), LogicalType::DECIMAL(4, 1));
	ASSERT_TRUE(small);
	ConstantFilter beyond(ExpressionType::COMPARE_GREATERTHAN,
	                      Value("999.9").DefaultCastAs(LogicalType::DECIMAL(4, 1)));
	EXPECT_EQ(beyond.CheckStatistics(*small), FilterPropagateResult::FILTER_ALWAYS_FALSE);
	ConstantFilter at_max(ExpressionType::COMPARE_GREATERTHANOREQUALTO,
	                      Value("999.9").DefaultCastAs(LogicalType::DECIMAL(4, 1)));
	EXPECT_NE(at_max.CheckStatistics(*small), FilterPropagateResult::FILTER_ALWAYS_FALSE);
}

TEST_F(FilterStatistics, WhatDoesNotParseExactlyIsLeftOut) {
	auto valid = "[Has Null: false, Has No Null: true]";
	EXPECT_FALSE(ParseRemoteStatistics("", LogicalType::INTEGER));
	EXPECT_FALSE(ParseRemoteStatistics("No statistics", LogicalType::INTEGER));
	EXPECT_FALSE(ParseRemoteStatistics("[Min: 1, Max: 2]", LogicalType::INTEGER));
	EXPECT_FALSE(ParseRemoteStatistics("[Min: 1, Max: 2][Has Null: maybe, Has No Null: true]", LogicalType::INTEGER));

	auto min_max = [&](const std::string &head, const LogicalType &type) {
		auto stats = ParseRemoteStatistics(head + valid, type);
		EXPECT_TRUE(stats) << head;
		return stats && NumericStats::HasMinMax(*stats);
	};
	EXPECT_TRUE(min_max("[Min: 1, Max: 2]", LogicalType::INTEGER));
	// Rounded, clamped, reformatted or reversed bounds are not the server's bounds.
	EXPECT_FALSE(min_max("[Min: 1.5, Max: 2]", LogicalType::INTEGER));
	EXPECT_FALSE(min_max("[Min: 01, Max: 2]", LogicalType::INTEGER));
	EXPECT_FALSE(min_max("[Min: 1, Max: 99999999999]", LogicalType::INTEGER));
	EXPECT_FALSE(min_max("[Min: 0.123, Max: 1.0]", LogicalType::DECIMAL(4, 1)));
	EXPECT_FALSE(min_max("[Min: 0.1000000000000000055511151231257827, Max: 1.0]", LogicalType::DOUBLE));
	EXPECT_FALSE(min_max("[Min: 3, Max: 2]", LogicalType::INTEGER));
	EXPECT_FALSE(min_max("[Min: NULL, Max: NULL]", LogicalType::INTEGER));
	EXPECT_FALSE(min_max("[Min: 1, Max: 2, Max: 3]", LogicalType::INTEGER));
	// Strings keep an 8-byte prefix only: never used as bounds.
	auto strings = ParseRemoteStatistics(
	    "[Min: a, Max: b, Has Unicode: false, Max String Length: 1]" + std::string(valid), LogicalType::VARCHAR);
	ASSERT_TRUE(strings);
	EXPECT_FALSE(strings->CanHaveNull());
	EXPECT_EQ(ConstantFilter(ExpressionType::COMPARE_GREATERTHAN, Value("zzz")).CheckStatistics(*strings),
	          FilterPropagateResult::NO_PRUNING_POSSIBLE);

	auto with_distinct =
	    ParseRemoteStatistics("[Min: 1, Max: 2]" + std::string(valid) + "[Approx Unique: 17]", LogicalType::INTEGER);
	ASSERT_TRUE(with_distinct);
	EXPECT_EQ(with_distinct->GetDistinctCount(), 17);
}

TEST_F(FilterStatistics, OneQueryReadsEveryColumnWithoutScanning) {
	Run("CREATE SCHEMA \"odd \"\"schema\"");
	Run("CREATE TABLE \"odd \"\"schema\".\"a table\" AS SELECT range AS \"select\", range::VARCHAR AS \"x \"\"y\" "
	    "FROM range(300000)");
	auto sql = BuildRemoteStatisticsSQL("odd \"schema", "a table", {"select", "x \"y"});
	EXPECT_EQ(sql, "SELECT stats(\"select\"), stats(\"x \"\"y\") FROM \"odd \"\"schema\".\"a table\" LIMIT 1");
	auto result = con.Query(sql);
	ASSERT_FALSE(result->HasError()) << result->GetError();
	ASSERT_EQ(result->RowCount(), 1);
	auto stats = ParseRemoteStatistics(result->GetValue(0, 0).ToString(), LogicalType::BIGINT);
	ASSERT_TRUE(stats);
	EXPECT_EQ(NumericStats::Max(*stats), Value::BIGINT(299999));
	// stats() is answered from the table's statistics: the scan stops after its first vector.
	auto plan = con.Query("EXPLAIN ANALYZE " + sql);
	ASSERT_FALSE(plan->HasError()) << plan->GetError();
	auto text = plan->GetValue(1, 0).ToString();
	std::smatch scanned;
	ASSERT_TRUE(std::regex_search(text, scanned, std::regex(R"(TABLE_SCAN[^]*?([0-9][0-9,]*) rows?)"))) << text;
	auto digits = scanned[1].str();
	digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
	EXPECT_LE(std::stoll(digits), 2048 * 4) << text;
}
