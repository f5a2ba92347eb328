#include "server/result_source.hpp"

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

ResultSource::ResultSource(duckdb::unique_ptr<duckdb::QueryResult> result_p) : result(std::move(result_p)) {
}

ResultSource::~ResultSource() = default;

bool ResultSource::Next(uint64_t target_bytes, idx_t max_rows, ResultGroup &group) {
	group.chunks.clear();
	group.chunk_bytes.clear();
	group.last = false;
	std::lock_guard<std::mutex> guard(lock);
	if (error.HasError()) {
		error.Throw();
	}
	if (exhausted) {
		return false;
	}
	group.batch_index = next_batch_index++;
	uint64_t bytes = 0;
	idx_t rows = 0;
	try {
		// Fetched under the lock so that a group is a contiguous run of the result.
		while (bytes < target_bytes && rows < max_rows) {
			auto chunk = result->Fetch();
			if (!chunk || chunk->size() == 0) {
				if (result->HasError()) {
					result->ThrowError();
				}
				exhausted = true;
				group.last = true;
				break;
			}
			uint64_t chunk_bytes = 0;
			for (auto &column : chunk->data) {
				chunk_bytes += EstimateArrowBytes(column, chunk->size());
			}
			bytes += chunk_bytes;
			rows += chunk->size();
			group.chunk_bytes.push_back(chunk_bytes);
			group.chunks.push_back(std::move(chunk));
		}
	} catch (std::exception &ex) {
		// Every stream must fail, not only the one that met the error: a stream that ended
		// normally would make its client take a partial result for a whole one.
		error = duckdb::ErrorData(ex);
		throw;
	}
	return !group.chunks.empty();
}

bool ResultSource::Done() {
	std::lock_guard<std::mutex> guard(lock);
	return exhausted || error.HasError();
}

void ResultSource::Release() {
	std::lock_guard<std::mutex> guard(lock);
	result.reset();
	exhausted = true;
}

} // namespace openduck
