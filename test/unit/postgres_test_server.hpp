//===----------------------------------------------------------------------===//
// OpenDuck
//
// test/unit/postgres_test_server.hpp
//
// A throwaway PostgreSQL server for unit tests: initdb + pg_ctl in a temp directory, listening on a free
// loopback port (unix socket in the temp directory). Started once per test binary on first use, stopped at
// exit. Run as root, it runs PostgreSQL as the unprivileged "postgres" (or "nobody") user, as initdb demands.
//===----------------------------------------------------------------------===//

#pragma once

#include <string>
#include <vector>

namespace openduck {

class PostgresTestServer {
public:
	//! The shared server, started on first call. Throws std::runtime_error naming what is missing or failed.
	static PostgresTestServer &Shared();
	~PostgresTestServer();

	//! Creates a fresh, empty database and returns its URL (as the trusted admin user, no password).
	std::string CreateDatabase();
	//! URL of database as the password-authenticated user (scram-sha-256 over TCP).
	std::string PasswordUrl(const std::string &database, const std::string &password) const;
	static const char *PASSWORD_USER;
	static const char *PASSWORD;

	//! Stops the server (fast shutdown: clients see their connections drop).
	void Stop();
	//! Starts it again on the same port and data directory.
	void Start();
	int Port() const {
		return port;
	}

private:
	PostgresTestServer();
	void Initialize();
	std::string AdminUrl(const std::string &database) const;
	void Admin(const std::string &sql);
	//! Runs argv (as the unprivileged user when we are root); throws with its output when it fails.
	void Run(const std::vector<std::string> &argv, const std::string &what);

	std::string bin_dir;
	std::string root;
	std::string run_as;
	int port = 0;
	int database_counter = 0;
	bool running = false;
};

} // namespace openduck
