#include "protocol/remote_client.hpp"

#include "duckdb/common/error_data.hpp"
#include "duckdb/common/exception.hpp"
#include "openduck/v1/execution.grpc.pb.h"
#include "protocol/arrow_ipc_reader.hpp"
#include "protocol/protocol_constants.hpp"
#include "protocol/status_mapping.hpp"

#include <grpcpp/grpcpp.h>

#include <chrono>

namespace openduck {

using duckdb::ExceptionType;

//! Keeps the call context alive as long as the stream is read.
struct RemoteStreamCall {
	grpc::ClientContext context;
	std::unique_ptr<grpc::ClientReader<v1::ResultChunk>> reader;
};

static std::string TrailingErrorType(const grpc::ClientContext &context) {
	auto &trailers = context.GetServerTrailingMetadata();
	auto entry = trailers.find(ERROR_TYPE_METADATA_KEY);
	if (entry == trailers.end()) {
		return std::string();
	}
	return std::string(entry->second.data(), entry->second.size());
}

//! The DuckDB error for a failed call, whether it failed starting or streaming. Errors the server
//! raised keep their type and message; transport failures name the endpoint. Never the token.
static duckdb::ErrorData CallError(const grpc::Status &status, const grpc::ClientContext &context,
                                   const std::string &endpoint) {
	auto server_type = TrailingErrorType(context);
	if (server_type.empty()) {
		switch (status.error_code()) {
		case grpc::StatusCode::UNAUTHENTICATED:
			return duckdb::ErrorData(ExceptionType::PERMISSION, "OpenDuck: authentication failed at " + endpoint +
			                                                         ": " + status.error_message());
		case grpc::StatusCode::UNAVAILABLE:
		case grpc::StatusCode::INTERNAL:
			return duckdb::ErrorData(ExceptionType::IO, "OpenDuck: connection to " + endpoint +
			                                                " failed or was lost: " + status.error_message());
		case grpc::StatusCode::DEADLINE_EXCEEDED:
			return duckdb::ErrorData(ExceptionType::IO, "OpenDuck: server at " + endpoint +
			                                                " did not answer in time: " + status.error_message());
		default:
			break;
		}
	}
	return duckdb::ErrorData(ExceptionTypeForStatus(status, server_type), status.error_message());
}

RemoteResult::RemoteResult(std::unique_ptr<RemoteStreamCall> call_p, std::string endpoint_p,
                           std::vector<std::string> types)
    : call(std::move(call_p)), endpoint(std::move(endpoint_p)), column_types(std::move(types)), reader(new ArrowIpcStreamReader()) {
	fetcher = std::thread([this]() { FetchLoop(); });
}

RemoteResult::RemoteResult(std::string complete_stream, std::string endpoint_p, std::vector<std::string> types)
    : endpoint(std::move(endpoint_p)), column_types(std::move(types)),
      reader(new ArrowIpcStreamReader()) {
	std::lock_guard<std::mutex> guard(lock);
	DecodePiece(std::make_shared<const std::string>(std::move(complete_stream)));
	finished = true;
	if (!reader->Finished()) {
		error = duckdb::ErrorData(ExceptionType::IO,
		                          "OpenDuck: result from " + endpoint + " ended before its end-of-stream marker");
	}
}

void RemoteResult::DecodePiece(std::shared_ptr<const std::string> piece) {
	reader->Feed(std::move(piece));
	has_schema = has_schema || reader->HasSchema();
	ArrowArray batch;
	while (reader->NextBatch(batch)) {
		batches.push_back(batch);
	}
}

RemoteResult::~RemoteResult() {
	{
		std::lock_guard<std::mutex> guard(lock);
		stop = true;
	}
	changed.notify_all();
	if (call && !finished) {
		call->context.TryCancel();
	}
	if (fetcher.joinable()) {
		fetcher.join();
	}
	for (auto &batch : batches) {
		if (batch.release) {
			batch.release(&batch);
		}
	}
}

void RemoteResult::FetchLoop() {
	// Bounded read-ahead: enough to overlap the network with decoding, without buffering the table.
	constexpr size_t MAX_BUFFERED_BATCHES = 8;
	v1::ResultChunk chunk;
	try {
		while (true) {
			{
				std::unique_lock<std::mutex> guard(lock);
				changed.wait(guard, [&]() { return stop || batches.size() < MAX_BUFFERED_BATCHES; });
				if (stop) {
					return;
				}
			}
			if (!call->reader->Read(&chunk)) {
				break;
			}
			auto piece = std::make_shared<const std::string>(std::move(*chunk.mutable_arrow_ipc()));
			// The consumer reads the decoder's schema under this lock, so feed it under the lock too.
			std::lock_guard<std::mutex> guard(lock);
			DecodePiece(std::move(piece));
			changed.notify_all();
		}
		auto status = call->reader->Finish();
		std::lock_guard<std::mutex> guard(lock);
		if (!status.ok()) {
			error = CallError(status, call->context, endpoint);
		} else if (!reader->Finished()) {
			error = duckdb::ErrorData(ExceptionType::IO, "OpenDuck: result stream from " + endpoint +
			                                                 " ended before its end-of-stream marker");
		}
		finished = true;
	} catch (std::exception &ex) {
		std::lock_guard<std::mutex> guard(lock);
		error = duckdb::ErrorData(ex);
		finished = true;
		call->context.TryCancel();
	}
	changed.notify_all();
}

void RemoteResult::WaitFor(const std::function<bool()> &ready, const std::function<bool()> &is_interrupted,
                           std::unique_lock<std::mutex> &guard) {
	while (!ready()) {
		changed.wait_for(guard, std::chrono::milliseconds(50));
		if (!ready() && is_interrupted && is_interrupted()) {
			guard.unlock();
			Cancel();
			throw duckdb::InterruptException();
		}
	}
}

void RemoteResult::ExportSchema(ArrowSchema &out, const std::function<bool()> &is_interrupted) {
	std::unique_lock<std::mutex> guard(lock);
	WaitFor([&]() { return has_schema || finished; }, is_interrupted, guard);
	if (!has_schema) {
		if (error.HasError()) {
			error.Throw();
		}
		throw duckdb::IOException("OpenDuck: result stream from %s carried no schema", endpoint);
	}
	reader->ExportSchema(out);
}

bool RemoteResult::Next(ArrowArray &out, const std::function<bool()> &is_interrupted) {
	std::unique_lock<std::mutex> guard(lock);
	WaitFor([&]() { return !batches.empty() || finished; }, is_interrupted, guard);
	if (!batches.empty()) {
		out = batches.front();
		batches.pop_front();
		changed.notify_all();
		return true;
	}
	if (error.HasError()) {
		error.Throw();
	}
	return false;
}

void RemoteResult::Cancel() {
	if (call) {
		call->context.TryCancel();
	}
}

RemoteClient::RemoteClient(EndpointConfig config_p) : config(std::move(config_p)) {
	grpc::ChannelArguments args;
	auto max_bytes = config.max_message_bytes > 0 ? config.max_message_bytes : DEFAULT_MAX_MESSAGE_BYTES;
	args.SetMaxReceiveMessageSize(static_cast<int>(max_bytes));
	args.SetMaxSendMessageSize(static_cast<int>(max_bytes));
	// Notice a server that vanished without closing the connection (a crash closes it at once).
	// Pings only during calls, with a timeout generous enough for a heavily loaded server.
	args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
	args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
	args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
	// Every ATTACH gets its own connection, so one client's streams do not queue behind another's.
	args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
	args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
	args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
	args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
	auto credentials = config.use_tls ? grpc::SslCredentials(grpc::SslCredentialsOptions())
	                                  : grpc::InsecureChannelCredentials();
	channel = grpc::CreateCustomChannel(config.target, credentials, args);
	stub = v1::ExecutionService::NewStub(channel);
}

RemoteClient::~RemoteClient() = default;

void RemoteClient::PrepareContext(grpc::ClientContext &context) const {
	if (!config.token.empty()) {
		context.AddMetadata("authorization", "Bearer " + config.token);
	}
}

void RemoteClient::WaitForConnection() {
	if (channel->GetState(true) == GRPC_CHANNEL_READY) {
		return;
	}
	auto timeout = std::chrono::milliseconds(static_cast<int64_t>(config.connect_timeout_seconds * 1000));
	if (!channel->WaitForConnected(std::chrono::system_clock::now() + timeout)) {
		throw duckdb::IOException("OpenDuck: could not connect to %s within %g s (is `openduck serve` running "
		                          "there?)",
		                          config.endpoint, config.connect_timeout_seconds);
	}
}

void RemoteClient::CheckConnection(const std::string &database) {
	// A trivial statement proves the token and the database name before the catalog is used.
	auto result = Execute(database, "SELECT 1", true);
	ArrowArray batch;
	while (result->Next(batch)) {
		batch.release(&batch);
	}
}

std::unique_ptr<RemoteResult> RemoteClient::Execute(const std::string &database, const std::string &sql,
                                                    bool read_only, const std::function<bool()> &is_interrupted) {
	v1::ExecuteQueryRequest request;
	request.set_database(database);
	request.set_sql(sql);
	request.set_read_only(read_only);
	return Start(request, is_interrupted);
}

std::unique_ptr<RemoteResult> RemoteClient::Describe(const std::string &database, const std::string &sql,
                                                     const std::function<bool()> &is_interrupted) {
	v1::ExecuteQueryRequest request;
	request.set_database(database);
	request.set_sql(sql);
	request.set_describe_only(true);
	return Start(request, is_interrupted);
}

std::unique_ptr<RemoteResult> RemoteClient::Start(const v1::ExecuteQueryRequest &request_p,
                                                  const std::function<bool()> &is_interrupted) {
	auto request = request_p;
	request.set_protocol_version(PROTOCOL_VERSION);
	request.set_max_chunk_bytes(config.max_message_bytes > 0 ? config.max_message_bytes : DEFAULT_MAX_MESSAGE_BYTES);
	v1::ExecuteQueryResponse response;
	grpc::ClientContext context;
	PrepareContext(context);
	WaitForConnection();
	// Asynchronous, so a long statement stays interruptible while the server works on it.
	std::mutex call_lock;
	std::condition_variable call_done;
	bool done = false;
	grpc::Status status;
	stub->async()->ExecuteQuery(&context, &request, &response, [&](grpc::Status result) {
		std::lock_guard<std::mutex> guard(call_lock);
		status = std::move(result);
		done = true;
		call_done.notify_all();
	});
	bool interrupted = false;
	{
		std::unique_lock<std::mutex> guard(call_lock);
		while (!done) {
			call_done.wait_for(guard, std::chrono::milliseconds(20));
			if (!done && !interrupted && is_interrupted && is_interrupted()) {
				interrupted = true;
				context.TryCancel();
			}
		}
	}
	if (interrupted) {
		throw duckdb::InterruptException();
	}
	if (!status.ok()) {
		CallError(status, context, config.endpoint).Throw();
	}
	std::vector<std::string> types(response.column_types().begin(), response.column_types().end());
	if (response.complete()) {
		return std::unique_ptr<RemoteResult>(new RemoteResult(std::move(*response.mutable_result()->mutable_arrow_ipc()),
		                                                      config.endpoint, std::move(types)));
	}
	auto call = std::unique_ptr<RemoteStreamCall>(new RemoteStreamCall());
	PrepareContext(call->context);
	v1::StreamResultsRequest stream_request;
	stream_request.set_query_id(response.query_id());
	call->reader = stub->StreamResults(&call->context, stream_request);
	return std::unique_ptr<RemoteResult>(
	    new RemoteResult(std::move(call), config.endpoint, std::move(types)));
}

} // namespace openduck
