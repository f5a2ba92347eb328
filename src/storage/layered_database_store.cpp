#include "storage/layered_database_store.hpp"

#include "duckdb/common/virtual_file_system.hpp"
#include "storage/filesystem/layered_file_system.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

namespace openduck {

namespace fs = std::filesystem;

static std::string HostName() {
	char name[256] = {0};
	if (::gethostname(name, sizeof(name) - 1) != 0) {
		return "unknown-host";
	}
	return name;
}

std::string LayeredDatabaseStore::MakeHolderName() {
	std::random_device random;
	char nonce[17];
	std::snprintf(nonce, sizeof(nonce), "%08x%08x", random(), random());
	return HostName() + ":" + std::to_string(::getpid()) + ":" + nonce;
}

bool LayeredDatabaseStore::HolderIsGone(const std::string &holder) {
	auto first = holder.find(':');
	auto second = holder.find(':', first == std::string::npos ? first : first + 1);
	if (first == std::string::npos || second == std::string::npos || holder.substr(0, first) != HostName()) {
		// Another host's writer (or a name we do not understand) can only be waited out.
		return false;
	}
	auto pid_text = holder.substr(first + 1, second - first - 1);
	if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) {
		return false;
	}
	auto pid = static_cast<pid_t>(std::stol(pid_text));
	if (pid == ::getpid()) {
		// Another store in this very process: alive by definition.
		return false;
	}
	return ::kill(pid, 0) != 0 && errno == ESRCH;
}

LayeredDatabaseStore::LayeredDatabaseStore(StorageConfig config_p)
    : config(std::move(config_p)), data_dir(config.data_dir), holder(MakeHolderName()) {
	std::error_code error;
	fs::create_directories(data_dir, error);
	if (error) {
		throw duckdb::IOException("cannot create data directory \"%s\": %s", data_dir, error.message());
	}
	metadata = MakeMetadataStore(config);
	objects = MakeObjectStore(config);
	heartbeat = std::thread([this]() {
		std::unique_lock<std::mutex> guard(heartbeat_lock);
		while (!heartbeat_wakeup.wait_for(guard, std::chrono::milliseconds(LEASE_TTL_MS / 3),
		                                  [this]() { return stopping; })) {
			guard.unlock();
			RenewLeases();
			guard.lock();
		}
	});
}

LayeredDatabaseStore::~LayeredDatabaseStore() {
	{
		std::lock_guard<std::mutex> guard(heartbeat_lock);
		stopping = true;
	}
	heartbeat_wakeup.notify_all();
	heartbeat.join();
	std::lock_guard<std::mutex> guard(lock);
	for (auto &entry : open_databases) {
		// DuckDB checkpoints on close, and the checkpoint's syncs publish under this lease: close first.
		entry.second.database.reset();
		entry.second.space.reset();
		try {
			metadata->ReleaseWriterLease(entry.second.lease);
		} catch (std::exception &) {
			// The lease expires on its own.
		}
	}
	open_databases.clear();
}

void LayeredDatabaseStore::RenewLeases() {
	std::vector<WriterLease> leases;
	{
		std::lock_guard<std::mutex> guard(lock);
		for (auto &entry : open_databases) {
			leases.push_back(entry.second.lease);
		}
	}
	for (auto &lease : leases) {
		try {
			// A lost lease needs no action here: the next publish fails its fencing check.
			metadata->RenewWriterLease(lease, LEASE_TTL_MS);
		} catch (std::exception &) {
			// Retried at the next beat, well before the lease expires.
		}
	}
}

std::string LayeredDatabaseStore::PlainFilePath(const std::string &name) const {
	return (fs::path(data_dir) / (name + ".duckdb")).string();
}

std::vector<std::string> LayeredDatabaseStore::ListDatabases() {
	auto names = metadata->ListDatabases();
	std::error_code error;
	for (fs::directory_iterator it(data_dir, error), end; !error && it != end; it.increment(error)) {
		auto path = it->path();
		if (!it->is_regular_file() || path.extension() != ".duckdb") {
			continue;
		}
		auto name = path.stem().string();
		try {
			ValidateDatabaseName(name);
		} catch (std::exception &) {
			continue;
		}
		if (std::find(names.begin(), names.end(), name) == names.end()) {
			names.push_back(name);
		}
	}
	std::sort(names.begin(), names.end());
	return names;
}

void LayeredDatabaseStore::ImportPlainFile(LayerSpace &space, const std::string &name) {
	static constexpr size_t CHUNK_SIZE = 1024 * 1024;
	std::vector<char> buffer(CHUNK_SIZE);
	for (std::string suffix : {"", ".wal"}) {
		auto path = PlainFilePath(name) + suffix;
		if (!fs::exists(path)) {
			continue;
		}
		std::ifstream in(path, std::ios::binary);
		if (!in) {
			throw duckdb::IOException("cannot read \"%s\" to import it into layered storage", path);
		}
		auto file_id = static_cast<uint64_t>(space.Open(name + ".duckdb" + suffix, true, true));
		uint64_t offset = 0;
		while (in) {
			in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
			auto count = static_cast<uint64_t>(in.gcount());
			space.Write(file_id, offset, buffer.data(), count);
			offset += count;
		}
		if (in.bad()) {
			throw duckdb::IOException("cannot read \"%s\" to import it into layered storage", path);
		}
	}
	space.Seal();
}

void LayeredDatabaseStore::CreateDatabase(const std::string &name) {
	ValidateDatabaseName(name);
	std::lock_guard<std::mutex> guard(lock);
	metadata->CreateDatabase(name);
	OpenLocked(name);
}

std::shared_ptr<duckdb::DuckDB> LayeredDatabaseStore::OpenDatabase(const std::string &name) {
	std::lock_guard<std::mutex> guard(lock);
	auto entry = open_databases.find(name);
	if (entry != open_databases.end()) {
		return entry->second.database;
	}
	ValidateDatabaseName(name);
	if (!metadata->DatabaseExists(name)) {
		if (!fs::exists(PlainFilePath(name))) {
			return nullptr;
		}
		metadata->CreateDatabase(name);
	}
	return OpenLocked(name);
}

std::shared_ptr<duckdb::DuckDB> LayeredDatabaseStore::OpenLocked(const std::string &name) {
	auto existing = open_databases.find(name);
	if (existing != open_databases.end()) {
		return existing->second.database;
	}
	OpenEntry entry;
	entry.lease = metadata->AcquireWriterLease(name, holder, LEASE_TTL_MS, HolderIsGone);
	try {
		entry.space = std::make_shared<LayerSpace>(name, objects, metadata, entry.lease, LEASE_TTL_MS);
		entry.space->Load();
		if (entry.space->Stats().snapshot_id == 0 && fs::exists(PlainFilePath(name))) {
			ImportPlainFile(*entry.space, name);
		}

		duckdb::DBConfig config;
		// Spilled intermediates are scratch, not database state: keep them on local disk, outside the layers.
		// (Set before external access is turned off, which freezes it.)
		auto temp_dir = fs::absolute(fs::path(data_dir) / "tmp" / name).string();
		config.SetOptionByName("temp_directory", duckdb::Value(temp_dir));
		ApplyServerDatabaseOptions(config);
		auto file_system = duckdb::make_uniq<duckdb::VirtualFileSystem>(duckdb::FileSystem::CreateLocal());
		file_system->RegisterSubSystem(duckdb::make_uniq<LayeredFileSystem>(entry.space));
		config.file_system = std::move(file_system);
		entry.database = std::make_shared<duckdb::DuckDB>(LayeredFileSystem::DatabasePath(name), &config);
	} catch (...) {
		entry.database.reset();
		entry.space.reset();
		metadata->ReleaseWriterLease(entry.lease);
		throw;
	}
	auto database = entry.database;
	open_databases.emplace(name, std::move(entry));
	return database;
}

std::string LayeredDatabaseStore::Describe() const {
	return "layered: " + metadata->Describe() + ", " + objects->Describe();
}

} // namespace openduck
