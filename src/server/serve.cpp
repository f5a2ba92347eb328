#include "server/serve.hpp"

#include "protocol/protocol_constants.hpp"
#include "server/execution_service.hpp"
#include "server/health_http_server.hpp"
#include "server/query_log.hpp"
#include "server/token_auth.hpp"
#include "storage/database_store.hpp"
#include "storage/storage_config.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
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
	if (options.token.empty() && options.read_only_token.empty() && !IsLoopbackHost(host)) {
		LogEvent("refusing to listen on " + host + " without a token: pass -t/--token or set OPENDUCK_TOKEN "
		                                           "(or listen on 127.0.0.1)");
		return 2;
	}
	auto max_message_bytes = options.max_message_bytes > 0 ? options.max_message_bytes : DEFAULT_MAX_MESSAGE_BYTES;

	std::unique_ptr<DatabaseStore> store;
	try {
		store = MakeDatabaseStore(options.storage);
		auto databases = options.databases;
		if (databases.empty() && store->ListDatabases().empty()) {
			databases.push_back("mydb");
		}
		for (auto &name : databases) {
			try {
				store->CreateDatabase(name);
			} catch (duckdb::IOException &ex) {
				// A damaged or unreachable database must not take the others down: its own requests report why.
				LogEvent("database \"" + name + "\" is unavailable: " + duckdb::ErrorData(ex).RawMessage());
			}
		}
	} catch (std::exception &ex) {
		LogEvent(std::string("cannot start: ") + duckdb::ErrorData(ex).RawMessage());
		return 1;
	}

	TokenAuthenticator auth(options.token, options.read_only_token);
	auto service = std::unique_ptr<ExecutionService>(
	    new ExecutionService(*store, auth, static_cast<uint64_t>(max_message_bytes)));
	grpc::EnableDefaultHealthCheckService(true);
	grpc::ServerBuilder builder;
	builder.RegisterService(service.get());
	builder.SetMaxReceiveMessageSize(static_cast<int>(max_message_bytes));
	builder.SetMaxSendMessageSize(static_cast<int>(max_message_bytes));
	// Clients ping every 30 s during long calls; never treat that as abuse.
	builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
	builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
	// Ping idle connections: a client host that vanished without closing its connection must not
	// keep its session, and the transaction's locks, for gRPC's default two hours.
	builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
	builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
	// An idle session sends no data; without this gRPC stops pinging it after two pings.
	builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
	// Two servers must never share a port silently (gRPC enables SO_REUSEPORT by default).
	builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
	int grpc_port = 0;
	auto grpc_host = host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host;
	builder.AddListeningPort(grpc_host + ":" + std::to_string(options.port), grpc::InsecureServerCredentials(),
	                         &grpc_port);
	auto server = builder.BuildAndStart();
	if (!server || grpc_port == 0) {
		LogEvent("cannot start: cannot listen on " + host + ":" + std::to_string(options.port) +
		         " (is another server using the port?)");
		return 1;
	}
	std::unique_ptr<HealthHttpServer> health;
	if (options.health_port != 0) {
		auto health_port = options.health_port < 0 ? grpc_port + 1 : options.health_port;
		try {
			health = std::unique_ptr<HealthHttpServer>(new HealthHttpServer(host, static_cast<uint16_t>(health_port)));
		} catch (std::exception &ex) {
			LogEvent(std::string("cannot start: ") + duckdb::ErrorData(ex).RawMessage() +
			         " (choose another --health-port, or 0 to turn HTTP health off)");
			server->Shutdown();
			return 1;
		}
		auto *store_ptr = store.get();
		health->Start([store_ptr]() {
			std::string body = "{\"status\":\"ok\",\"protocol_version\":" + std::to_string(PROTOCOL_VERSION) +
			                   ",\"databases\":[";
			auto names = store_ptr->ListDatabases();
			for (size_t i = 0; i < names.size(); i++) {
				body += (i ? ",\"" : "\"") + JsonEscape(names[i]) + "\"";
			}
			return body + "]}";
		});
	}

	std::string served;
	for (auto &name : store->ListDatabases()) {
		served += (served.empty() ? "" : ", ") + name;
	}
	LogEvent("openduck serve listening on " + host + ":" + std::to_string(grpc_port) + " (gRPC)" +
	         (health ? ", health on http://" + host + ":" + std::to_string(health->Port()) + "/health" : "") +
	         "; databases: " + served + "; storage: " + store->Describe());
	if (auth.Enabled()) {
		LogEvent("token authentication is on");
	} else {
		LogEvent("no token configured: authentication is off, so the server listens on loopback only");
	}

	int received = 0;
	sigwait(&signals, &received);
	LogEvent(std::string("received ") + (received == SIGINT ? "SIGINT" : "SIGTERM") + ", shutting down");
	if (health) {
		health->Stop();
	}
	// Running queries would hold the shutdown until they finish; stop them first.
	service->InterruptAll();
	server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
	server->Wait();
	// Tear down in order: calls, then pending results, then the databases (DuckDB closes its files).
	server.reset();
	health.reset();
	service.reset();
	store.reset();
	LogEvent("stopped");
	// gRPC's library shutdown, run when the builder goes, waits out its executor thread's poll
	// timeout (up to 10 s with a client still connected). Nothing of ours is left to clean up.
	std::fflush(nullptr);
	std::_Exit(0);
}

} // namespace openduck
