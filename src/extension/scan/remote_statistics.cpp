#include "scan/remote_statistics.hpp"

#include "common/sql_quoting.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/storage/statistics/numeric_stats.hpp"
#include "scan/openduck_scan.hpp"

#include <regex>

namespace openduck {

using namespace duckdb; // NOLINT

namespace {

//! Types whose statistics are NumericStats and whose min/max DuckDB prints as plain values that
//! cast back from text. Others (strings keep only an 8-byte prefix, enums print labels, ...) get
//! null flags and the distinct estimate only.
bool HasExactMinMaxText(const LogicalType &type) {
	switch (type.id()) {
	case LogicalTypeId::BOOLEAN:
	case LogicalTypeId::TINYINT:
	case LogicalTypeId::SMALLINT:
	case LogicalTypeId::INTEGER:
	case LogicalTypeId::BIGINT:
	case LogicalTypeId::HUGEINT:
	case LogicalTypeId::UTINYINT:
	case LogicalTypeId::USMALLINT:
	case LogicalTypeId::UINTEGER:
	case LogicalTypeId::UBIGINT:
	case LogicalTypeId::UHUGEINT:
	case LogicalTypeId::FLOAT:
	case LogicalTypeId::DOUBLE:
	case LogicalTypeId::DECIMAL:
	case LogicalTypeId::DATE:
	case LogicalTypeId::TIME:
	case LogicalTypeId::TIMESTAMP:
	case LogicalTypeId::TIMESTAMP_SEC:
	case LogicalTypeId::TIMESTAMP_MS:
	case LogicalTypeId::TIMESTAMP_NS:
	case LogicalTypeId::TIMESTAMP_TZ:
		return BaseStatistics::GetStatsType(type) == StatisticsType::NUMERIC_STATS;
	default:
		return false;
	}
}

//! `text` as a value of `type`, only if that value prints as exactly `text` again: then nothing
//! was rounded or clamped on the way, and the bound is the server's own.
bool TryParseExactValue(const std::string &text, const LogicalType &type, Value &out) {
	Value parsed;
	std::string error;
	if (!Value(text).DefaultTryCastAs(type, parsed, &error, true)) {
		return false;
	}
	if (parsed.IsNull() || parsed.ToString() != text) {
		return false;
	}
	out = std::move(parsed);
	return true;
}

//! The min/max of "[Min: <min>, Max: <max>]". Printed numbers and dates never contain ", Max: ",
//! so a second occurrence means the text is not what we expect.
bool TryParseMinMax(const std::string &head, const LogicalType &type, Value &min, Value &max) {
	static const std::string PREFIX = "[Min: ";
	static const std::string SEPARATOR = ", Max: ";
	if (head.size() < PREFIX.size() + SEPARATOR.size() + 1 || head.compare(0, PREFIX.size(), PREFIX) != 0 ||
	    head.back() != ']') {
		return false;
	}
	auto body = head.substr(PREFIX.size(), head.size() - PREFIX.size() - 1);
	auto separator = body.find(SEPARATOR);
	if (separator == std::string::npos || body.find(SEPARATOR, separator + 1) != std::string::npos) {
		return false;
	}
	return TryParseExactValue(body.substr(0, separator), type, min) &&
	       TryParseExactValue(body.substr(separator + SEPARATOR.size()), type, max) && min <= max;
}

} // namespace

std::string BuildRemoteStatisticsSQL(const std::string &schema_name, const std::string &table_name,
                                     const vector<std::string> &column_names) {
	std::string select_list;
	for (auto &name : column_names) {
		select_list += (select_list.empty() ? "" : ", ") + std::string("stats(") + QuoteIdentifier(name) + ")";
	}
	return "SELECT " + select_list + " FROM " + QuoteIdentifier(schema_name) + "." + QuoteIdentifier(table_name) +
	       " LIMIT 1";
}

unique_ptr<BaseStatistics> ParseRemoteStatistics(const std::string &text, const LogicalType &type) {
	// Every kind of statistics ends with the validity part, then the distinct estimate if there is one.
	static const std::regex TAIL(
	    R"(\[Has Null: (true|false), Has No Null: (true|false)\](\[Approx Unique: ([0-9]{1,18})\])?$)");
	std::smatch tail;
	if (!std::regex_search(text, tail, TAIL)) {
		return nullptr;
	}
	bool has_null = tail[1] == "true";
	bool has_valid = tail[2] == "true";
	auto result = BaseStatistics::CreateUnknown(type).ToUnique();
	if (!has_null) {
		result->Set(StatsInfo::CANNOT_HAVE_NULL_VALUES);
	}
	if (!has_valid) {
		result->Set(StatsInfo::CANNOT_HAVE_VALID_VALUES);
	}
	if (tail[4].matched) {
		result->SetDistinctCount(std::stoull(tail[4].str()));
	}
	Value min, max;
	if (has_valid && HasExactMinMaxText(type) && TryParseMinMax(text.substr(0, tail.position(0)), type, min, max)) {
		NumericStats::SetMin(*result, min);
		NumericStats::SetMax(*result, max);
	}
	return result;
}

unique_ptr<BaseStatistics> OpenDuckScanStatistics(ClientContext &context, const FunctionData *bind_data_p,
                                                  column_t column_id) {
	auto &bind_data = bind_data_p->Cast<OpenDuckScanBindData>();
	if (!bind_data.table) {
		return nullptr;
	}
	return bind_data.table->GetStatistics(context, column_id);
}

} // namespace openduck
