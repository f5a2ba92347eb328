//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/execution_service.hpp
//
// The worker side of the protocol: runs statements on embedded DuckDB (alone,
// in a session, or reading rows the client uploads), streams their results
// (over one or several parallel streams) and reports progress.
//===----------------------------------------------------------------------===//

#pragma once

#include "openduck/v1/execution.grpc.pb.h"
#include "server/cancellation_watcher.hpp"
#include "server/progress_registry.hpp"
#include "server/session_registry.hpp"
#include "server/streamed_query.hpp"
#include "server/token_auth.hpp"
#include "storage/database_store.hpp"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
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
	grpc::Status OpenSession(grpc::ServerContext *context, const v1::OpenSessionRequest *request,
	                         grpc::ServerWriter<v1::SessionEvent> *writer) override;
	grpc::Status CheckCatalog(grpc::ServerContext *context, const v1::CheckCatalogRequest *request,
	                          v1::CheckCatalogResponse *response) override;
	grpc::Status ExecuteWithUpload(grpc::ServerContext *context, grpc::ServerReader<v1::UploadMessage> *reader,
	                               v1::ExecuteQueryResponse *response) override;
	//! Stops every running query, ends every session and upload, and drops results nobody streamed
	//! (shutdown).
	void InterruptAll();

private:
	//! How a request's statements run.
	struct RunOptions {
		//! Refuse statements that write.
		bool read_only = false;
		//! When not empty, statements that write are refused with this reason (the store cannot take writes now).
		std::string write_refusal;
		//! Materialize the last result before answering: the connection (of a session) must be free
		//! for the next statement, or the rows come from an upload that ends with the call.
		bool materialize = false;
		//! The connection belongs to a session; a result being streamed must never interrupt it.
		bool in_session = false;
		//! Extra " key=value" fields for the log line, computed once the statements ran.
		std::function<std::string()> log_fields;
	};

	//! Authenticates the call; `read_only` becomes true for a read-only token.
	grpc::Status CheckCall(const grpc::ServerContext &context, bool *read_only = nullptr) const;
	static grpc::Status CheckProtocolVersion(uint32_t client_version);
	//! The served database `name` (at `snapshot` when not empty) with OpenDuck's server functions
	//! registered; NOT_FOUND (or the storage error) in `status` when there is none.
	std::shared_ptr<duckdb::DuckDB> OpenInstance(grpc::ServerContext &context, const std::string &name,
	                                             const std::string &snapshot, grpc::Status &status);
	//! Runs `request` on `connection` and fills `response`: inline, or as a pending result.
	grpc::Status Run(grpc::ServerContext &context, const v1::ExecuteQueryRequest &request,
	                 std::shared_ptr<duckdb::DuckDB> instance, std::shared_ptr<duckdb::Connection> connection,
	                 const RunOptions &options, std::chrono::steady_clock::time_point started,
	                 v1::ExecuteQueryResponse &response);
	//! The session of `request` (NOT_FOUND / INVALID_ARGUMENT in `status` when it cannot be used).
	std::shared_ptr<Session> FindSession(grpc::ServerContext &context, const v1::ExecuteQueryRequest &request,
	                                     grpc::Status &status);
	using RunOn =
	    std::function<grpc::Status(const v1::ExecuteQueryRequest &request, std::shared_ptr<duckdb::DuckDB> instance,
	                               std::shared_ptr<duckdb::Connection> connection)>;
	//! Calls `run` where the request belongs: in its session (holding the session's turn, with the session's
	//! limits added to options), or on a new connection to its database at its snapshot.
	grpc::Status RunWhereRequested(grpc::ServerContext &context, const v1::ExecuteQueryRequest &request,
	                               RunOptions &options, const RunOn &run);
	std::shared_ptr<StreamedQuery> FindPending(const std::string &query_id);
	//! Runs the statements of a request; returns the last one's result.
	duckdb::unique_ptr<duckdb::QueryResult>
	RunStatements(duckdb::Connection &connection, const v1::ExecuteQueryRequest &request, const RunOptions &options);
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

	SessionRegistry sessions;
	//! Wakes OpenSession calls at shutdown (guarded by `lock`).
	std::condition_variable session_wake;
	bool sessions_stopping = false;
	//! Upload calls in progress, cancelled at shutdown: they may wait for client bytes (guarded by
	//! `lock`).
	std::set<grpc::ServerContext *> running_uploads;
	//! Instances openduck_upload() was registered in (guarded by `lock`).
	std::vector<std::weak_ptr<duckdb::DuckDB>> registered_instances;
};

} // namespace openduck
