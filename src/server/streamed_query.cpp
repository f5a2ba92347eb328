#include "server/streamed_query.hpp"

#include "server/progress_registry.hpp"
#include "server/query_log.hpp"

namespace openduck {

StreamedQuery::StreamedQuery(std::string database_p, std::shared_ptr<duckdb::DuckDB> instance_p,
                             std::shared_ptr<duckdb::Connection> connection_p,
                             std::chrono::steady_clock::time_point started_p)
    : database(std::move(database_p)), instance(std::move(instance_p)), connection(std::move(connection_p)),
      started(started_p), last_activity(started_p) {
}

StreamedQuery::~StreamedQuery() {
	std::lock_guard<std::mutex> guard(lock);
	ReleaseLocked();
}

void StreamedQuery::TrackProgress(ProgressRegistry &registry, std::string progress_id_p) {
	EnableProgressTracking(*connection);
	if (registry.Add(progress_id_p, connection)) {
		progress_registry = &registry;
		progress_id = std::move(progress_id_p);
	}
}

void StreamedQuery::DetachFromConnection() {
	std::lock_guard<std::mutex> guard(lock);
	detached_connection = std::move(connection);
	connection.reset();
	if (progress_registry) {
		progress_registry->Remove(progress_id);
		progress_registry = nullptr;
	}
}

void StreamedQuery::Start(duckdb::unique_ptr<duckdb::QueryResult> result, uint64_t max_piece_bytes_p,
                          uint32_t arrow_format_version) {
	max_piece_bytes = max_piece_bytes_p;
	format =
	    std::make_shared<ResultFormat>(*connection->context, result->types, result->names, arrow_format_version);
	source = std::unique_ptr<ResultSource>(new ResultSource(std::move(result)));
}

void StreamedQuery::EncodeFirstPiece() {
	first_encoder = std::unique_ptr<ResultEncoder>(new ResultEncoder(format, *source, max_piece_bytes));
	first_encoder->Next(first_piece);
}

bool StreamedQuery::FirstPieceIsEverything() const {
	return first_encoder && first_encoder->Finished();
}

std::unique_ptr<ResultEncoder> StreamedQuery::OpenStream(uint32_t index, EncodedPiece &first, bool &has_first) {
	std::lock_guard<std::mutex> guard(lock);
	has_first = false;
	if (index >= stream_count) {
		return nullptr;
	}
	opened.resize(stream_count, false);
	if (opened[index]) {
		return nullptr;
	}
	opened[index] = true;
	active_streams++;
	last_activity = std::chrono::steady_clock::now();
	if (first_encoder) {
		// Whichever stream comes first sends the piece ExecuteQuery already encoded.
		has_first = true;
		std::swap(first, first_piece);
		return std::move(first_encoder);
	}
	return std::unique_ptr<ResultEncoder>(new ResultEncoder(format, *source, max_piece_bytes));
}

std::shared_ptr<duckdb::Connection> StreamedQuery::Connection() {
	std::lock_guard<std::mutex> guard(lock);
	return connection;
}

void StreamedQuery::Cancel() {
	std::shared_ptr<duckdb::Connection> running;
	{
		std::lock_guard<std::mutex> guard(lock);
		cancelled = true;
		running = connection;
	}
	if (running) {
		running->Interrupt();
	}
}

bool StreamedQuery::Cancelled() {
	std::lock_guard<std::mutex> guard(lock);
	return cancelled;
}

void StreamedQuery::CloseStream(uint64_t stream_rows, uint64_t stream_bytes, const std::string &stream_status) {
	std::lock_guard<std::mutex> guard(lock);
	active_streams--;
	closed_streams++;
	last_activity = std::chrono::steady_clock::now();
	rows += stream_rows;
	bytes += stream_bytes;
	if (status == "ok" && stream_status != "ok") {
		status = stream_status;
	}
	if (logged || active_streams > 0) {
		return;
	}
	if (status == "ok" && source && !source->Done()) {
		// Only reachable when a stream stopped before its end without an error; keep the rows for
		// the streams still to come.
		return;
	}
	LogQuery(database, started, rows, bytes, closed_streams, status, log_fields);
	logged = true;
	ReleaseLocked();
}

void StreamedQuery::FinishInline(uint64_t inline_rows, uint64_t inline_bytes) {
	std::lock_guard<std::mutex> guard(lock);
	LogQuery(database, started, inline_rows, inline_bytes, 0, "ok", log_fields);
	logged = true;
	ReleaseLocked();
}

bool StreamedQuery::Expired(std::chrono::steady_clock::time_point now, std::chrono::steady_clock::duration ttl) {
	std::lock_guard<std::mutex> guard(lock);
	if (active_streams > 0) {
		return false;
	}
	if (closed_streams >= stream_count) {
		return true;
	}
	return now - last_activity > ttl;
}

void StreamedQuery::ReleaseLocked() {
	// The encoders of open streams hold the source, so release only when none is open.
	first_encoder.reset();
	if (source) {
		source->Release();
	}
	connection.reset();
	detached_connection.reset();
	if (progress_registry) {
		progress_registry->Remove(progress_id);
		progress_registry = nullptr;
	}
}

} // namespace openduck
