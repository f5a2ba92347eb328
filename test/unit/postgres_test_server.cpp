#include "postgres_test_server.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <libpq-fe.h>
#include <memory>
#include <netinet/in.h>
#include <pwd.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace openduck {

const char *PostgresTestServer::PASSWORD_USER = "openduck_password_user";
const char *PostgresTestServer::PASSWORD = "s3cret-Pa55";

namespace {

const char *ADMIN_USER = "openduck";

bool HasServerBinaries(const fs::path &dir) {
	return fs::exists(dir / "initdb") && fs::exists(dir / "pg_ctl") && fs::exists(dir / "postgres");
}

//! Debian keeps the server binaries in /usr/lib/postgresql/<major>/bin, outside PATH: take the newest there.
std::string FindBinaries() {
	if (auto configured = std::getenv("OPENDUCK_POSTGRES_BIN")) {
		if (HasServerBinaries(configured)) {
			return configured;
		}
	}
	std::vector<std::pair<int, fs::path>> candidates;
	std::error_code error;
	for (auto &entry : fs::directory_iterator("/usr/lib/postgresql", error)) {
		auto bin = entry.path() / "bin";
		if (HasServerBinaries(bin)) {
			candidates.emplace_back(std::atoi(entry.path().filename().c_str()), bin);
		}
	}
	if (!candidates.empty()) {
		return std::max_element(candidates.begin(), candidates.end())->second.string();
	}
	if (auto path = std::getenv("PATH")) {
		std::stringstream dirs(path);
		std::string dir;
		while (std::getline(dirs, dir, ':')) {
			if (!dir.empty() && HasServerBinaries(dir)) {
				return dir;
			}
		}
	}
	throw std::runtime_error("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in "
	                         "$OPENDUCK_POSTGRES_BIN, /usr/lib/postgresql/*/bin or PATH: install them with "
	                         "scripts/install_deps.sh (Debian package postgresql)");
}

int FreePort() {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in address {};
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t length = sizeof(address);
	if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0 ||
	    getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
		throw std::runtime_error("cannot find a free loopback port for PostgreSQL");
	}
	close(fd);
	return ntohs(address.sin_port);
}

std::string ReadFile(const fs::path &path) {
	std::ifstream in(path);
	std::stringstream text;
	text << in.rdbuf();
	return text.str();
}

std::unique_ptr<PostgresTestServer> &Instance() {
	static std::unique_ptr<PostgresTestServer> instance;
	return instance;
}

} // namespace

PostgresTestServer &PostgresTestServer::Shared() {
	static std::string failure;
	if (!failure.empty()) {
		throw std::runtime_error(failure);
	}
	auto &instance = Instance();
	if (!instance) {
		try {
			instance.reset(new PostgresTestServer());
			instance->Initialize();
		} catch (std::exception &ex) {
			failure = std::string("cannot start the test PostgreSQL server: ") + ex.what();
			instance.reset();
			throw std::runtime_error(failure);
		}
	}
	return *instance;
}

PostgresTestServer::PostgresTestServer() = default;

PostgresTestServer::~PostgresTestServer() {
	if (running) {
		try {
			Run({bin_dir + "/pg_ctl", "-D", root + "/data", "-m", "immediate", "-w", "stop"}, "pg_ctl stop");
		} catch (std::exception &) {
		}
	}
	if (!root.empty()) {
		std::error_code error;
		fs::remove_all(root, error);
	}
}

void PostgresTestServer::Initialize() {
	bin_dir = FindBinaries();
	char pattern[] = "/tmp/openduck-pg-XXXXXX";
	if (!mkdtemp(pattern)) {
		throw std::runtime_error("cannot create a temp directory for PostgreSQL");
	}
	root = pattern;
	if (geteuid() == 0) {
		// initdb and postgres refuse to run as root.
		auto user = getpwnam("postgres");
		if (!user) {
			user = getpwnam("nobody");
		}
		if (!user) {
			throw std::runtime_error("running as root and neither user \"postgres\" nor \"nobody\" exists");
		}
		run_as = user->pw_name;
		if (chown(root.c_str(), user->pw_uid, user->pw_gid) != 0) {
			throw std::runtime_error("cannot hand " + root + " to user " + run_as);
		}
	}
	port = FreePort();
	Run({bin_dir + "/initdb", "-D", root + "/data", "-U", ADMIN_USER, "--auth=trust", "-E", "UTF8", "--no-sync"},
	    "initdb");
	{
		// Trust on loopback for the admin, but a real password check for PASSWORD_USER.
		std::ofstream hba(root + "/data/pg_hba.conf", std::ios::trunc);
		hba << "local all all trust\n"
		    << "host all " << PASSWORD_USER << " 127.0.0.1/32 scram-sha-256\n"
		    << "host all all 127.0.0.1/32 trust\n";
	}
	Start();
	Admin(std::string("CREATE ROLE ") + PASSWORD_USER + " LOGIN PASSWORD '" + PASSWORD + "'");
}

void PostgresTestServer::Start() {
	auto options = "-p " + std::to_string(port) + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + root +
	               " -c fsync=off -c max_connections=200";
	Run({bin_dir + "/pg_ctl", "-D", root + "/data", "-l", root + "/postgres.log", "-w", "-t", "60", "-o", options,
	     "start"},
	    "pg_ctl start");
	running = true;
}

void PostgresTestServer::Stop() {
	Run({bin_dir + "/pg_ctl", "-D", root + "/data", "-m", "fast", "-w", "stop"}, "pg_ctl stop");
	running = false;
}

void PostgresTestServer::Run(const std::vector<std::string> &argv, const std::string &what) {
	std::vector<std::string> command;
	if (!run_as.empty()) {
		command = {"runuser", "-u", run_as, "--"};
	}
	command.insert(command.end(), argv.begin(), argv.end());
	auto log = root + "/command.log";
	auto pid = fork();
	if (pid == 0) {
		int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		std::vector<char *> args;
		for (auto &arg : command) {
			args.push_back(const_cast<char *>(arg.c_str()));
		}
		args.push_back(nullptr);
		execvp(args[0], args.data());
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		throw std::runtime_error(what + " failed: " + ReadFile(log) + ReadFile(root + "/postgres.log"));
	}
}

std::string PostgresTestServer::AdminUrl(const std::string &database) const {
	return std::string("postgresql://") + ADMIN_USER + "@127.0.0.1:" + std::to_string(port) + "/" + database;
}

std::string PostgresTestServer::PasswordUrl(const std::string &database, const std::string &password) const {
	return std::string("postgres://") + PASSWORD_USER + ":" + password + "@127.0.0.1:" + std::to_string(port) + "/" +
	       database;
}

void PostgresTestServer::Admin(const std::string &sql) {
	auto connection = PQconnectdb(AdminUrl("postgres").c_str());
	std::string error;
	if (PQstatus(connection) != CONNECTION_OK) {
		error = PQerrorMessage(connection);
	} else {
		auto result = PQexec(connection, sql.c_str());
		if (PQresultStatus(result) != PGRES_COMMAND_OK) {
			error = PQerrorMessage(connection);
		}
		PQclear(result);
	}
	PQfinish(connection);
	if (!error.empty()) {
		throw std::runtime_error("test PostgreSQL: " + sql + ": " + error);
	}
}

std::string PostgresTestServer::CreateDatabase() {
	auto name = "openduck_test_" + std::to_string(getpid()) + "_" + std::to_string(++database_counter);
	Admin("CREATE DATABASE " + name + " OWNER " + PASSWORD_USER);
	return AdminUrl(name);
}

} // namespace openduck
