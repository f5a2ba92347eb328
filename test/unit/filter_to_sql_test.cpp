#include "extension/common/filter_to_sql.hpp"
#include "extension/common/sql_quoting.hpp"

#include "duckdb.hpp"
#include "duckdb/execution/expression_executor.hpp"
#include "duckdb/planner/expression/bound_constant_expression.hpp"
#include "duckdb/planner/expression/bound_reference_expression.hpp"
#include "duckdb/planner/filter/bloom_filter.hpp"
#include "duckdb/planner/filter/conjunction_filter.hpp"
#include "duckdb/planner/filter/constant_filter.hpp"
#include "duckdb/planner/filter/dynamic_filter.hpp"
#include "duckdb/planner/filter/expression_filter.hpp"
#include "duckdb/planner/filter/in_filter.hpp"
#include "duckdb/planner/filter/null_filter.hpp"
#include "duckdb/planner/filter/optional_filter.hpp"
#include "duckdb/planner/filter/selectivity_optional_filter.hpp"
#include "duckdb/planner/filter/struct_filter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace duckdb;
using openduck::QuoteIdentifier;
using openduck::TryOrderToSQL;
using openduck::TryTableFilterToSQL;

namespace {

const double NaN = std::numeric_limits<double>::quiet_NaN();
const double INF = std::numeric_limits<double>::infinity();

const ExpressionType COMPARISONS[] = {ExpressionType::COMPARE_EQUAL,
                                      ExpressionType::COMPARE_NOTEQUAL,
                                      ExpressionType::COMPARE_LESSTHAN,
                                      ExpressionType::COMPARE_GREATERTHAN,
                                      ExpressionType::COMPARE_LESSTHANOREQUALTO,
                                      ExpressionType::COMPARE_GREATERTHANOREQUALTO,
                                      ExpressionType::COMPARE_DISTINCT_FROM,
                                      ExpressionType::COMPARE_NOT_DISTINCT_FROM};

unique_ptr<TableFilter> Compare(ExpressionType type, Value constant) {
	return make_uniq<ConstantFilter>(type, std::move(constant));
}

unique_ptr<TableFilter> In(vector<Value> values) {
	return make_uniq<InFilter>(std::move(values));
}

unique_ptr<TableFilter> Optional(unique_ptr<TableFilter> child) {
	return make_uniq<OptionalFilter>(std::move(child));
}

unique_ptr<TableFilter> Untranslatable() {
	return make_uniq<ExpressionFilter>(make_uniq<BoundConstantExpression>(Value::BOOLEAN(true)));
}

template <class CONJUNCTION>
unique_ptr<TableFilter> Conjunction(unique_ptr<TableFilter> a, unique_ptr<TableFilter> b) {
	auto result = make_uniq<CONJUNCTION>();
	result->child_filters.push_back(std::move(a));
	result->child_filters.push_back(std::move(b));
	return std::move(result);
}

//! Rows with NULLs, NaN, signed zeros, infinities, extreme integers, case/unicode strings, enum labels
//! whose order differs from their string order, and structs with NULL fields.
class FilterToSql : public ::testing::Test {
protected:
	FilterToSql() : db(nullptr), con(db), server(db) {
	}

	void SetUp() override {
		Run("CREATE TYPE mood AS ENUM ('zeta', 'alpha', 'mid')");
		Run("CREATE TABLE t0(id INTEGER, i INTEGER, d DOUBLE, f FLOAT, s VARCHAR, e mood, dec DECIMAL(38, 10), ts TIMESTAMP, "
		    "tz TIMESTAMPTZ, st STRUCT(a INTEGER, \"B c\" VARCHAR, \"inner\" STRUCT(v DOUBLE)), u UBIGINT, h HUGEINT, "
		    "b BLOB, bo BOOLEAN, iv INTERVAL, \"we\"\"ird col\" INTEGER)");
		Run("INSERT INTO t0 VALUES "
		    "(1, 0, 0.0, 0.0, 'a', 'zeta', 0, '2020-01-01', '2020-01-01 00:00:00+00', {'a': 1, 'B c': 'x', 'inner': "
		    "{'v': 1.5}}, 0, 0, '\\x00'::BLOB, true, INTERVAL 1 MONTH, 1),"
		    "(2, -2147483648, -0.0, -0.0, 'A', 'alpha', -9999999999999999999999999999.9999999999, '290309-12-22 (BC) "
		    "00:00:00', '1960-06-30 23:59:59.999999+00', {'a': NULL, 'B c': 'X', 'inner': NULL}, "
		    "18446744073709551615, -170141183460469231731687303715884105728, '\\xFF'::BLOB, false, INTERVAL 30 DAY, 2),"
		    "(3, 2147483647, 'nan', 'nan', 'b', 'mid', 9999999999999999999999999999.9999999999, 'infinity', 'infinity', "
		    "NULL, 1, 170141183460469231731687303715884105727, '', NULL, INTERVAL 0 DAY, 3),"
		    "(4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, {'a': NULL, 'B c': NULL, 'inner': {'v': 'nan'}}, NULL, "
		    "NULL, NULL, NULL, NULL, NULL),"
		    "(5, 5, 'inf', 'inf', 'ü', 'zeta', 0.0000000001, '-infinity', '-infinity', {'a': 5, 'B c': 'ü', 'inner': "
		    "{'v': NULL}}, 5, 5, '\\x00\\x00'::BLOB, true, INTERVAL 1 DAY, 5),"
		    "(6, 7, '-inf', '-inf', '', 'mid', -1, '2020-01-01 00:00:00.000001', '2020-01-01 00:00:00.000001+00', "
		    "{'a': 7, 'B c': '', 'inner': {'v': '-inf'}}, 7, 7, 'a''b'::BLOB, false, INTERVAL 1 MONTH, 7),"
		    "(7, 42, 1.5, 1.5, 'a ', 'alpha', 1.5, '2020-01-01', '2020-01-01 00:00:00+00', {'a': 42, 'B c': 'a', "
		    "'inner': {'v': -0.0}}, 42, 42, 'x'::BLOB, true, INTERVAL 1 MICROSECOND, 42),"
		    "(8, 10, 1e308, 3.4e38, 'it''s', NULL, 1, '1970-01-01', '1970-01-01 00:00:00+00', NULL, NULL, -1, NULL, "
		    "NULL, INTERVAL '-1' MONTH, NULL)");
		Run("CREATE TABLE t AS SELECT * EXCLUDE (id) FROM t0");
		// The "server" session differs from the client in every setting that could change a comparison.
		Run("SET default_collation = 'nocase'", server);
		if (!server.Query("SET TimeZone = 'Asia/Kathmandu'")->HasError()) {
			server.Query("SET Calendar = 'japanese'");
		}
	}

	void Run(const std::string &sql) {
		Run(sql, con);
	}

	void Run(const std::string &sql, Connection &connection) {
		auto result = connection.Query(sql);
		ASSERT_FALSE(result->HasError()) << sql << ": " << result->GetError();
	}

	LogicalType ColumnType(const std::string &column) {
		return con.Query("SELECT " + QuoteIdentifier(column) + " FROM t LIMIT 0")->types[0];
	}

	int64_t RemoteCount(const std::string &predicate) {
		auto sql = "SELECT count(*) FROM t" + (predicate.empty() ? std::string() : " WHERE " + predicate);
		auto result = server.Query(sql);
		EXPECT_FALSE(result->HasError()) << sql << ": " << result->GetError();
		return result->HasError() ? -1 : result->GetValue(0, 0).GetValue<int64_t>();
	}

	//! What DuckDB itself makes of the filter: its own expression form, run by its expression
	//! executor over the column's values.
	int64_t LocalCount(const std::string &column, const TableFilter &filter) {
		auto type = ColumnType(column);
		auto values = con.Query("SELECT " + QuoteIdentifier(column) + " FROM t");
		DataChunk chunk;
		chunk.Initialize(Allocator::DefaultAllocator(), {type});
		for (idx_t row = 0; row < values->RowCount(); row++) {
			chunk.SetValue(0, row, values->GetValue(0, row));
		}
		chunk.SetCardinality(values->RowCount());
		BoundReferenceExpression reference(type, 0);
		auto expression = filter.ToExpression(reference);
		ExpressionExecutor executor(*con.context, *expression);
		SelectionVector sel(STANDARD_VECTOR_SIZE);
		auto count = static_cast<int64_t>(executor.SelectExpression(chunk, sel));

		if (filter.filter_type == TableFilterType::CONSTANT_COMPARISON) {
			// Cross-check with the value-level comparison the scan's zone maps and filters use.
			auto &constant = filter.Cast<ConstantFilter>();
			bool value_semantics = constant.comparison_type != ExpressionType::COMPARE_DISTINCT_FROM &&
			                       constant.comparison_type != ExpressionType::COMPARE_NOT_DISTINCT_FROM;
			if (value_semantics) {
				int64_t by_value = 0;
				for (idx_t row = 0; row < values->RowCount(); row++) {
					auto value = values->GetValue(0, row);
					by_value += !value.IsNull() && constant.Compare(value);
				}
				EXPECT_EQ(by_value, count) << "ConstantFilter::Compare disagrees with the expression";
			}
		}
		return count;
	}

	//! The filter must translate, and the server must select exactly the rows DuckDB would.
	void ExpectExact(const std::string &column, const TableFilter &filter) {
		std::string sql;
		ASSERT_TRUE(TryTableFilterToSQL(filter, QuoteIdentifier(column), ColumnType(column), sql))
		    << filter.ToString(column);
		ASSERT_FALSE(sql.empty()) << filter.ToString(column);
		EXPECT_EQ(RemoteCount(sql), LocalCount(column, filter)) << filter.ToString(column) << " -> " << sql;
	}

	void ExpectDropped(const std::string &column, const TableFilter &filter) {
		std::string sql = "sentinel";
		ASSERT_TRUE(TryTableFilterToSQL(filter, QuoteIdentifier(column), ColumnType(column), sql));
		EXPECT_EQ(sql, "");
	}

	void ExpectRefused(const std::string &column, const TableFilter &filter) {
		std::string sql;
		EXPECT_FALSE(TryTableFilterToSQL(filter, QuoteIdentifier(column), ColumnType(column), sql))
		    << filter.ToString(column) << " -> " << sql;
	}

	void ExpectAllComparisons(const std::string &column, const Value &constant) {
		for (auto type : COMPARISONS) {
			ExpectExact(column, *Compare(type, constant));
		}
	}

	DuckDB db;
	Connection con;
	Connection server;
	BloomFilter bloom_filter;
};

} // namespace

TEST_F(FilterToSql, FloatComparisonsFollowDuckDBNaNOrdering) {
	for (double constant : {NaN, 0.0, -0.0, INF, -INF, 1.5, 1e308, -1.0}) {
		ExpectAllComparisons("d", Value::DOUBLE(constant));
		ExpectAllComparisons("f", Value::FLOAT(static_cast<float>(constant)));
	}
	// Spot check against hand-written SQL: NaN is the largest value and equal to itself.
	std::string sql;
	ASSERT_TRUE(TryTableFilterToSQL(*Compare(ExpressionType::COMPARE_GREATERTHANOREQUALTO, Value::DOUBLE(NaN)), "\"d\"",
	                                LogicalType::DOUBLE, sql));
	EXPECT_EQ(RemoteCount(sql), 1);
	ASSERT_TRUE(TryTableFilterToSQL(*Compare(ExpressionType::COMPARE_GREATERTHAN, Value::DOUBLE(INF)), "\"d\"",
	                                LogicalType::DOUBLE, sql));
	EXPECT_EQ(RemoteCount(sql), 1);
}

TEST_F(FilterToSql, IntegerDecimalAndOtherComparisons) {
	for (auto constant : {Value::INTEGER(std::numeric_limits<int32_t>::min()), Value::INTEGER(0), Value::INTEGER(42),
	                      Value::INTEGER(std::numeric_limits<int32_t>::max())}) {
		ExpectAllComparisons("i", constant);
	}
	ExpectAllComparisons("u", Value::UBIGINT(std::numeric_limits<uint64_t>::max()));
	ExpectAllComparisons("u", Value::UBIGINT(5));
	ExpectAllComparisons("h", Value::MinimumValue(LogicalType::HUGEINT));
	ExpectAllComparisons("h", Value::HUGEINT(hugeint_t(7)));
	auto dec = LogicalType::DECIMAL(38, 10);
	ExpectAllComparisons("dec", Value("9999999999999999999999999999.9999999999").DefaultCastAs(dec));
	ExpectAllComparisons("dec", Value("0.0000000001").DefaultCastAs(dec));
	ExpectAllComparisons("bo", Value::BOOLEAN(true));
	ExpectAllComparisons("b", Value::BLOB_RAW(std::string("\x00", 1)));
	ExpectAllComparisons("b", Value::BLOB_RAW("a'b"));
	// 30 days and 1 month compare equal in DuckDB; the server must agree.
	ExpectAllComparisons("iv", Value::INTERVAL(1, 0, 0));
	ExpectAllComparisons("iv", Value::INTERVAL(0, 1, 0));
	ExpectAllComparisons("we\"ird col", Value::INTEGER(2));
}

TEST_F(FilterToSql, TemporalComparisons) {
	ExpectAllComparisons("ts", Value::TIMESTAMP(timestamp_t::infinity()));
	ExpectAllComparisons("ts", Value::TIMESTAMP(timestamp_t::ninfinity()));
	ExpectAllComparisons("ts", Value("2020-01-01").DefaultCastAs(LogicalType::TIMESTAMP));
	ExpectAllComparisons("ts", Value::MinimumValue(LogicalType::TIMESTAMP));
	// The server runs in another TimeZone (when ICU is there); instants still compare the same.
	ExpectAllComparisons("tz", Value::TIMESTAMPTZ(timestamp_tz_t(int64_t(1577836800000000LL))));
	ExpectAllComparisons("tz", Value::TIMESTAMPTZ(timestamp_tz_t(int64_t(-300000000001LL))));
	ExpectAllComparisons("tz", Value::TIMESTAMPTZ(timestamp_tz_t(timestamp_t::infinity())));
}

TEST_F(FilterToSql, StringsCompareBinaryWhateverTheServerCollation) {
	for (auto text : {"a", "A", "", "ü", "a ", "it's", "B"}) {
		ExpectAllComparisons("s", Value(text));
	}
	std::string sql;
	ASSERT_TRUE(TryTableFilterToSQL(*Compare(ExpressionType::COMPARE_EQUAL, Value("a")), "\"s\"", LogicalType::VARCHAR,
	                                sql));
	EXPECT_EQ(RemoteCount(sql), 1); // 'A' must not match although the server session says nocase
}

TEST_F(FilterToSql, EnumComparisonsUseEnumOrder) {
	auto type = ColumnType("e");
	for (auto label : {"zeta", "alpha", "mid"}) {
		ExpectAllComparisons("e", Value(label).DefaultCastAs(type));
	}
	// A constant of a different enum type (other labels) is not comparable as-is.
	Vector labels(LogicalType::VARCHAR, 2);
	FlatVector::GetData<string_t>(labels)[0] = StringVector::AddString(labels, "alpha");
	FlatVector::GetData<string_t>(labels)[1] = StringVector::AddString(labels, "zeta");
	ExpectRefused("e", *Compare(ExpressionType::COMPARE_EQUAL, Value::ENUM(0, LogicalType::ENUM(labels, 2))));
}

TEST_F(FilterToSql, NullChecks) {
	for (auto column : {"i", "d", "s", "e", "st", "tz", "iv", "we\"ird col"}) {
		ExpectExact(column, IsNullFilter());
		ExpectExact(column, IsNotNullFilter());
	}
}

TEST_F(FilterToSql, InLists) {
	ExpectExact("i", *In({Value::INTEGER(0), Value::INTEGER(42), Value::INTEGER(99)}));
	ExpectExact("i", *In({Value::INTEGER(std::numeric_limits<int32_t>::min())}));
	ExpectExact("d", *In({Value::DOUBLE(NaN), Value::DOUBLE(0.0)}));
	ExpectExact("d", *In({Value::DOUBLE(-0.0), Value::DOUBLE(-INF)}));
	ExpectExact("f", *In({Value::FLOAT(NAN), Value::FLOAT(1.5f)}));
	ExpectExact("s", *In({Value("a"), Value("ü"), Value("it's")}));
	ExpectExact("s", *In({Value("A")}));
	auto type = ColumnType("e");
	ExpectExact("e", *In({Value("alpha").DefaultCastAs(type), Value("mid").DefaultCastAs(type)}));
	ExpectExact("iv", *In({Value::INTERVAL(1, 0, 0)}));
	ExpectExact("h", *In({Value::MinimumValue(LogicalType::HUGEINT), Value::HUGEINT(hugeint_t(5))}));
	ExpectRefused("i", *In({Value::BIGINT(1), Value::BIGINT(2)}));
}

TEST_F(FilterToSql, Conjunctions) {
	ExpectExact("i", *Conjunction<ConjunctionAndFilter>(Compare(ExpressionType::COMPARE_GREATERTHAN, Value::INTEGER(0)),
	                                                    Compare(ExpressionType::COMPARE_LESSTHAN, Value::INTEGER(42))));
	ExpectExact("d", *Conjunction<ConjunctionOrFilter>(Compare(ExpressionType::COMPARE_EQUAL, Value::DOUBLE(NaN)),
	                                                   Compare(ExpressionType::COMPARE_LESSTHAN, Value::DOUBLE(0))));
	ExpectExact("d", *Conjunction<ConjunctionOrFilter>(make_uniq<IsNullFilter>(),
	                                                   Conjunction<ConjunctionAndFilter>(
	                                                       Compare(ExpressionType::COMPARE_GREATERTHAN, Value::DOUBLE(-1)),
	                                                       make_uniq<IsNotNullFilter>())));

	// AND may leave out an optional child it cannot send; the rest still goes.
	{
		auto filter = Conjunction<ConjunctionAndFilter>(Compare(ExpressionType::COMPARE_GREATERTHAN, Value::INTEGER(5)),
		                                                Optional(Untranslatable()));
		std::string sql;
		ASSERT_TRUE(TryTableFilterToSQL(*filter, "\"i\"", LogicalType::INTEGER, sql));
		EXPECT_EQ(sql, "((\"i\" > CAST('5' AS INTEGER)))");
		EXPECT_EQ(RemoteCount(sql), 4);
	}
	// ... but not a required one.
	ExpectRefused("i", *Conjunction<ConjunctionAndFilter>(Compare(ExpressionType::COMPARE_GREATERTHAN, Value::INTEGER(5)),
	                                                      Untranslatable()));
	// OR fails if any child fails ...
	ExpectRefused("i", *Conjunction<ConjunctionOrFilter>(Compare(ExpressionType::COMPARE_GREATERTHAN, Value::INTEGER(5)),
	                                                     Untranslatable()));
	ExpectRefused("i", *Conjunction<ConjunctionOrFilter>(Compare(ExpressionType::COMPARE_GREATERTHAN, Value::INTEGER(5)),
	                                                     Compare(ExpressionType::COMPARE_EQUAL, Value::BIGINT(1))));
	// ... and an OR with an optional child that may count as TRUE may be dropped as a whole.
	ExpectDropped("i", *Conjunction<ConjunctionOrFilter>(Compare(ExpressionType::COMPARE_GREATERTHAN, Value::INTEGER(5)),
	                                                     Optional(Untranslatable())));
	ExpectDropped("i", *Conjunction<ConjunctionAndFilter>(Optional(Untranslatable()), make_uniq<BFTableFilter>(
	                                                                                       bloom_filter, true, "i",
	                                                                                       LogicalType::INTEGER)));
}

TEST_F(FilterToSql, StructFields) {
	ExpectExact("st", StructFilter(0, "a", Compare(ExpressionType::COMPARE_GREATERTHAN, Value::INTEGER(1))));
	ExpectExact("st", StructFilter(0, "a", make_uniq<IsNullFilter>()));
	ExpectExact("st", StructFilter(0, "A", make_uniq<IsNotNullFilter>()));
	for (auto type : COMPARISONS) {
		ExpectExact("st", StructFilter(1, "B c", Compare(type, Value("x"))));
		ExpectExact("st", StructFilter(2, "inner", make_uniq<StructFilter>(0, "v", Compare(type, Value::DOUBLE(NaN)))));
		ExpectExact("st", StructFilter(2, "inner", make_uniq<StructFilter>(0, "v", Compare(type, Value::DOUBLE(-0.0)))));
		// Without a name (as DuckDB records fields of unnamed structs) the field goes by position.
		ExpectExact("st", StructFilter(0, "", Compare(type, Value::INTEGER(5))));
		ExpectExact("st", StructFilter(1, "", Compare(type, Value("X"))));
	}
	ExpectExact("st", StructFilter(1, "B c", In({Value("x"), Value("ü")})));
	ExpectExact("st", StructFilter(2, "inner", make_uniq<IsNullFilter>()));
	// The field the filter names must be the field at that position.
	ExpectRefused("st", StructFilter(0, "B c", make_uniq<IsNullFilter>()));
	ExpectRefused("st", StructFilter(7, "zz", make_uniq<IsNullFilter>()));
	ExpectRefused("i", StructFilter(0, "a", make_uniq<IsNullFilter>()));
	ExpectRefused("st", StructFilter(0, "a", Compare(ExpressionType::COMPARE_EQUAL, Value::BIGINT(1))));
}

TEST_F(FilterToSql, OptionalDynamicBloomAndExpressionFilters) {
	ExpectExact("i", OptionalFilter(Compare(ExpressionType::COMPARE_LESSTHAN, Value::INTEGER(7))));
	ExpectExact("i", SelectivityOptionalFilter(In({Value::INTEGER(5), Value::INTEGER(7)}), 0.5f, 10));
	ExpectDropped("i", OptionalFilter(Untranslatable()));
	ExpectDropped("i", OptionalFilter(Compare(ExpressionType::COMPARE_EQUAL, Value::BIGINT(1))));

	auto data = make_shared_ptr<DynamicFilterData>();
	DynamicFilter dynamic(data);
	ExpectDropped("i", dynamic);
	ExpectDropped("i", DynamicFilter());
	data->filter = make_uniq<ConstantFilter>(ExpressionType::COMPARE_GREATERTHAN, Value::INTEGER(0));
	ExpectDropped("i", dynamic); // not initialized yet
	data->SetValue(Value::INTEGER(6));
	ExpectExact("i", dynamic);
	std::string sql;
	ASSERT_TRUE(TryTableFilterToSQL(dynamic, "\"i\"", LogicalType::INTEGER, sql));
	EXPECT_EQ(RemoteCount(sql), 4); // 7, 10, 42 and INT_MAX
	data->Reset();
	ExpectDropped("i", dynamic);

	ExpectDropped("i", BFTableFilter(bloom_filter, true, "i", LogicalType::INTEGER));
	ExpectRefused("i", *Untranslatable());
}

TEST_F(FilterToSql, RefusesMismatchedConstants) {
	ExpectRefused("i", *Compare(ExpressionType::COMPARE_EQUAL, Value::BIGINT(1)));
	ExpectRefused("dec", *Compare(ExpressionType::COMPARE_EQUAL, Value::DECIMAL(int64_t(1), 18, 3)));
	ExpectRefused("s", *Compare(ExpressionType::COMPARE_EQUAL, Value(std::string("a\0b", 3))));
	ExpectRefused("st", *Compare(ExpressionType::COMPARE_EQUAL, Value::STRUCT({{"a", Value::INTEGER(1)}})));
}

//! What a hash join whose build side is local pushes into the probe-side scan before the scan
//! starts (JoinFilterPushdownInfo::FinalizeFilters, physical_hash_join.cpp in 1.5.5): min and max
//! as selectivity-optional range bounds, a small non-dense key set as an optional IN list, a bloom
//! filter; AND-ed onto the scan's own filter as DynamicTableFilterSet::GetFinalTableFilters does.
TEST_F(FilterToSql, JoinFiltersAsDuckDBPushesThem) {
	auto push_join_filters = [&](TableFilterSet &filters, bool with_bloom_filter) {
		filters.PushFilter(ColumnIndex(0), Compare(ExpressionType::COMPARE_GREATERTHAN, Value::INTEGER(0)));
		filters.PushFilter(ColumnIndex(0), make_uniq<SelectivityOptionalFilter>(
		                                       Compare(ExpressionType::COMPARE_GREATERTHANOREQUALTO, Value::INTEGER(5)),
		                                       SelectivityOptionalFilter::MIN_MAX_THRESHOLD,
		                                       SelectivityOptionalFilter::MIN_MAX_CHECK_N));
		filters.PushFilter(ColumnIndex(0), make_uniq<SelectivityOptionalFilter>(
		                                       Compare(ExpressionType::COMPARE_LESSTHANOREQUALTO, Value::INTEGER(42)),
		                                       SelectivityOptionalFilter::MIN_MAX_THRESHOLD,
		                                       SelectivityOptionalFilter::MIN_MAX_CHECK_N));
		filters.PushFilter(ColumnIndex(0), Optional(In({Value::INTEGER(5), Value::INTEGER(42), Value::INTEGER(10)})));
		if (with_bloom_filter) {
			filters.PushFilter(ColumnIndex(0),
			                   make_uniq<SelectivityOptionalFilter>(
			                       make_uniq<BFTableFilter>(bloom_filter, true, "i", LogicalType::INTEGER),
			                       SelectivityOptionalFilter::BF_THRESHOLD, SelectivityOptionalFilter::BF_CHECK_N));
		}
	};
	TableFilterSet filters;
	push_join_filters(filters, false);
	auto &combined = *filters.filters[0];
	ASSERT_EQ(combined.filter_type, TableFilterType::CONJUNCTION_AND);
	ExpectExact("i", combined);
	std::string sql;
	ASSERT_TRUE(TryTableFilterToSQL(combined, "\"i\"", LogicalType::INTEGER, sql));
	EXPECT_EQ(RemoteCount(sql), 3); // 5, 10 and 42 of the values 0, INT_MIN, INT_MAX, NULL, 5, 7, 42, 10

	// The bloom filter cannot be sent; everything else still is.
	TableFilterSet with_bloom;
	push_join_filters(with_bloom, true);
	std::string bloom_sql;
	ASSERT_TRUE(TryTableFilterToSQL(*with_bloom.filters[0], "\"i\"", LogicalType::INTEGER, bloom_sql));
	EXPECT_EQ(bloom_sql, sql);

	// One build-side key: a plain (required) comparison, also for non-equality joins.
	ExpectExact("i", *Compare(ExpressionType::COMPARE_EQUAL, Value::INTEGER(7)));
	ExpectExact("i", *Compare(ExpressionType::COMPARE_LESSTHAN, Value::INTEGER(7)));
	// Keys arrive already cast to the probe column's type; VARCHAR keys compare binary.
	ExpectExact("s", OptionalFilter(In({Value("a"), Value("B"), Value("it's")})));
	ExpectExact("d", SelectivityOptionalFilter(
	                     Compare(ExpressionType::COMPARE_GREATERTHANOREQUALTO, Value::DOUBLE(-0.0)),
	                     SelectivityOptionalFilter::MIN_MAX_THRESHOLD, SelectivityOptionalFilter::MIN_MAX_CHECK_N));
}

//! What Top-N pushes into the scan below it (TopN::PushdownDynamicFilters, topn_optimizer.cpp in
//! 1.5.5): an optional dynamic boundary, OR-ed with IS NULL for NULLS FIRST. A scan that starts
//! before the Top-N has seen rows finds no boundary and sends nothing; later, the current one.
TEST_F(FilterToSql, TopNDynamicFiltersAsDuckDBPushesThem) {
	for (bool nulls_first : {false, true}) {
		auto data = make_shared_ptr<DynamicFilterData>();
		data->filter =
		    make_uniq<ConstantFilter>(ExpressionType::COMPARE_LESSTHAN, Value::MinimumValue(LogicalType::INTEGER));
		unique_ptr<TableFilter> pushed = make_uniq<DynamicFilter>(data);
		if (nulls_first) {
			pushed = Conjunction<ConjunctionOrFilter>(make_uniq<IsNullFilter>(), std::move(pushed));
		}
		OptionalFilter filter(std::move(pushed));
		ExpectDropped("i", filter);
		data->SetValue(Value::INTEGER(10));
		ExpectExact("i", filter);
		std::string sql;
		ASSERT_TRUE(TryTableFilterToSQL(filter, "\"i\"", LogicalType::INTEGER, sql));
		EXPECT_EQ(RemoteCount(sql), nulls_first ? 5 : 4); // INT_MIN, 0, 5, 7 (and NULL)
	}
	// Descending order on VARCHAR starts from the empty string.
	auto data = make_shared_ptr<DynamicFilterData>();
	data->filter = make_uniq<ConstantFilter>(ExpressionType::COMPARE_GREATERTHAN, Value(""));
	OptionalFilter filter(make_uniq<DynamicFilter>(data));
	ExpectDropped("s", filter);
	data->SetValue(Value("a"));
	ExpectExact("s", filter);
}

namespace {

const OrderType DIRECTIONS[] = {OrderType::ASCENDING, OrderType::DESCENDING};
const OrderByNullType NULL_ORDERS[] = {OrderByNullType::NULLS_FIRST, OrderByNullType::NULLS_LAST};

std::string OrderClause(const std::string &column_sql, OrderType type, OrderByNullType null_order) {
	return column_sql + (type == OrderType::ASCENDING ? " ASC" : " DESC") +
	       (null_order == OrderByNullType::NULLS_FIRST ? " NULLS FIRST" : " NULLS LAST");
}

//! Two orderings of the same rows agree when the values at every position compare equal (ties such
//! as 0.0 and -0.0 may come in either order).
void ExpectSameSequence(MaterializedQueryResult &expected, MaterializedQueryResult &actual, const std::string &what) {
	ASSERT_FALSE(expected.HasError()) << what << ": " << expected.GetError();
	ASSERT_FALSE(actual.HasError()) << what << ": " << actual.GetError();
	ASSERT_EQ(expected.RowCount(), actual.RowCount()) << what;
	for (idx_t row = 0; row < expected.RowCount(); row++) {
		auto a = expected.GetValue(0, row);
		auto b = actual.GetValue(0, row);
		EXPECT_TRUE(Value::NotDistinctFrom(a, b))
		    << what << " row " << row << ": " << a.ToString() << " vs " << b.ToString();
	}
}

} // namespace

TEST_F(FilterToSql, OrderKeysSortLikeTheClient) {
	// A column declared NOCASE on the server must still sort binary, like the client's VARCHAR.
	Run("CREATE TABLE tc (s VARCHAR COLLATE nocase)");
	Run("INSERT INTO tc SELECT s FROM t");
	for (auto column : {"i", "d", "f", "e", "dec", "ts", "tz", "u", "h", "b", "bo", "iv", "we\"ird col"}) {
		auto quoted = QuoteIdentifier(column);
		for (auto type : DIRECTIONS) {
			for (auto null_order : NULL_ORDERS) {
				std::string key;
				ASSERT_TRUE(TryOrderToSQL(quoted, ColumnType(column), type, null_order, key)) << column;
				auto expected =
				    con.Query("SELECT " + quoted + " FROM t ORDER BY " + OrderClause(quoted, type, null_order));
				auto actual = server.Query("SELECT " + quoted + " FROM t ORDER BY " + key);
				ExpectSameSequence(*expected, *actual, key);
			}
		}
	}
	// default_collation is global, so the fixture's client sorts strings without case too; a bare
	// VARCHAR column in a plan sorts binary, so the expected order is written out here.
	const vector<Value> binary_ascending {Value(""),  Value("A"),    Value("a"), Value("a "),
	                                      Value("b"), Value("it's"), Value("ü"), Value(LogicalType::VARCHAR)};
	auto expect_binary = [&](MaterializedQueryResult &actual, bool descending, bool nulls_first,
	                         const std::string &what) {
		ASSERT_FALSE(actual.HasError()) << what << ": " << actual.GetError();
		vector<Value> expected(binary_ascending.begin(), binary_ascending.end() - 1);
		if (descending) {
			std::reverse(expected.begin(), expected.end());
		}
		expected.insert(nulls_first ? expected.begin() : expected.end(), Value(LogicalType::VARCHAR));
		ASSERT_EQ(actual.RowCount(), expected.size()) << what;
		for (idx_t row = 0; row < expected.size(); row++) {
			EXPECT_TRUE(Value::NotDistinctFrom(actual.GetValue(0, row), expected[row]))
			    << what << " row " << row << ": " << actual.GetValue(0, row).ToString();
		}
	};
	for (auto type : DIRECTIONS) {
		for (auto null_order : NULL_ORDERS) {
			std::string key;
			ASSERT_TRUE(TryOrderToSQL("\"s\"", LogicalType::VARCHAR, type, null_order, key));
			bool descending = type == OrderType::DESCENDING;
			bool nulls_first = null_order == OrderByNullType::NULLS_FIRST;
			expect_binary(*server.Query("SELECT s FROM t ORDER BY " + key), descending, nulls_first, key);
			expect_binary(*server.Query("SELECT s FROM tc ORDER BY " + key), descending, nulls_first, "tc " + key);
		}
	}
	// Without the translation the server's collation reorders: the checks above can fail.
	Run("CREATE TABLE cases (s VARCHAR COLLATE nocase)");
	Run("INSERT INTO cases VALUES ('a'), ('B')");
	std::string ascending;
	ASSERT_TRUE(
	    TryOrderToSQL("\"s\"", LogicalType::VARCHAR, OrderType::ASCENDING, OrderByNullType::NULLS_LAST, ascending));
	EXPECT_EQ(server.Query("SELECT s FROM cases ORDER BY s ASC NULLS LAST")->GetValue(0, 0), Value("a"));
	EXPECT_EQ(server.Query("SELECT s FROM cases ORDER BY " + ascending)->GetValue(0, 0), Value("B"));

	std::string key;
	EXPECT_TRUE(TryOrderToSQL("\"s\"", LogicalType::VARCHAR, OrderType::DESCENDING, OrderByNullType::NULLS_FIRST, key));
	EXPECT_EQ(key, "(\"s\" COLLATE \"binary\") DESC NULLS FIRST");
	EXPECT_FALSE(TryOrderToSQL("\"st\"", ColumnType("st"), OrderType::ASCENDING, OrderByNullType::NULLS_LAST, key));
	EXPECT_FALSE(TryOrderToSQL("\"l\"", LogicalType::LIST(LogicalType::INTEGER), OrderType::ASCENDING,
	                           OrderByNullType::NULLS_LAST, key));
	EXPECT_FALSE(
	    TryOrderToSQL("\"i\"", LogicalType::INTEGER, OrderType::ORDER_DEFAULT, OrderByNullType::NULLS_LAST, key));
	EXPECT_FALSE(
	    TryOrderToSQL("\"i\"", LogicalType::INTEGER, OrderType::ASCENDING, OrderByNullType::ORDER_DEFAULT, key));
}
