#include "protocol/remote_client.hpp"

#include "duckdb/common/exception.hpp"
#include "protocol/protocol_constants.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <grpcpp/grpcpp.h>
#include <random>
#include <thread>

namespace openduck {

//! Streams a client asks for unless told otherwise; the server caps it by its cores, readers by
//! their threads.
static constexpr uint32_t DEFAULT_MAX_STREAMS = 8;

ExecuteOptions::ExecuteOptions() : max_streams(DEFAULT_MAX_STREAMS) {
}

//! 128 random bits as hex: a handle for GetProgress that no other client picks.
static std::string NewProgressId() {
	thread_local std::mt19937_64 generator([]() {
		std::random_device seed;
		return (uint64_t(seed()) << 32) ^ seed();
	}());
	char id[33];
	std::snprintf(id, sizeof(id), "%016llx%016llx", static_cast<unsigned long long>(generator()),
	              static_cast<unsigned long long>(generator()));
	return std::string(id, 32);
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
	auto credentials =
	    config.use_tls ? grpc::SslCredentials(grpc::SslCredentialsOptions()) : grpc::InsecureChannelCredentials();
	channel = std::make_shared<RemoteChannel>();
	channel->channel = grpc::CreateCustomChannel(config.target, credentials, args);
	channel->stub = v1::ExecutionService::NewStub(channel->channel);
	channel->endpoint = config.endpoint;
	channel->token = config.token;
}

RemoteClient::~RemoteClient() = default;

void RemoteClient::WaitForConnection(const std::function<bool()> &is_interrupted) {
	if (channel->channel->GetState(true) == GRPC_CHANNEL_READY) {
		return;
	}
	auto timeout = std::chrono::milliseconds(static_cast<int64_t>(config.connect_timeout_seconds * 1000));
	auto deadline = std::chrono::system_clock::now() + timeout;
	// In short steps, so that an interrupt does not wait for the whole connect timeout.
	while (!channel->channel->WaitForConnected(
	    std::min(deadline, std::chrono::system_clock::now() + std::chrono::milliseconds(100)))) {
		if (is_interrupted && is_interrupted()) {
			throw duckdb::InterruptException();
		}
		if (std::chrono::system_clock::now() >= deadline) {
			throw duckdb::IOException("OpenDuck: could not connect to %s within %g s (is `openduck serve` running "
			                          "there?)",
			                          config.endpoint, config.connect_timeout_seconds);
		}
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

std::unique_ptr<RemoteResult> RemoteClient::Execute(const std::string &database, const std::string &sql, bool read_only,
                                                    const std::function<bool()> &is_interrupted) {
	return Execute(database, sql, read_only, ExecuteOptions(), is_interrupted);
}

std::unique_ptr<RemoteResult> RemoteClient::Execute(const std::string &database, const std::string &sql, bool read_only,
                                                    const ExecuteOptions &options,
                                                    const std::function<bool()> &is_interrupted) {
	auto request = NewRequest(database, sql, read_only, options);
	request.set_progress_id(NewProgressId());
	return Start(std::move(request), is_interrupted);
}

struct CheckCatalogCall : public AwaitedCall {
	v1::CheckCatalogRequest request;
	v1::CheckCatalogResponse response;
	std::unique_ptr<grpc::ClientAsyncResponseReader<v1::CheckCatalogResponse>> reader;
};

PendingCatalogCheck::PendingCatalogCheck(std::shared_ptr<CheckCatalogCall> call_p, std::string endpoint_p)
    : call(std::move(call_p)), endpoint(std::move(endpoint_p)) {
}

PendingCatalogCheck::~PendingCatalogCheck() {
	call->CancelUnlessDone();
}

bool PendingCatalogCheck::Wait(v1::CheckCatalogResponse &response, const std::function<bool()> &is_interrupted) {
	if (call->WaitInterruptibly(is_interrupted)) {
		throw duckdb::InterruptException();
	}
	if (call->status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
		return false;
	}
	if (!call->status.ok()) {
		CallError(call->status, call->context, endpoint).Throw();
	}
	response = call->response;
	return true;
}

std::unique_ptr<PendingCatalogCheck> RemoteClient::StartCheckCatalog(const std::string &database,
                                                                     const ExecuteOptions &options,
                                                                     const std::function<bool()> &is_interrupted) {
	WaitForConnection(is_interrupted);
	auto call = std::make_shared<CheckCatalogCall>();
	call->request.set_protocol_version(PROTOCOL_VERSION);
	call->request.set_database(database);
	call->request.set_session_id(options.session_id);
	call->request.set_snapshot(options.snapshot.empty() ? snapshot : options.snapshot);
	channel->PrepareContext(call->context);
	// In the background like every call, so that waiting stays interruptible.
	call->reader = channel->stub->PrepareAsyncCheckCatalog(&call->context, call->request, channel->completions.Queue());
	call->reader->StartCall();
	call->reader->Finish(&call->response, &call->status, channel->completions.Track(call));
	return std::unique_ptr<PendingCatalogCheck>(new PendingCatalogCheck(std::move(call), channel->endpoint));
}

bool RemoteClient::CheckCatalog(const std::string &database, const ExecuteOptions &options,
                                v1::CheckCatalogResponse &response, const std::function<bool()> &is_interrupted) {
	return StartCheckCatalog(database, options, is_interrupted)->Wait(response, is_interrupted);
}

std::unique_ptr<RemoteSession> RemoteClient::OpenSession(const std::string &database, bool read_only,
                                                         const std::function<bool()> &is_interrupted) {
	WaitForConnection(is_interrupted);
	return std::unique_ptr<RemoteSession>(new RemoteSession(channel, database, read_only, snapshot));
}

void RemoteClient::SetSnapshot(std::string snapshot_p) {
	snapshot = std::move(snapshot_p);
}

std::unique_ptr<RemoteUpload> RemoteClient::StartUpload(const std::string &database, const std::string &sql,
                                                        bool read_only, const ExecuteOptions &options,
                                                        const std::function<bool()> &is_interrupted) {
	auto request = NewRequest(database, sql, read_only, options);
	CompleteRequest(request);
	WaitForConnection(is_interrupted);
	return std::unique_ptr<RemoteUpload>(new RemoteUpload(channel, std::move(request)));
}

std::unique_ptr<RemoteResult> RemoteClient::Describe(const std::string &database, const std::string &sql,
                                                     const ExecuteOptions &options,
                                                     const std::function<bool()> &is_interrupted) {
	auto request = NewRequest(database, sql, false, options);
	request.set_describe_only(true);
	return Start(std::move(request), is_interrupted);
}

std::unique_ptr<RemoteResult> RemoteClient::Start(v1::ExecuteQueryRequest request,
                                                  const std::function<bool()> &is_interrupted) {
	CompleteRequest(request);
	WaitForConnection(is_interrupted);
	return std::unique_ptr<RemoteResult>(new RemoteResult(channel, request));
}

v1::ExecuteQueryRequest RemoteClient::NewRequest(const std::string &database, const std::string &sql, bool read_only,
                                                 const ExecuteOptions &options) {
	v1::ExecuteQueryRequest request;
	request.set_database(database);
	request.set_sql(sql);
	request.set_read_only(read_only);
	request.set_max_streams(options.preserve_order ? 1 : options.max_streams);
	request.set_session_id(options.session_id);
	request.set_snapshot(options.snapshot);
	return request;
}

void RemoteClient::CompleteRequest(v1::ExecuteQueryRequest &request) {
	request.set_protocol_version(PROTOCOL_VERSION);
	request.set_arrow_format_version(CLIENT_ARROW_FORMAT_VERSION);
	request.set_max_chunk_bytes(config.max_message_bytes > 0 ? config.max_message_bytes : DEFAULT_MAX_MESSAGE_BYTES);
	if (request.snapshot().empty()) {
		request.set_snapshot(snapshot);
	}
}

} // namespace openduck
