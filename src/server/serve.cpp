#include "server/serve.hpp"

#include "protocol/protocol_constants.hpp"
#include "server/execution_service.hpp"
#include "server/front_door.hpp"
#include "server/query_log.hpp"
#include "server/token_auth.hpp"
#include "storage/database_store.hpp"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <csignal>
#include <pthread.h>

namespace openduck {

static std::string JsonEscape(const std::string &text) {
	std::string escaped;
	for (char c : text) {
		if (c == '"' || c == '\\') {
			escaped += '\\';
		}
		escaped += c;
	}
	return escaped;
}

int RunServe(const ServeOptions &options) {
	// Signals are taken by sigwait below; block them before any thread starts so none inherits them.
	sigset_t signals;
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &signals, nullptr);
	std::signal(SIGPIPE, SIG_IGN);

	auto host = options.host;
	if (host.empty()) {
		host = "127.0.0.1";
	}
	if (options.token.empty() && !IsLoopbackHost(host)) {
		LogEvent("refusing to listen on " + host + " without a token: pass -t/--token or set OPENDUCK_TOKEN "
		                                           "(or listen on 127.0.0.1)");
		return 2;
	}
	auto max_message_bytes = options.max_message_bytes > 0 ? options.max_message_bytes : DEFAULT_MAX_MESSAGE_BYTES;

	std::unique_ptr<DatabaseStore> store;
	std::unique_ptr<FrontDoor> front_door;
	try {
		store = std::unique_ptr<DatabaseStore>(new LocalFileDatabaseStore(options.data_dir));
		auto databases = options.databases;
		if (databases.empty() && store->ListDatabases().empty()) {
			databases.push_back("mydb");
		}
		for (auto &name : databases) {
			store->CreateDatabase(name);
		}
		front_door = std::unique_ptr<FrontDoor>(new FrontDoor(host, options.port));
	} catch (std::exception &ex) {
		LogEvent(std::string("cannot start: ") + duckdb::ErrorData(ex).RawMessage());
		return 1;
	}

	TokenAuthenticator auth(options.token);
	ExecutionService service(*store, auth, static_cast<uint64_t>(max_message_bytes));
	grpc::EnableDefaultHealthCheckService(true);
	grpc::ServerBuilder builder;
	builder.RegisterService(&service);
	builder.SetMaxReceiveMessageSize(static_cast<int>(max_message_bytes));
	builder.SetMaxSendMessageSize(static_cast<int>(max_message_bytes));
	// Clients ping every 30 s during long calls; never treat that as abuse.
	builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
	builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
	auto server = builder.BuildAndStart();
	if (!server) {
		LogEvent("cannot start the gRPC server");
		return 1;
	}
	auto *store_ptr = store.get();
	front_door->Start(*server, [store_ptr]() {
		std::string body = "{\"status\":\"ok\",\"protocol_version\":" + std::to_string(PROTOCOL_VERSION) +
		                   ",\"databases\":[";
		auto names = store_ptr->ListDatabases();
		for (size_t i = 0; i < names.size(); i++) {
			body += (i ? ",\"" : "\"") + JsonEscape(names[i]) + "\"";
		}
		return body + "]}";
	});

	std::string served;
	for (auto &name : store->ListDatabases()) {
		served += (served.empty() ? "" : ", ") + name;
	}
	LogEvent("openduck serve listening on " + host + ":" + std::to_string(front_door->Port()) +
	         " (gRPC and HTTP GET /health); databases: " + served + "; storage: " + store->Describe());
	if (auth.Enabled()) {
		LogEvent("token authentication is on");
	} else {
		LogEvent("no token configured: authentication is off, so the server listens on loopback only");
	}

	int received = 0;
	sigwait(&signals, &received);
	LogEvent(std::string("received ") + (received == SIGINT ? "SIGINT" : "SIGTERM") + ", shutting down");
	front_door->Stop();
	server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
	server->Wait();
	LogEvent("stopped");
	return 0;
}

} // namespace openduck
