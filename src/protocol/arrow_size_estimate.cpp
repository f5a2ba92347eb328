#include "protocol/arrow_size_estimate.hpp"

#include <algorithm>

namespace openduck {

using duckdb::idx_t;
using duckdb::PhysicalType;

uint64_t EstimateArrowBytes(duckdb::Vector &vector, idx_t count) {
	auto &type = vector.GetType();
	switch (type.InternalType()) {
	case PhysicalType::VARCHAR: {
		duckdb::UnifiedVectorFormat format;
		vector.ToUnifiedFormat(count, format);
		auto strings = duckdb::UnifiedVectorFormat::GetData<duckdb::string_t>(format);
		uint64_t total = 4 * count;
		for (idx_t i = 0; i < count; i++) {
			auto index = format.sel->get_index(i);
			if (format.validity.RowIsValid(index)) {
				total += strings[index].GetSize();
			}
		}
		return total;
	}
	case PhysicalType::LIST: {
		auto &child = duckdb::ListVector::GetEntry(vector);
		auto child_count = duckdb::ListVector::GetListSize(vector);
		return 4 * count + EstimateArrowBytes(child, child_count);
	}
	case PhysicalType::ARRAY: {
		auto &child = duckdb::ArrayVector::GetEntry(vector);
		return EstimateArrowBytes(child, count * duckdb::ArrayType::GetSize(type));
	}
	case PhysicalType::STRUCT: {
		uint64_t total = count / 8 + 1;
		for (auto &child : duckdb::StructVector::GetEntries(vector)) {
			total += EstimateArrowBytes(*child, count);
		}
		return total;
	}
	default:
		return count * std::max<idx_t>(1, duckdb::GetTypeIdSize(type.InternalType())) + count / 8 + 1;
	}
}

} // namespace openduck
