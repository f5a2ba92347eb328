//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/execution_service.hpp
//
// The worker side of the protocol: runs statements on embedded DuckDB and
// streams their results.
//===----------------------------------------------------------------------===//

#pragma once

#include "openduck/v1/execution.grpc.pb.h"
#include "server/cancellation_watcher.hpp"
#include "server/result_encoder.hpp"
#include "server/token_auth.hpp"
#include "storage/database_store.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace openduck {

class ExecutionService final : public v1::ExecutionService::Service {
public:
	ExecutionService(DatabaseStore &store, const TokenAuthenticator &auth, uint64_t max_message_bytes);
	~ExecutionService() override;

	grpc::Status ExecuteQuery(grpc::ServerContext *context, const v1::ExecuteQueryRequest *request,
	                          v1::ExecuteQueryResponse *response) override;
	grpc::Status StreamResults(grpc::ServerContext *context, const v1::StreamResultsRequest *request,
	                           grpc::ServerWriter<v1::ResultChunk> *writer) override;
	//! Stops every running query and drops results nobody streamed (shutdown).
	void InterruptAll();

private:
	//! A statement that ran (or is running) and waits for its result to be streamed.
	struct PendingResult {
		std::string database;
		std::shared_ptr<duckdb::DuckDB> instance;
		std::unique_ptr<duckdb::Connection> connection;
		std::unique_ptr<duckdb::QueryResult> result;
		std::unique_ptr<ResultEncoder> encoder;
		//! Encoded while answering ExecuteQuery; StreamResults sends it first.
		EncodedPiece first_piece;
		std::chrono::steady_clock::time_point started;
	};

	grpc::Status CheckCall(const grpc::ServerContext &context) const;
	std::unique_ptr<PendingResult> TakePending(const std::string &query_id);
	//! Runs the statements of a request; the last one's result stays in `entry`.
	void RunStatements(PendingResult &entry, const v1::ExecuteQueryRequest &request);
	void DropExpiredPending();

	DatabaseStore &store;
	const TokenAuthenticator &auth;
	uint64_t max_message_bytes;
	CancellationWatcher cancellation_watcher;
	std::mutex lock;
	std::unordered_map<std::string, std::unique_ptr<PendingResult>> pending;
};

} // namespace openduck
