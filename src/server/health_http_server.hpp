//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/health_http_server.hpp
//
// Plain HTTP GET /health for load balancers and curl. It has its own port:
// handing sniffed connections over to gRPC 1.51 (AddInsecureChannelFromFd)
// loses wake-ups and stalls large result streams.
//===----------------------------------------------------------------------===//

#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace openduck {

class HealthHttpServer {
public:
	//! Binds host:port (port 0 picks a free one). Throws IOException when the address is unusable.
	HealthHttpServer(const std::string &host, uint16_t port);
	~HealthHttpServer();

	uint16_t Port() const {
		return bound_port;
	}
	//! Starts accepting; `health_body` produces the JSON for GET /health.
	void Start(std::function<std::string()> health_body);
	void Stop();

private:
	void AcceptLoop();
	void Answer(int fd);

	int listen_fd = -1;
	uint16_t bound_port = 0;
	std::function<std::string()> health_body;
	std::atomic<bool> stopping {false};
	std::thread acceptor;
};

//! True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string &host);

} // namespace openduck
