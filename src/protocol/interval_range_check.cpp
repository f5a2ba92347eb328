#include "protocol/interval_range_check.hpp"

#include "duckdb/common/type_visitor.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

//! Largest absolute number of microseconds whose nanoseconds still fit an int64.
static constexpr int64_t MAX_ARROW_INTERVAL_MICROS = NumericLimits<int64_t>::Maximum() / 1000;

bool ContainsInterval(const LogicalType &type) {
	return TypeVisitor::Contains(type, LogicalTypeId::INTERVAL);
}

static void CheckRange(Vector &vector, idx_t offset, idx_t count, const std::string &column_name);

static void ThrowOutOfRange(const interval_t &value, const std::string &column_name) {
	throw OutOfRangeException("INTERVAL %s in column \"%s\" is too large to send: Arrow carries an interval's time "
	                          "part in 64-bit nanoseconds (at most about 2562047 hours); cast it to VARCHAR or "
	                          "split it into days",
	                          Interval::ToString(value), column_name);
}

static void CheckChildren(Vector &vector, idx_t offset, idx_t count, const std::string &column_name) {
	switch (vector.GetType().InternalType()) {
	case PhysicalType::STRUCT:
		for (auto &child : StructVector::GetEntries(vector)) {
			CheckRange(*child, offset, count, column_name);
		}
		break;
	case PhysicalType::LIST: {
		UnifiedVectorFormat format;
		vector.ToUnifiedFormat(offset + count, format);
		auto entries = UnifiedVectorFormat::GetData<list_entry_t>(format);
		auto &child = ListVector::GetEntry(vector);
		for (idx_t row = offset; row < offset + count; row++) {
			auto index = format.sel->get_index(row);
			if (format.validity.RowIsValid(index) && entries[index].length > 0) {
				CheckRange(child, entries[index].offset, entries[index].length, column_name);
			}
		}
		break;
	}
	case PhysicalType::ARRAY: {
		auto size = ArrayType::GetSize(vector.GetType());
		CheckRange(ArrayVector::GetEntry(vector), offset * size, count * size, column_name);
		break;
	}
	default:
		break;
	}
}

static void CheckRange(Vector &vector, idx_t offset, idx_t count, const std::string &column_name) {
	if (!ContainsInterval(vector.GetType())) {
		return;
	}
	if (vector.GetType().id() != LogicalTypeId::INTERVAL) {
		if (vector.GetVectorType() == VectorType::FLAT_VECTOR) {
			CheckChildren(vector, offset, count, column_name);
		} else {
			// Nested children are only reachable through a flat vector; flattening a reference
			// leaves the result itself untouched.
			Vector flat(vector);
			flat.Flatten(offset + count);
			CheckChildren(flat, offset, count, column_name);
		}
		return;
	}
	UnifiedVectorFormat format;
	vector.ToUnifiedFormat(offset + count, format);
	auto values = UnifiedVectorFormat::GetData<interval_t>(format);
	for (idx_t row = offset; row < offset + count; row++) {
		auto index = format.sel->get_index(row);
		if (!format.validity.RowIsValid(index)) {
			continue;
		}
		auto micros = values[index].micros;
		if (micros > MAX_ARROW_INTERVAL_MICROS || micros < -MAX_ARROW_INTERVAL_MICROS) {
			ThrowOutOfRange(values[index], column_name);
		}
	}
}

void CheckIntervalsFitArrow(Vector &vector, idx_t offset, idx_t count, const std::string &column_name) {
	CheckRange(vector, offset, count, column_name);
}

} // namespace openduck
