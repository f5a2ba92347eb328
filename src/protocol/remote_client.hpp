//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/remote_client.hpp
//
// Client side of the wire protocol: one gRPC channel to a server, and result
// streams decoded from Arrow IPC.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/common/arrow/arrow.hpp"
#include "duckdb/common/error_data.hpp"
#include "openduck/v1/execution.grpc.pb.h"
#include "protocol/endpoint.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace openduck {

class ArrowIpcStreamReader;
struct RemoteStreamCall;

//! A running remote statement. Record batches are fetched and decoded by a background thread
//! into a small bounded queue, so network transfer overlaps with the consumer's work.
class RemoteResult {
public:
	//! A streamed result: `call` is the StreamResults call to read from.
	RemoteResult(std::unique_ptr<RemoteStreamCall> call, std::string endpoint, std::vector<std::string> types);
	//! A result that arrived whole in the ExecuteQuery response.
	RemoteResult(std::string complete_stream, std::string endpoint, std::vector<std::string> types);
	~RemoteResult();

	const std::vector<std::string> &ColumnTypes() const {
		return column_types;
	}
	//! Exports the Arrow schema of the result (blocks until it arrived).
	void ExportSchema(ArrowSchema &out, const std::function<bool()> &is_interrupted = nullptr);
	//! Moves the next record batch into `out`; false at the end of the stream. Throws the server's
	//! error, or IOException when the connection breaks. `is_interrupted` is polled while waiting;
	//! when it returns true the remote query is cancelled and InterruptException is thrown.
	bool Next(ArrowArray &out, const std::function<bool()> &is_interrupted = nullptr);
	//! Cancels the remote query (idempotent).
	void Cancel();

private:
	void FetchLoop();
	//! Decodes a piece of the stream into queued batches; call with `lock` held.
	void DecodePiece(std::shared_ptr<const std::string> piece);
	void WaitFor(const std::function<bool()> &ready, const std::function<bool()> &is_interrupted,
	             std::unique_lock<std::mutex> &guard);

	std::unique_ptr<RemoteStreamCall> call;
	std::string endpoint;
	std::vector<std::string> column_types;
	std::unique_ptr<ArrowIpcStreamReader> reader;

	std::mutex lock;
	std::condition_variable changed;
	std::deque<ArrowArray> batches;
	bool has_schema = false;
	bool finished = false;
	bool stop = false;
	//! Set when the call failed; thrown to the consumer once the buffered batches are used up.
	duckdb::ErrorData error;
	std::thread fetcher;
};

//! A connection to one OpenDuck server. Thread-safe; shared by everything using one ATTACH.
class RemoteClient {
public:
	explicit RemoteClient(EndpointConfig config);
	~RemoteClient();

	//! Fails with IOException naming the endpoint if no connection comes up within the connect
	//! timeout, or PermissionException when the token is rejected.
	void CheckConnection(const std::string &database);
	//! Starts `sql` on `database` and returns its result stream. Errors from the server are thrown
	//! as the DuckDB exception type the server raised. `is_interrupted` is polled while the server
	//! works; when it turns true the remote query is cancelled and InterruptException thrown.
	std::unique_ptr<RemoteResult> Execute(const std::string &database, const std::string &sql, bool read_only,
	                                      const std::function<bool()> &is_interrupted = nullptr);
	//! Prepares `sql` without running it; the result is empty but carries the result schema.
	std::unique_ptr<RemoteResult> Describe(const std::string &database, const std::string &sql,
	                                       const std::function<bool()> &is_interrupted = nullptr);

	const EndpointConfig &Config() const {
		return config;
	}

private:
	void PrepareContext(grpc::ClientContext &context) const;
	std::unique_ptr<RemoteResult> Start(const v1::ExecuteQueryRequest &request,
	                                    const std::function<bool()> &is_interrupted);
	void WaitForConnection();

	EndpointConfig config;
	std::shared_ptr<grpc::Channel> channel;
	std::unique_ptr<v1::ExecutionService::Stub> stub;
};

} // namespace openduck
