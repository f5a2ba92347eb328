#include "extension/common/sql_quoting.hpp"

#include "duckdb.hpp"
#include "duckdb/common/types/timestamp.hpp"
#include "duckdb/common/types/vector.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace duckdb;
using openduck::QuoteIdentifier;
using openduck::QuoteStringLiteral;
using openduck::TryValueToSQLLiteral;

namespace {

//! Bit-for-bit identity where it matters (float sign of zero, interval parts, TIMETZ offsets), on
//! top of DuckDB's own NOT DISTINCT FROM.
::testing::AssertionResult Identical(const Value &expected, const Value &actual) {
	if (expected.type() != actual.type()) {
		return ::testing::AssertionFailure() << "type " << actual.type().ToString() << " != expected "
		                                     << expected.type().ToString();
	}
	if (expected.IsNull() || actual.IsNull()) {
		if (expected.IsNull() != actual.IsNull()) {
			return ::testing::AssertionFailure() << "NULL mismatch";
		}
		return ::testing::AssertionSuccess();
	}
	switch (expected.type().id()) {
	case LogicalTypeId::FLOAT: {
		auto e = expected.GetValue<float>(), a = actual.GetValue<float>();
		if (std::isnan(e) && std::isnan(a)) {
			return ::testing::AssertionSuccess();
		}
		if (std::memcmp(&e, &a, sizeof(e)) != 0) {
			return ::testing::AssertionFailure() << "float bits differ: " << a << " vs " << e;
		}
		return ::testing::AssertionSuccess();
	}
	case LogicalTypeId::DOUBLE: {
		auto e = expected.GetValue<double>(), a = actual.GetValue<double>();
		if (std::isnan(e) && std::isnan(a)) {
			return ::testing::AssertionSuccess();
		}
		if (std::memcmp(&e, &a, sizeof(e)) != 0) {
			return ::testing::AssertionFailure() << "double bits differ: " << a << " vs " << e;
		}
		return ::testing::AssertionSuccess();
	}
	case LogicalTypeId::INTERVAL: {
		auto e = expected.GetValue<interval_t>(), a = actual.GetValue<interval_t>();
		if (e.months != a.months || e.days != a.days || e.micros != a.micros) {
			return ::testing::AssertionFailure() << "interval parts differ: " << actual.ToString();
		}
		return ::testing::AssertionSuccess();
	}
	case LogicalTypeId::TIMESTAMP_NS:
		// Compared raw: DuckDB cannot print the earliest nanosecond timestamps.
		if (expected.GetValueUnsafe<int64_t>() != actual.GetValueUnsafe<int64_t>()) {
			return ::testing::AssertionFailure() << "timestamp_ns differs: " << actual.GetValueUnsafe<int64_t>();
		}
		return ::testing::AssertionSuccess();
	case LogicalTypeId::TIME_TZ:
		if (expected.GetValueUnsafe<dtime_tz_t>().bits != actual.GetValueUnsafe<dtime_tz_t>().bits) {
			return ::testing::AssertionFailure() << "timetz differs: " << actual.ToString();
		}
		return ::testing::AssertionSuccess();
	default:
		break;
	}
	if (!Value::NotDistinctFrom(expected, actual) || expected.ToString() != actual.ToString()) {
		return ::testing::AssertionFailure() << "value " << actual.ToString() << " != expected " << expected.ToString();
	}
	return ::testing::AssertionSuccess();
}

class SqlQuoting : public ::testing::Test {
protected:
	SqlQuoting() : db(nullptr), con(db) {
	}

	//! Renders `value`, evaluates the literal on a fresh DuckDB and checks it comes back identical.
	void ExpectRoundTrip(const Value &value) {
		std::string sql;
		ASSERT_TRUE(TryValueToSQLLiteral(value, sql)) << value.type().ToString() << " " << value.ToString();
		auto result = con.Query("SELECT " + sql);
		ASSERT_FALSE(result->HasError()) << sql << ": " << result->GetError();
		EXPECT_TRUE(Identical(value, result->GetValue(0, 0))) << "literal: " << sql;
	}

	void ExpectMinMaxRoundTrip(const LogicalType &type) {
		ExpectRoundTrip(Value::MinimumValue(type));
		ExpectRoundTrip(Value::MaximumValue(type));
		ExpectRoundTrip(Value(type));
	}

	DuckDB db;
	Connection con;
};

} // namespace

TEST_F(SqlQuoting, QuoteIdentifier) {
	EXPECT_EQ(QuoteIdentifier("a"), "\"a\"");
	EXPECT_EQ(QuoteIdentifier("select"), "\"select\"");
	EXPECT_EQ(QuoteIdentifier("we\"ird"), "\"we\"\"ird\"");
	EXPECT_EQ(QuoteIdentifier(""), "\"\"");
	EXPECT_EQ(QuoteStringLiteral("it's"), "'it''s'");
	EXPECT_EQ(QuoteStringLiteral(""), "''");
	EXPECT_EQ(QuoteStringLiteral("back\\slash"), "'back\\slash'");
}

TEST_F(SqlQuoting, QuotedIdentifiersResolve) {
	DuckDB db(nullptr);
	Connection con(db);
	std::vector<std::string> names = {"select", "Mixed Case", "we\"ird", "ünï", "a'b"};
	for (auto &name : names) {
		auto create = con.Query("CREATE OR REPLACE TABLE t(" + QuoteIdentifier(name) + " INTEGER)");
		ASSERT_FALSE(create->HasError()) << create->GetError();
		auto result = con.Query("SELECT " + QuoteIdentifier(name) + " FROM t");
		ASSERT_FALSE(result->HasError()) << result->GetError();
		EXPECT_EQ(result->names[0], name);
	}
}

TEST_F(SqlQuoting, Integers) {
	for (auto type : {LogicalType::TINYINT, LogicalType::SMALLINT, LogicalType::INTEGER, LogicalType::BIGINT,
	                  LogicalType::HUGEINT, LogicalType::UTINYINT, LogicalType::USMALLINT, LogicalType::UINTEGER,
	                  LogicalType::UBIGINT, LogicalType::UHUGEINT}) {
		ExpectMinMaxRoundTrip(type);
		ExpectRoundTrip(Value::Numeric(type, 0));
		ExpectRoundTrip(Value::Numeric(type, 42));
	}
	ExpectRoundTrip(Value::BOOLEAN(true));
	ExpectRoundTrip(Value::BOOLEAN(false));
	ExpectRoundTrip(Value(LogicalType::BOOLEAN));

	std::string sql;
	ASSERT_TRUE(TryValueToSQLLiteral(Value::UTINYINT(123), sql));
	EXPECT_EQ(sql, "CAST('123' AS UTINYINT)");
}

TEST_F(SqlQuoting, Floats) {
	std::vector<double> doubles = {0.0,
	                               -0.0,
	                               1.0,
	                               -1.5,
	                               0.1,
	                               1.0 / 3.0,
	                               std::numeric_limits<double>::quiet_NaN(),
	                               -std::numeric_limits<double>::quiet_NaN(),
	                               std::numeric_limits<double>::infinity(),
	                               -std::numeric_limits<double>::infinity(),
	                               std::numeric_limits<double>::max(),
	                               std::numeric_limits<double>::lowest(),
	                               std::numeric_limits<double>::min(),
	                               std::numeric_limits<double>::denorm_min(),
	                               -std::numeric_limits<double>::denorm_min(),
	                               9007199254740993.0,
	                               123456789012345678901234567890.0};
	std::vector<float> floats = {0.0f,
	                             -0.0f,
	                             0.1f,
	                             1.0f / 3.0f,
	                             16777217.0f,
	                             std::numeric_limits<float>::quiet_NaN(),
	                             std::numeric_limits<float>::infinity(),
	                             -std::numeric_limits<float>::infinity(),
	                             std::numeric_limits<float>::max(),
	                             std::numeric_limits<float>::lowest(),
	                             std::numeric_limits<float>::min(),
	                             std::numeric_limits<float>::denorm_min()};
	// Random bit patterns cover the rest of the exponent range.
	std::mt19937_64 rng(42);
	for (int i = 0; i < 300; i++) {
		uint64_t bits = rng();
		double d;
		std::memcpy(&d, &bits, sizeof(d));
		doubles.push_back(d);
		uint32_t fbits = static_cast<uint32_t>(bits >> 7);
		float f;
		std::memcpy(&f, &fbits, sizeof(f));
		floats.push_back(f);
	}
	for (auto d : doubles) {
		ExpectRoundTrip(Value::DOUBLE(d));
	}
	for (auto f : floats) {
		ExpectRoundTrip(Value::FLOAT(f));
	}
	ExpectRoundTrip(Value(LogicalType::FLOAT));
	ExpectRoundTrip(Value(LogicalType::DOUBLE));

	// The sign of zero survives.
	std::string sql;
	ASSERT_TRUE(TryValueToSQLLiteral(Value::DOUBLE(-0.0), sql));
	auto result = con.Query("SELECT signbit(" + sql + ")");
	ASSERT_FALSE(result->HasError()) << result->GetError();
	EXPECT_TRUE(result->GetValue(0, 0).GetValue<bool>());
}

TEST_F(SqlQuoting, Decimals) {
	struct Case {
		uint8_t width, scale;
		const char *text;
	};
	std::vector<Case> cases = {{4, 0, "9999"},
	                           {4, 2, "-99.99"},
	                           {9, 3, "123456.789"},
	                           {18, 6, "-999999999999.999999"},
	                           {18, 18, "0.000000000000000001"},
	                           {38, 0, "99999999999999999999999999999999999999"},
	                           {38, 0, "-99999999999999999999999999999999999999"},
	                           {38, 10, "-9999999999999999999999999999.9999999999"},
	                           {38, 38, "0.99999999999999999999999999999999999999"},
	                           {38, 38, "-0.00000000000000000000000000000000000001"},
	                           {38, 5, "0"}};
	for (auto &c : cases) {
		auto type = LogicalType::DECIMAL(c.width, c.scale);
		auto value = Value(c.text).DefaultCastAs(type);
		EXPECT_EQ(value.ToString(), Value(c.text).DefaultCastAs(type).ToString());
		ExpectRoundTrip(value);
		ExpectMinMaxRoundTrip(type);
	}
}

TEST_F(SqlQuoting, Strings) {
	for (auto &text : std::vector<std::string> {"", "plain", "it's", "''", "\"dq\"", "back\\slash\\x41", "line\nbreak\t",
	                                            "ünïcødé €", "emoji 😀", "--comment", "/* c */", "$$dollar$$",
	                                            std::string(5000, 'x')}) {
		ExpectRoundTrip(Value(text));
	}
	ExpectRoundTrip(Value(LogicalType::VARCHAR));

	std::string sql;
	EXPECT_FALSE(TryValueToSQLLiteral(Value(std::string("nul\0byte", 8)), sql));
	EXPECT_FALSE(TryValueToSQLLiteral(Value(std::string("\0", 1)), sql));
	// Invalid UTF-8 would not even parse on the server. (Value's string constructor rejects it, but
	// a VARCHAR can still carry it, e.g. after a reinterpret.)
	for (auto bad : {"\xFF", "a\xC0\xAF", "\xED\xA0\x80", "\xE2\x82", "\xF4\x90\x80\x80", "\x80"}) {
		auto value = Value::BLOB_RAW(bad);
		value.Reinterpret(LogicalType::VARCHAR);
		EXPECT_FALSE(TryValueToSQLLiteral(value, sql)) << bad;
	}
}

TEST_F(SqlQuoting, Blobs) {
	ExpectRoundTrip(Value::BLOB_RAW(std::string("\x00\xFF", 2)));
	ExpectRoundTrip(Value::BLOB_RAW(std::string("a'b\\x41\x00\x7F\x80\xFF", 9)));
	ExpectRoundTrip(Value::BLOB_RAW(""));
	std::string all;
	for (int i = 0; i < 256; i++) {
		all += static_cast<char>(i);
	}
	ExpectRoundTrip(Value::BLOB_RAW(all));
	ExpectRoundTrip(Value(LogicalType::BLOB));

	std::string sql;
	ASSERT_TRUE(TryValueToSQLLiteral(Value::BLOB_RAW(std::string("\xAB", 1)), sql));
	EXPECT_EQ(sql, "CAST('\\xAB' AS BLOB)");
}

TEST_F(SqlQuoting, DatesAndTimes) {
	for (auto type : {LogicalType::DATE, LogicalType::TIME, LogicalType::TIME_NS, LogicalType::TIME_TZ,
	                  LogicalType::TIMESTAMP, LogicalType::TIMESTAMP_S, LogicalType::TIMESTAMP_MS,
	                  LogicalType::TIMESTAMP_NS, LogicalType::TIMESTAMP_TZ}) {
		ExpectMinMaxRoundTrip(type);
	}
	ExpectRoundTrip(Value::DATE(date_t::infinity()));
	ExpectRoundTrip(Value::DATE(date_t::ninfinity()));
	ExpectRoundTrip(Value::DATE(date_t(0)));
	ExpectRoundTrip(Value::DATE(Date::FromDate(1, 1, 1)));
	ExpectRoundTrip(Value::DATE(Date::FromDate(0, 12, 31))); // 1 BC
	ExpectRoundTrip(Value::TIME(dtime_t(0)));
	ExpectRoundTrip(Value::TIME(dtime_t(Interval::MICROS_PER_DAY - 1)));
	ExpectRoundTrip(Value::TIME(dtime_t(Interval::MICROS_PER_DAY))); // 24:00:00
	ExpectRoundTrip(Value::TIME_NS(dtime_ns_t(45296123456789LL)));
	ExpectRoundTrip(Value::TIMETZ(dtime_tz_t(dtime_t(45296123456LL), 15 * 3600 + 59 * 60 + 59)));
	ExpectRoundTrip(Value::TIMETZ(dtime_tz_t(dtime_t(0), -(15 * 3600 + 59 * 60 + 59))));
	ExpectRoundTrip(Value::TIMETZ(dtime_tz_t(dtime_t(Interval::MICROS_PER_DAY), 0)));
	ExpectRoundTrip(Value::TIMETZ(dtime_tz_t(dtime_t(1), -3600)));

	for (auto raw : {int64_t(0), int64_t(-1), int64_t(1), int64_t(1700000000123456LL), int64_t(-62135596800000000LL)}) {
		ExpectRoundTrip(Value::TIMESTAMP(timestamp_t(raw)));
		ExpectRoundTrip(Value::TIMESTAMPTZ(timestamp_tz_t(raw)));
		ExpectRoundTrip(Value::TIMESTAMPSEC(timestamp_sec_t(raw / 1000000)));
		ExpectRoundTrip(Value::TIMESTAMPMS(timestamp_ms_t(raw / 1000)));
		if (raw > -9000000000000000LL) {
			ExpectRoundTrip(Value::TIMESTAMPNS(timestamp_ns_t(raw * 1000 + 789)));
		}
	}
	ExpectRoundTrip(Value::TIMESTAMP(timestamp_t::infinity()));
	ExpectRoundTrip(Value::TIMESTAMP(timestamp_t::ninfinity()));
	ExpectRoundTrip(Value::TIMESTAMPTZ(timestamp_tz_t(timestamp_t::infinity())));
	ExpectRoundTrip(Value::TIMESTAMPTZ(timestamp_tz_t(timestamp_t::ninfinity())));
	ExpectRoundTrip(Value::TIMESTAMPSEC(timestamp_sec_t(timestamp_t::infinity().value)));
	ExpectRoundTrip(Value::TIMESTAMPMS(timestamp_ms_t(timestamp_t::ninfinity().value)));
	ExpectRoundTrip(Value::TIMESTAMPNS(timestamp_ns_t(timestamp_t::infinity().value)));
	ExpectRoundTrip(Value::TIMESTAMPNS(timestamp_ns_t(timestamp_t::ninfinity().value)));
	const auto i64min = std::numeric_limits<int64_t>::min(), i64max = std::numeric_limits<int64_t>::max();
	ExpectRoundTrip(Value::TIMESTAMPNS(timestamp_ns_t(i64max - 1)));

	// Raw values DuckDB itself cannot print or parse have no literal (and do not throw): nanosecond
	// timestamps before 1677-09-22, and second/millisecond ones beyond the microsecond range.
	std::string sql;
	for (auto raw : {i64min, i64min + 2, i64min + 1000000123,
	                 Value::MinimumValue(LogicalType::TIMESTAMP_NS).GetValueUnsafe<int64_t>() - 1}) {
		EXPECT_FALSE(TryValueToSQLLiteral(Value::TIMESTAMPNS(timestamp_ns_t(raw)), sql)) << raw;
	}
	EXPECT_FALSE(TryValueToSQLLiteral(Value::TIMESTAMPMS(timestamp_ms_t(i64max - 1)), sql));
	EXPECT_FALSE(TryValueToSQLLiteral(Value::TIMESTAMPSEC(timestamp_sec_t(i64min + 2)), sql));
	EXPECT_FALSE(TryValueToSQLLiteral(Value::TIMESTAMP(timestamp_t(i64min + 2)), sql));
}

TEST_F(SqlQuoting, TimestampTzIgnoresSessionTimeZone) {
	// The server may run in any TimeZone (and calendar); the literal must denote the same instant.
	auto icu = con.Query("SELECT count(*) FROM duckdb_extensions() WHERE extension_name = 'icu' AND loaded");
	bool have_icu = !icu->HasError() && icu->GetValue(0, 0).GetValue<int64_t>() > 0;
	if (!have_icu) {
		have_icu = !con.Query("LOAD icu")->HasError();
	}
	if (!have_icu) {
		GTEST_SKIP() << "ICU is not available in this libduckdb: TimeZone does not affect TIMESTAMPTZ parsing";
	}
	for (auto zone : {"America/New_York", "Asia/Kathmandu", "Pacific/Kiritimati", "Etc/GMT+12"}) {
		auto set = con.Query(std::string("SET TimeZone = '") + zone + "'");
		ASSERT_FALSE(set->HasError()) << set->GetError();
		for (auto value : {Value::TIMESTAMPTZ(timestamp_tz_t(int64_t(0))),
		                   Value::TIMESTAMPTZ(timestamp_tz_t(int64_t(1700000000123456LL))),
		                   Value::TIMESTAMPTZ(timestamp_tz_t(int64_t(-62135596800000001LL))),
		                   Value::MinimumValue(LogicalType::TIMESTAMP_TZ), Value::MaximumValue(LogicalType::TIMESTAMP_TZ),
		                   Value::TIMESTAMPTZ(timestamp_tz_t(timestamp_t::infinity())),
		                   Value::TIMESTAMPTZ(timestamp_tz_t(timestamp_t::ninfinity()))}) {
			std::string sql;
			ASSERT_TRUE(TryValueToSQLLiteral(value, sql));
			auto result = con.Query("SELECT " + sql);
			ASSERT_FALSE(result->HasError()) << zone << " " << sql << ": " << result->GetError();
			auto actual = result->GetValue(0, 0);
			ASSERT_EQ(actual.type(), LogicalType::TIMESTAMP_TZ);
			EXPECT_EQ(actual.GetValueUnsafe<timestamp_tz_t>().value, value.GetValueUnsafe<timestamp_tz_t>().value)
			    << zone << " " << sql;
		}
	}
	ASSERT_FALSE(con.Query("SET TimeZone = 'Asia/Kathmandu'")->HasError());
	ASSERT_FALSE(con.Query("SET Calendar = 'japanese'")->HasError());
	auto value = Value::TIMESTAMPTZ(timestamp_tz_t(int64_t(1700000000123456LL)));
	std::string sql;
	ASSERT_TRUE(TryValueToSQLLiteral(value, sql));
	auto result = con.Query("SELECT " + sql);
	ASSERT_FALSE(result->HasError()) << result->GetError();
	EXPECT_EQ(result->GetValue(0, 0).GetValueUnsafe<timestamp_tz_t>().value, 1700000000123456LL);
}

TEST_F(SqlQuoting, Intervals) {
	const auto i32min = std::numeric_limits<int32_t>::min(), i32max = std::numeric_limits<int32_t>::max();
	const auto i64min = std::numeric_limits<int64_t>::min(), i64max = std::numeric_limits<int64_t>::max();
	ExpectRoundTrip(Value::INTERVAL(0, 0, 0));
	ExpectRoundTrip(Value::INTERVAL(1, 40, -5));
	ExpectRoundTrip(Value::INTERVAL(0, 30, 0)); // not normalised into a month
	ExpectRoundTrip(Value::INTERVAL(0, 0, Interval::MICROS_PER_DAY * 3));
	ExpectRoundTrip(Value::INTERVAL(-13, 1, 1));
	ExpectRoundTrip(Value::INTERVAL(i32min, i32min, i64min));
	ExpectRoundTrip(Value::INTERVAL(i32max, i32max, i64max));
	ExpectRoundTrip(Value(LogicalType::INTERVAL));
}

TEST_F(SqlQuoting, UuidBitBignumEnum) {
	ExpectRoundTrip(Value::UUID("00000000-0000-0000-0000-000000000000"));
	ExpectRoundTrip(Value::UUID("ffffffff-ffff-ffff-ffff-ffffffffffff"));
	ExpectRoundTrip(Value::UUID("7fffffff-ffff-ffff-8000-000000000000"));
	ExpectRoundTrip(Value::UUID("80000000-0000-0000-7fff-ffffffffffff"));
	ExpectRoundTrip(Value(LogicalType::UUID));
	ExpectRoundTrip(Value::BIT("0"));
	ExpectRoundTrip(Value::BIT("0101110001"));
	ExpectRoundTrip(Value(LogicalType::BIT));
	auto digits = Value("-123456789012345678901234567890123456789012345678901234567890");
	ExpectRoundTrip(digits.DefaultCastAs(LogicalType::BIGNUM));
	ExpectRoundTrip(Value("0").DefaultCastAs(LogicalType::BIGNUM));

	Vector labels(LogicalType::VARCHAR, 4);
	auto data = FlatVector::GetData<string_t>(labels);
	std::vector<std::string> texts = {"zeta", "it's", "alpha", "ünï"};
	for (idx_t i = 0; i < texts.size(); i++) {
		data[i] = StringVector::AddString(labels, texts[i]);
	}
	auto enum_type = LogicalType::ENUM(labels, texts.size());
	for (idx_t i = 0; i < texts.size(); i++) {
		ExpectRoundTrip(Value::ENUM(i, enum_type));
	}
	ExpectRoundTrip(Value(enum_type));

	// Spelling out a huge label list in every literal is not worth it.
	const idx_t big = 20000;
	Vector many(LogicalType::VARCHAR, big);
	for (idx_t i = 0; i < big; i++) {
		FlatVector::GetData<string_t>(many)[i] = StringVector::AddString(many, "label_" + std::to_string(i));
	}
	std::string sql;
	EXPECT_FALSE(TryValueToSQLLiteral(Value::ENUM(3, LogicalType::ENUM(many, big)), sql));
}

TEST_F(SqlQuoting, EnumLiteralComparesByPosition) {
	// A named enum column compared with the literal uses the enum order, not the string order.
	ASSERT_FALSE(con.Query("CREATE TYPE mood AS ENUM ('zeta', 'alpha', 'mid')")->HasError());
	ASSERT_FALSE(con.Query("CREATE TABLE moods AS SELECT unnest(['zeta', 'alpha', 'mid', NULL])::mood AS m")->HasError());
	auto type = con.Query("SELECT m FROM moods")->types[0];
	std::string sql;
	ASSERT_TRUE(TryValueToSQLLiteral(Value("alpha").DefaultCastAs(type), sql));
	auto result = con.Query("SELECT count(*) FROM moods WHERE m > " + sql);
	ASSERT_FALSE(result->HasError()) << result->GetError();
	EXPECT_EQ(result->GetValue(0, 0).GetValue<int64_t>(), 1); // only 'mid'; by strings it would be 2
}

TEST_F(SqlQuoting, Nulls) {
	// An untyped NULL stays untyped (DuckDB gives a bare NULL the type INTEGER when it stands alone).
	std::string untyped;
	ASSERT_TRUE(TryValueToSQLLiteral(Value(), untyped));
	EXPECT_EQ(untyped, "NULL");
	for (auto type : vector<LogicalType> {LogicalType::DECIMAL(38, 7), LogicalType::TIMESTAMP_TZ, LogicalType::TIME_TZ,
	                                      LogicalType::HUGEINT, LogicalType::UHUGEINT, LogicalType::TIMESTAMP_NS}) {
		ExpectRoundTrip(Value(type));
	}
	std::string sql;
	ASSERT_TRUE(TryValueToSQLLiteral(Value(LogicalType::TIMESTAMP_TZ), sql));
	EXPECT_EQ(sql, "CAST(NULL AS TIMESTAMP WITH TIME ZONE)");
}

TEST_F(SqlQuoting, RefusesWhatItCannotRenderExactly) {
	std::string sql = "unchanged";
	EXPECT_FALSE(TryValueToSQLLiteral(Value::LIST(LogicalType::INTEGER, {Value::INTEGER(1)}), sql));
	EXPECT_FALSE(TryValueToSQLLiteral(Value::STRUCT({{"a", Value::INTEGER(1)}}), sql));
	EXPECT_FALSE(TryValueToSQLLiteral(Value(LogicalType::LIST(LogicalType::INTEGER)), sql));
	EXPECT_FALSE(TryValueToSQLLiteral(Value::POINTER(42), sql));
	EXPECT_EQ(sql, "unchanged");
}
