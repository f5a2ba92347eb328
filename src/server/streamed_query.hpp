//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/streamed_query.hpp
//
// A statement whose result waits to be streamed, or is being streamed by one or
// more StreamResults calls. It runs once in DuckDB; its streams share its rows.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"
#include "server/result_encoder.hpp"
#include "server/result_source.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace openduck {

class ProgressRegistry;

class StreamedQuery {
public:
	StreamedQuery(std::string database, std::shared_ptr<duckdb::DuckDB> instance,
	              std::shared_ptr<duckdb::Connection> connection, std::chrono::steady_clock::time_point started);
	~StreamedQuery();

	//! Set up by ExecuteQuery before any stream opens.
	void Start(duckdb::unique_ptr<duckdb::QueryResult> result, uint64_t max_piece_bytes,
	           uint32_t arrow_format_version);
	//! Encodes the first piece (ExecuteQuery sends it inline when it holds the whole result).
	void EncodeFirstPiece();
	EncodedPiece &FirstPiece() {
		return first_piece;
	}
	bool FirstPieceIsEverything() const;
	void SetStreamCount(uint32_t count) {
		stream_count = count;
	}
	//! For a statement of a session, once its result is materialized: the connection runs the
	//! session's next statements, so cancelling a stream of this result must not interrupt it. The
	//! connection is only kept alive (the result format refers to its context).
	void DetachFromConnection();
	//! More " key=value" fields for the query's log line.
	void SetLogFields(std::string fields) {
		log_fields = std::move(fields);
	}
	//! Reports progress under `progress_id` until the query is done.
	void TrackProgress(ProgressRegistry &registry, std::string progress_id);

	const std::string &Database() const {
		return database;
	}
	std::chrono::steady_clock::time_point Started() const {
		return started;
	}
	const ResultFormat &Format() const {
		return *format;
	}

	//! Claims stream `index` for a StreamResults call. Returns null when the index is out of range
	//! or was streamed before. The encoder's first piece is in `first` when the stream should send
	//! the piece ExecuteQuery encoded.
	std::unique_ptr<ResultEncoder> OpenStream(uint32_t index, EncodedPiece &first, bool &has_first);
	//! The connection to interrupt when a stream is cancelled; null once the query is done.
	std::shared_ptr<duckdb::Connection> Connection();
	//! Marks the query cancelled (a stream's client went away) and interrupts it.
	void Cancel();
	bool Cancelled();
	//! Records the end of a stream. After the last open stream of a finished or failed query, logs
	//! the query once and frees what DuckDB holds for it.
	void CloseStream(uint64_t rows, uint64_t bytes, const std::string &status);
	//! Logs the query (without streams) and frees its resources; used for inline results.
	void FinishInline(uint64_t rows, uint64_t bytes);
	//! True when nothing more can happen: every granted stream was opened and closed, or no stream
	//! is open and the last activity is older than `ttl`.
	bool Expired(std::chrono::steady_clock::time_point now, std::chrono::steady_clock::duration ttl);

private:
	void ReleaseLocked();

	std::string database;
	std::shared_ptr<duckdb::DuckDB> instance;
	std::shared_ptr<duckdb::Connection> connection;
	//! Set by DetachFromConnection.
	std::shared_ptr<duckdb::Connection> detached_connection;
	std::string log_fields;
	std::chrono::steady_clock::time_point started;
	std::unique_ptr<ResultSource> source;
	std::shared_ptr<const ResultFormat> format;
	uint64_t max_piece_bytes = 0;
	std::unique_ptr<ResultEncoder> first_encoder;
	EncodedPiece first_piece;
	ProgressRegistry *progress_registry = nullptr;
	std::string progress_id;

	std::mutex lock;
	uint32_t stream_count = 1;
	std::vector<bool> opened;
	uint32_t active_streams = 0;
	uint32_t closed_streams = 0;
	std::chrono::steady_clock::time_point last_activity;
	uint64_t rows = 0;
	uint64_t bytes = 0;
	std::string status = "ok";
	bool cancelled = false;
	bool logged = false;
};

} // namespace openduck
