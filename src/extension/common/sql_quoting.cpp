#include "extension/common/sql_quoting.hpp"

#include "duckdb/common/types.hpp"
#include "duckdb/common/types/value.hpp"

#include <charconv>
#include <cmath>
#include <type_traits>

namespace openduck {

using duckdb::LogicalType;
using duckdb::LogicalTypeId;
using duckdb::Value;

namespace {

//! Beyond this an ENUM type spelled out inline makes every literal of it too large to be worth sending.
constexpr size_t MAX_ENUM_TYPE_SQL = 64 * 1024;

std::string QuoteWith(const std::string &text, char quote) {
	std::string result;
	result.reserve(text.size() + 2);
	result += quote;
	for (char c : text) {
		if (c == quote) {
			result += quote;
		}
		result += c;
	}
	result += quote;
	return result;
}

//! The server's parser rejects invalid UTF-8, and a NUL byte would end the query text early in some
//! layers, so such strings have no literal.
bool IsValidUtf8WithoutNul(const std::string &text) {
	size_t i = 0;
	const size_t n = text.size();
	while (i < n) {
		auto c = static_cast<unsigned char>(text[i]);
		if (c == 0) {
			return false;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t extra;
		uint32_t code_point;
		if ((c & 0xE0) == 0xC0) {
			extra = 1;
			code_point = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			extra = 2;
			code_point = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			extra = 3;
			code_point = c & 0x07;
		} else {
			return false;
		}
		if (i + extra >= n) {
			return false;
		}
		for (size_t k = 1; k <= extra; k++) {
			auto cc = static_cast<unsigned char>(text[i + k]);
			if ((cc & 0xC0) != 0x80) {
				return false;
			}
			code_point = (code_point << 6) | (cc & 0x3F);
		}
		// Reject overlong forms, surrogates and values beyond U+10FFFF.
		static const uint32_t MIN_CODE_POINT[] = {0, 0x80, 0x800, 0x10000};
		if (code_point < MIN_CODE_POINT[extra] || code_point > 0x10FFFF ||
		    (code_point >= 0xD800 && code_point <= 0xDFFF)) {
			return false;
		}
		i += extra + 1;
	}
	return true;
}

//! The SQL spelling of an ENUM type with its labels in order: comparing a column of a (named) enum
//! type with a value of an inline ENUM with the same labels compares positions, not strings.
bool EnumTypeToSQL(const LogicalType &type, std::string &out) {
	auto size = duckdb::EnumType::GetSize(type);
	std::string result = "ENUM(";
	for (duckdb::idx_t i = 0; i < size; i++) {
		auto label = duckdb::EnumType::GetString(type, i).GetString();
		if (!IsValidUtf8WithoutNul(label)) {
			return false;
		}
		if (i > 0) {
			result += ", ";
		}
		result += QuoteStringLiteral(label);
		if (result.size() > MAX_ENUM_TYPE_SQL) {
			return false;
		}
	}
	result += ")";
	out = std::move(result);
	return true;
}

//! The canonical name of a type the server resolves without any catalog lookups. User type aliases
//! are deliberately ignored: the server may not know them, and the underlying type is what matters.
bool TypeToSQL(const LogicalType &type, std::string &out) {
	switch (type.id()) {
	case LogicalTypeId::BOOLEAN:
		out = "BOOLEAN";
		return true;
	case LogicalTypeId::TINYINT:
		out = "TINYINT";
		return true;
	case LogicalTypeId::SMALLINT:
		out = "SMALLINT";
		return true;
	case LogicalTypeId::INTEGER:
		out = "INTEGER";
		return true;
	case LogicalTypeId::BIGINT:
		out = "BIGINT";
		return true;
	case LogicalTypeId::HUGEINT:
		out = "HUGEINT";
		return true;
	case LogicalTypeId::UTINYINT:
		out = "UTINYINT";
		return true;
	case LogicalTypeId::USMALLINT:
		out = "USMALLINT";
		return true;
	case LogicalTypeId::UINTEGER:
		out = "UINTEGER";
		return true;
	case LogicalTypeId::UBIGINT:
		out = "UBIGINT";
		return true;
	case LogicalTypeId::UHUGEINT:
		out = "UHUGEINT";
		return true;
	case LogicalTypeId::FLOAT:
		out = "FLOAT";
		return true;
	case LogicalTypeId::DOUBLE:
		out = "DOUBLE";
		return true;
	case LogicalTypeId::DECIMAL: {
		uint8_t width, scale;
		if (!type.GetDecimalProperties(width, scale)) {
			return false;
		}
		out = "DECIMAL(" + std::to_string(width) + ", " + std::to_string(scale) + ")";
		return true;
	}
	case LogicalTypeId::VARCHAR:
		out = "VARCHAR";
		return true;
	case LogicalTypeId::BLOB:
		out = "BLOB";
		return true;
	case LogicalTypeId::BIT:
		out = "BIT";
		return true;
	case LogicalTypeId::BIGNUM:
		out = "BIGNUM";
		return true;
	case LogicalTypeId::DATE:
		out = "DATE";
		return true;
	case LogicalTypeId::TIME:
		out = "TIME";
		return true;
	case LogicalTypeId::TIME_NS:
		out = "TIME_NS";
		return true;
	case LogicalTypeId::TIME_TZ:
		out = "TIME WITH TIME ZONE";
		return true;
	case LogicalTypeId::TIMESTAMP:
		out = "TIMESTAMP";
		return true;
	case LogicalTypeId::TIMESTAMP_SEC:
		out = "TIMESTAMP_S";
		return true;
	case LogicalTypeId::TIMESTAMP_MS:
		out = "TIMESTAMP_MS";
		return true;
	case LogicalTypeId::TIMESTAMP_NS:
		out = "TIMESTAMP_NS";
		return true;
	case LogicalTypeId::TIMESTAMP_TZ:
		out = "TIMESTAMP WITH TIME ZONE";
		return true;
	case LogicalTypeId::INTERVAL:
		out = "INTERVAL";
		return true;
	case LogicalTypeId::UUID:
		out = "UUID";
		return true;
	case LogicalTypeId::ENUM:
		return EnumTypeToSQL(type, out);
	default:
		// Nested, geometry, variant, pointer, ...: no exact spelling we are willing to promise.
		return false;
	}
}

//! Shortest text that parses back to exactly `value` (std::to_chars is locale-independent and
//! round-trips); NaN and infinities use the spellings DuckDB's casts accept.
template <class T>
std::string FloatToText(T value) {
	if (std::isnan(value)) {
		// DuckDB treats all NaNs as one value (equal to each other, greater than everything else).
		return "nan";
	}
	if (std::isinf(value)) {
		return value > 0 ? "inf" : "-inf";
	}
	char buffer[64];
	auto res = std::to_chars(buffer, buffer + sizeof(buffer), value);
	return std::string(buffer, res.ptr);
}

std::string HexBlob(const std::string &bytes) {
	static const char *HEX = "0123456789ABCDEF";
	std::string result;
	result.reserve(bytes.size() * 4);
	for (char c : bytes) {
		auto b = static_cast<unsigned char>(c);
		result += "\\x";
		result += HEX[b >> 4];
		result += HEX[b & 0x0F];
	}
	return result;
}

//! Finite TIMESTAMP_NS values before the earliest one DuckDB's VARCHAR cast accepts.
bool IsBelowParseableTimestampNs(const Value &value) {
	auto raw = value.GetValueUnsafe<int64_t>();
	auto minimum = Value::MinimumValue(LogicalType::TIMESTAMP_NS).GetValueUnsafe<int64_t>();
	return raw < minimum && raw != duckdb::timestamp_t::ninfinity().value;
}

std::string Cast(const std::string &expr, const std::string &type_sql) {
	return "CAST(" + expr + " AS " + type_sql + ")";
}

bool TryValueToSQLLiteralInternal(const Value &value, std::string &out) {
	auto &type = value.type();
	if (type.id() == LogicalTypeId::SQLNULL) {
		out = "NULL";
		return true;
	}
	std::string type_sql;
	if (!TypeToSQL(type, type_sql)) {
		return false;
	}
	if (value.IsNull()) {
		out = Cast("NULL", type_sql);
		return true;
	}
	if (type.id() == LogicalTypeId::TIMESTAMP_NS && IsBelowParseableTimestampNs(value)) {
		// DuckDB can neither print nor parse these (its string cast goes through microseconds), and
		// even make_timestamp_ns() results cannot be returned to a client.
		return false;
	}
	switch (type.id()) {
	case LogicalTypeId::BOOLEAN:
		out = value.GetValue<bool>() ? "true" : "false";
		return true;
	case LogicalTypeId::TINYINT:
	case LogicalTypeId::SMALLINT:
	case LogicalTypeId::INTEGER:
	case LogicalTypeId::BIGINT:
	case LogicalTypeId::UTINYINT:
	case LogicalTypeId::USMALLINT:
	case LogicalTypeId::UINTEGER:
	case LogicalTypeId::UBIGINT:
	case LogicalTypeId::HUGEINT:
	case LogicalTypeId::UHUGEINT:
	case LogicalTypeId::DECIMAL:
	case LogicalTypeId::BIGNUM:
		// Quoted digits: a bare numeric literal beyond the BIGINT/HUGEINT range would be parsed as a
		// DOUBLE first and lose precision; the string cast is exact for every width.
		out = Cast(QuoteStringLiteral(value.ToString()), type_sql);
		return true;
	case LogicalTypeId::FLOAT:
		out = Cast(QuoteStringLiteral(FloatToText(value.GetValue<float>())), type_sql);
		return true;
	case LogicalTypeId::DOUBLE:
		out = Cast(QuoteStringLiteral(FloatToText(value.GetValue<double>())), type_sql);
		return true;
	case LogicalTypeId::VARCHAR: {
		auto &text = duckdb::StringValue::Get(value);
		if (!IsValidUtf8WithoutNul(text)) {
			return false;
		}
		// Left as a string literal (VARCHAR when it stands alone) so that it compares like the
		// constant DuckDB itself would use against a VARCHAR column.
		out = QuoteStringLiteral(text);
		return true;
	}
	case LogicalTypeId::BLOB:
		// Every byte escaped: the result is pure ASCII and independent of what the bytes look like.
		out = Cast(QuoteStringLiteral(HexBlob(duckdb::StringValue::Get(value))), type_sql);
		return true;
	case LogicalTypeId::BIT:
	case LogicalTypeId::UUID:
	case LogicalTypeId::DATE:
	case LogicalTypeId::TIME:
	case LogicalTypeId::TIME_NS:
	case LogicalTypeId::TIME_TZ:
	case LogicalTypeId::TIMESTAMP:
	case LogicalTypeId::TIMESTAMP_SEC:
	case LogicalTypeId::TIMESTAMP_MS:
	case LogicalTypeId::TIMESTAMP_NS:
	case LogicalTypeId::TIMESTAMP_TZ:
		// Value::ToString uses the built-in casts only (never ICU or the session TimeZone): dates and
		// times print exactly (incl. "(BC)" and infinities), TIME_TZ keeps its offset and TIMESTAMPTZ
		// prints the UTC instant with an explicit "+00", which every TimeZone parses back alike.
		out = Cast(QuoteStringLiteral(value.ToString()), type_sql);
		return true;
	case LogicalTypeId::INTERVAL: {
		// The interval text form cannot express every value (e.g. INT64_MIN microseconds) and its
		// parser normalises; adding the three parts keeps months, days and micros exactly as they are.
		auto interval = value.GetValue<duckdb::interval_t>();
		out = "(to_months(CAST('" + std::to_string(interval.months) + "' AS INTEGER)) + to_days(CAST('" +
		      std::to_string(interval.days) + "' AS INTEGER)) + to_microseconds(CAST('" +
		      std::to_string(interval.micros) + "' AS BIGINT)))";
		return true;
	}
	case LogicalTypeId::ENUM: {
		auto label = value.ToString();
		if (!IsValidUtf8WithoutNul(label)) {
			return false;
		}
		out = Cast(QuoteStringLiteral(label), type_sql);
		return true;
	}
	default:
		return false;
	}
}

} // namespace

std::string QuoteIdentifier(const std::string &name) {
	return QuoteWith(name, '"');
}

std::string QuoteStringLiteral(const std::string &text) {
	return QuoteWith(text, '\'');
}

bool TryValueToSQLLiteral(const Value &value, std::string &out) {
	try {
		return TryValueToSQLLiteralInternal(value, out);
	} catch (std::exception &) {
		// E.g. a TIMESTAMP_MS beyond what DuckDB can print: no literal, keep the work local.
		return false;
	}
}

} // namespace openduck
