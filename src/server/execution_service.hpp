//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/execution_service.hpp
//
// The worker side of the protocol: runs statements on embedded DuckDB, streams
// their results (over one or several parallel streams) and reports progress.
//===----------------------------------------------------------------------===//

#pragma once

#include "openduck/v1/execution.grpc.pb.h"
#include "server/cancellation_watcher.hpp"
#include "server/progress_registry.hpp"
#include "server/streamed_query.hpp"
#include "server/token_auth.hpp"
#include "storage/database_store.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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
	grpc::Status GetProgress(grpc::ServerContext *context, const v1::GetProgressRequest *request,
	                         v1::GetProgressResponse *response) override;
	//! Stops every running query and drops results nobody streamed (shutdown).
	void InterruptAll();

private:
	grpc::Status CheckCall(const grpc::ServerContext &context) const;
	std::shared_ptr<StreamedQuery> FindPending(const std::string &query_id);
	//! Runs the statements of a request; returns the last one's result.
	duckdb::unique_ptr<duckdb::QueryResult> RunStatements(duckdb::Connection &connection,
	                                                      const v1::ExecuteQueryRequest &request);
	//! Sends one stream of `query` until its end, a failure or a cancellation.
	grpc::Status SendStream(grpc::ServerContext &context, StreamedQuery &query, uint32_t stream_index,
	                        grpc::ServerWriter<v1::ResultChunk> &writer);
	//! Drops results whose streams are all done, and abandoned ones (no stream open for the TTL).
	void DropExpired();
	void ReaperLoop();

	DatabaseStore &store;
	const TokenAuthenticator &auth;
	uint64_t max_message_bytes;
	uint32_t max_streams_per_query;
	ProgressRegistry progress;
	CancellationWatcher cancellation_watcher;
	std::mutex lock;
	std::unordered_map<std::string, std::shared_ptr<StreamedQuery>> pending;
	std::condition_variable reaper_wake;
	bool stopping = false;
	std::thread reaper;
};

} // namespace openduck
