#include "server/health_http_server.hpp"

#include "duckdb/common/exception.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace openduck {

bool IsLoopbackHost(const std::string &host) {
	if (host == "localhost" || host == "::1" || host == "[::1]") {
		return true;
	}
	in_addr address;
	if (inet_pton(AF_INET, host.c_str(), &address) == 1) {
		return (ntohl(address.s_addr) >> 24) == 127;
	}
	return false;
}

HealthHttpServer::HealthHttpServer(const std::string &host, uint16_t port) {
	addrinfo hints;
	std::memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	addrinfo *addresses = nullptr;
	auto bare_host = host;
	if (bare_host.size() > 2 && bare_host.front() == '[' && bare_host.back() == ']') {
		bare_host = bare_host.substr(1, bare_host.size() - 2);
	}
	int rc = getaddrinfo(bare_host.c_str(), std::to_string(port).c_str(), &hints, &addresses);
	if (rc != 0) {
		throw duckdb::IOException("cannot listen on %s:%d: %s", host, port, gai_strerror(rc));
	}
	std::string last_error = "no address";
	for (auto address = addresses; address; address = address->ai_next) {
		int fd = socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, address->ai_protocol);
		if (fd < 0) {
			last_error = std::strerror(errno);
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, address->ai_addr, address->ai_addrlen) == 0 && listen(fd, 256) == 0) {
			listen_fd = fd;
			sockaddr_storage bound;
			socklen_t length = sizeof(bound);
			getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &length);
			bound_port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port
			                                               : reinterpret_cast<sockaddr_in *>(&bound)->sin_port);
			break;
		}
		last_error = std::strerror(errno);
		close(fd);
	}
	freeaddrinfo(addresses);
	if (listen_fd < 0) {
		throw duckdb::IOException("cannot listen on %s:%d: %s", host, port, last_error);
	}
}

HealthHttpServer::~HealthHttpServer() {
	Stop();
}

void HealthHttpServer::Start(std::function<std::string()> health_body_p) {
	health_body = std::move(health_body_p);
	acceptor = std::thread([this]() { AcceptLoop(); });
}

void HealthHttpServer::Stop() {
	if (stopping.exchange(true)) {
		return;
	}
	if (listen_fd >= 0) {
		shutdown(listen_fd, SHUT_RDWR);
	}
	if (acceptor.joinable()) {
		acceptor.join();
	}
	if (listen_fd >= 0) {
		close(listen_fd);
		listen_fd = -1;
	}
}

void HealthHttpServer::AcceptLoop() {
	while (!stopping) {
		pollfd waiting {listen_fd, POLLIN, 0};
		int ready = poll(&waiting, 1, 200);
		if (ready <= 0) {
			continue;
		}
		int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
		if (fd < 0) {
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		// Reading the request waits on the client; do it off the accept loop.
		std::thread([this, fd]() { Answer(fd); }).detach();
	}
}

static void SendAll(int fd, const std::string &data) {
	size_t sent = 0;
	while (sent < data.size()) {
		auto n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
		if (n <= 0) {
			return;
		}
		sent += static_cast<size_t>(n);
	}
}

static std::string HttpResponse(const std::string &status, const std::string &body) {
	return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " +
	       std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

void HealthHttpServer::Answer(int fd) {
	char head[4];
	pollfd waiting {fd, POLLIN, 0};
	ssize_t peeked = 0;
	// A client that connects and says nothing for 10 s is dropped.
	if (poll(&waiting, 1, 10000) > 0) {
		peeked = recv(fd, head, sizeof(head), MSG_PEEK | MSG_WAITALL);
	}
	if (peeked == 4 && (std::memcmp(head, "GET ", 4) == 0 || std::memcmp(head, "HEAD", 4) == 0)) {
		std::string request;
		char buffer[1024];
		while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
			if (poll(&waiting, 1, 5000) <= 0) {
				break;
			}
			auto n = recv(fd, buffer, sizeof(buffer), 0);
			if (n <= 0) {
				break;
			}
			request.append(buffer, static_cast<size_t>(n));
		}
		auto line_end = request.find("\r\n");
		auto line = request.substr(0, line_end);
		auto path_start = line.find(' ');
		auto path_end = line.find(' ', path_start + 1);
		auto path = path_start == std::string::npos ? "" : line.substr(path_start + 1, path_end - path_start - 1);
		if (path == "/health" || path == "/healthz") {
			SendAll(fd, HttpResponse("200 OK", health_body()));
		} else {
			SendAll(fd, HttpResponse("404 Not Found", "{\"error\":\"not found; try GET /health\"}"));
		}
	}
	close(fd);
}

} // namespace openduck
