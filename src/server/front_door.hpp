//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/front_door.hpp
//
// One TCP port for both gRPC and plain HTTP: each new connection is sniffed;
// HTTP/2 goes to the gRPC server, HTTP/1.1 GET /health is answered here.
//===----------------------------------------------------------------------===//

#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace grpc {
class Server;
}

namespace openduck {

class FrontDoor {
public:
	//! Binds host:port (port 0 picks a free one). Throws IOException when the address is unusable.
	FrontDoor(const std::string &host, uint16_t port);
	~FrontDoor();

	uint16_t Port() const {
		return bound_port;
	}
	//! Starts accepting; `health_body` produces the JSON for GET /health.
	void Start(grpc::Server &server, std::function<std::string()> health_body);
	void Stop();

private:
	void AcceptLoop();
	void Route(int fd);

	int listen_fd = -1;
	uint16_t bound_port = 0;
	grpc::Server *server = nullptr;
	std::function<std::string()> health_body;
	std::atomic<bool> stopping {false};
	std::thread acceptor;
};

//! True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string &host);

} // namespace openduck
