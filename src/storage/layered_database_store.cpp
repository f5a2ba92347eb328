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
	layer_readers = std::make_shared<LayerReaderCache>(objects, metadata);
	heartbeat = std::thread([this]() {
		std::unique_lock<std::mutex> guard(heartbeat_lock);
		while (!heartbeat_wakeup.wait_for(guard, std::chrono::milliseconds(LEASE_TTL_MS / 3),
		                                  [this]() { return stopping; })) {
			guard.unlock();
			Heartbeat();
			guard.lock();
		}
	});
	compactor = std::thread([this]() { CompactorLoop(); });
	refresher = std::thread([this]() { RefresherLoop(); });
}

void LayeredDatabaseStore::CompactorLoop() {
	std::unique_lock<std::mutex> guard(heartbeat_lock);
	while (true) {
		compactor_wakeup.wait(guard, [this]() { return stopping || !compaction_queue.empty(); });
		if (stopping) {
			return;
		}
		auto name = *compaction_queue.begin();
		compaction_queue.erase(compaction_queue.begin());
		guard.unlock();
		try {
			CompactDatabase(name);
		} catch (std::exception &) {
			// Compaction only speeds reads up; the next seal asks again.
		}
		guard.lock();
	}
}

void LayeredDatabaseStore::CompactDatabase(const std::string &name) {
	std::shared_ptr<LayerSpace> space;
	{
		std::lock_guard<std::mutex> guard(lock);
		auto entry = writers.find(name);
		if (entry == writers.end()) {
			return;
		}
		space = entry->second.space;
	}
	// A plan fails when a commit is mid-way; commits are short, so a few tries find a quiet moment.
	for (int attempt = 0; attempt < 20; attempt++) {
		auto plan = space->PlanCompaction(COMPACT_AT_LAYERS);
		if ((plan.run.empty() && !plan.busy) || (!plan.run.empty() && space->Compact(plan))) {
			return;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
}

LayeredDatabaseStore::~LayeredDatabaseStore() {
	{
		std::lock_guard<std::mutex> guard(heartbeat_lock);
		stopping = true;
	}
	heartbeat_wakeup.notify_all();
	compactor_wakeup.notify_all();
	heartbeat.join();
	compactor.join();
	{
		std::lock_guard<std::mutex> guard(lock);
		stopping_refresher = true;
	}
	refresher_wakeup.notify_all();
	refresher.join();
	std::lock_guard<std::mutex> guard(lock);
	for (auto &entry : writers) {
		// DuckDB checkpoints on close, and the checkpoint's syncs publish under this lease: close first.
		entry.second.database.reset();
		entry.second.space.reset();
		try {
			metadata->ReleaseWriterLease(entry.second.lease);
		} catch (std::exception &) {
			// The lease expires on its own.
		}
	}
	writers.clear();
	for (auto engines : {&snapshot_engines, &retired_engines}) {
		for (auto &engine : *engines) {
			engine.engine.reset();
			try {
				metadata->ReleaseSnapshot(holder, engine.database, engine.snapshot_id);
			} catch (std::exception &) {
				// The hold expires on its own.
			}
		}
		engines->clear();
	}
}

void LayeredDatabaseStore::Heartbeat() {
	std::vector<WriterLease> leases;
	std::vector<std::pair<std::string, int64_t>> holds;
	std::vector<std::pair<std::string, int64_t>> released;
	{
		std::lock_guard<std::mutex> guard(lock);
		for (auto &entry : writers) {
			leases.push_back(entry.second.lease);
		}
		for (auto &engine : snapshot_engines) {
			holds.emplace_back(engine.database, engine.snapshot_id);
		}
		for (auto it = retired_engines.begin(); it != retired_engines.end();) {
			if (it->engine.use_count() == 1) {
				released.emplace_back(it->database, it->snapshot_id);
				it = retired_engines.erase(it);
			} else {
				holds.emplace_back(it->database, it->snapshot_id);
				++it;
			}
		}
	}
	// Failures here need no action: a lost lease fails the next publish's fencing check, and a missed renewal
	// is retried at the next beat, well before anything expires.
	for (auto &lease : leases) {
		try {
			metadata->RenewWriterLease(lease, LEASE_TTL_MS);
		} catch (std::exception &) {
		}
	}
	for (auto &hold : holds) {
		try {
			metadata->HoldSnapshot(holder, hold.first, hold.second, LEASE_TTL_MS);
		} catch (std::exception &) {
		}
	}
	for (auto &hold : released) {
		try {
			metadata->ReleaseSnapshot(holder, hold.first, hold.second);
		} catch (std::exception &) {
		}
	}
	if (!config.replica && std::chrono::steady_clock::now() - last_gc >= std::chrono::milliseconds(GC_INTERVAL_MS)) {
		last_gc = std::chrono::steady_clock::now();
		try {
			CollectGarbage({});
		} catch (std::exception &) {
			// Garbage waits for the next round; nothing depends on it being gone.
		}
	}
}

//! The fencing token a layer key "<db>/layers/<token>-<sequence>.layer" was written under; -1 when unknown.
static int64_t LayerKeyToken(const std::string &key) {
	auto slash = key.rfind('/');
	auto dash = key.find('-', slash == std::string::npos ? 0 : slash + 1);
	if (slash == std::string::npos || dash == std::string::npos || dash == slash + 1) {
		return -1;
	}
	auto digits = key.substr(slash + 1, dash - slash - 1);
	if (digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) {
		return -1;
	}
	return std::stoll(digits);
}

GarbageReport LayeredDatabaseStore::CollectGarbage(const std::vector<std::string> &databases) {
	GarbageReport report;
	auto names = databases.empty() ? metadata->ListDatabases() : databases;
	auto cutoff = NowMilliseconds() - config.retention_ms;
	for (auto &name : names) {
		ValidateDatabaseName(name);
		report.expired_snapshots += metadata->ExpireSnapshots(name, cutoff);
	}
	// Objects first, rows second: a crash in between leaves rows whose objects are gone, which nothing reads
	// (no snapshot lists them) and the next round forgets.
	auto unreferenced = metadata->UnreferencedLayers();
	std::vector<int64_t> deleted;
	for (auto &layer : unreferenced) {
		if (!layer.inlined) {
			// An inlined layer's bytes go with its row.
			objects->Delete(layer.object_key);
		}
		deleted.push_back(layer.id);
		report.deleted_bytes += layer.size_bytes;
	}
	metadata->DeleteLayerRecords(deleted);
	report.deleted_layers = deleted.size();
	// A layer object no row records was stored by a writer that died (or was fenced off) before publishing. Only
	// objects of older fencing tokens are certain to stay unpublished: the current writer may be mid-seal.
	for (auto &name : names) {
		auto current_token = metadata->CurrentFencingToken(name);
		for (auto &key : objects->List(name + "/layers/")) {
			auto token = LayerKeyToken(key);
			if (token >= 0 && token < current_token && !metadata->IsLayerRecorded(key)) {
				objects->Delete(key);
				report.deleted_orphans++;
			}
		}
	}
	return report;
}

std::string LayeredDatabaseStore::PlainFilePath(const std::string &name) const {
	return (fs::path(data_dir) / (name + ".duckdb")).string();
}

std::vector<std::string> LayeredDatabaseStore::ListDatabases() {
	auto names = metadata->ListDatabases();
	if (config.replica) {
		return names;
	}
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
	if (config.replica) {
		if (!metadata->DatabaseExists(name)) {
			throw duckdb::InvalidInputException("database \"%s\" does not exist, and a read replica cannot create "
			                                    "it: create it on the writer",
			                                    name);
		}
		return;
	}
	metadata->CreateDatabase(name);
	OpenWriterLocked(name);
}

bool LayeredDatabaseStore::DatabaseKnown(const std::string &name) {
	if (metadata->DatabaseExists(name)) {
		return true;
	}
	if (config.replica || !fs::exists(PlainFilePath(name))) {
		return false;
	}
	metadata->CreateDatabase(name);
	return true;
}

std::shared_ptr<duckdb::DuckDB> LayeredDatabaseStore::OpenDatabase(const std::string &name) {
	std::unique_lock<std::mutex> guard(lock);
	if (config.replica) {
		return OpenReplica(guard, name);
	}
	auto entry = writers.find(name);
	if (entry != writers.end()) {
		if (entry->second.space->Failure().empty() && !EngineInvalidated(*entry->second.database)) {
			return entry->second.database;
		}
		// A commit could not be published, so this engine is ahead of anything durable: start over from the
		// newest snapshot. While that fails (the metadata or object store is down), keep serving the old engine:
		// it still reads everything committed, and refuses writes with the reason.
		auto now = std::chrono::steady_clock::now();
		if (now - entry->second.failed_reopen_at < std::chrono::milliseconds(REOPEN_RETRY_MS)) {
			return entry->second.database;
		}
		auto failed = std::move(entry->second);
		writers.erase(entry);
		try {
			return OpenWriterLocked(name);
		} catch (std::exception &) {
			failed.failed_reopen_at = now;
			auto database = failed.database;
			writers.emplace(name, std::move(failed));
			if (EngineInvalidated(*database)) {
				// DuckDB gave up on the old engine (a checkpoint failed, e.g. on a full disk): reads go to the newest
				// snapshot instead, which holds every acknowledged commit; WriteRefusal says why writes wait.
				auto newest = metadata->LatestSnapshot(name).id;
				if (newest != 0) {
					return EngineFor(guard, name, newest);
				}
			}
			return database;
		}
	}
	ValidateDatabaseName(name);
	if (!DatabaseKnown(name)) {
		return nullptr;
	}
	return OpenWriterLocked(name);
}

std::shared_ptr<duckdb::DuckDB> LayeredDatabaseStore::StartEngine(const std::string &name,
                                                                  std::shared_ptr<LayerSpace> space,
                                                                  const std::string &temp_name) {
	duckdb::DBConfig engine_config;
	// Spilled intermediates are scratch, not database state: keep them on local disk, outside the layers.
	// (Set before external access is turned off, which freezes it.)
	auto temp_dir = fs::absolute(fs::path(data_dir) / "tmp" / name / temp_name).string();
	engine_config.SetOptionByName("temp_directory", duckdb::Value(temp_dir));
	if (space->ReadOnly()) {
		engine_config.SetOptionByName("access_mode", duckdb::Value("READ_ONLY"));
	}
	ApplyServerDatabaseOptions(engine_config);
	auto file_system = duckdb::make_uniq<duckdb::VirtualFileSystem>(duckdb::FileSystem::CreateLocal());
	file_system->RegisterSubSystem(duckdb::make_uniq<LayeredFileSystem>(std::move(space)));
	engine_config.file_system = std::move(file_system);
	return std::make_shared<duckdb::DuckDB>(LayeredFileSystem::DatabasePath(name), &engine_config);
}

std::shared_ptr<duckdb::DuckDB> LayeredDatabaseStore::OpenWriterLocked(const std::string &name) {
	auto existing = writers.find(name);
	if (existing != writers.end()) {
		return existing->second.database;
	}
	WriterEntry entry;
	entry.lease = metadata->AcquireWriterLease(name, holder, LEASE_TTL_MS, HolderIsGone);
	try {
		entry.space = std::make_shared<LayerSpace>(name, layer_readers, metadata, entry.lease, LEASE_TTL_MS);
		entry.space->Load();
		if (entry.space->Stats().snapshot_id == 0 && fs::exists(PlainFilePath(name))) {
			ImportPlainFile(*entry.space, name);
		}
		entry.space->SetSealListener([this, name](size_t layer_count) {
			if (layer_count >= COMPACT_AT_LAYERS) {
				std::lock_guard<std::mutex> guard(heartbeat_lock);
				compaction_queue.insert(name);
				compactor_wakeup.notify_one();
			}
		});
		entry.database = StartEngine(name, entry.space, "writer");
	} catch (...) {
		entry.database.reset();
		entry.space.reset();
		metadata->ReleaseWriterLease(entry.lease);
		throw;
	}
	auto database = entry.database;
	writers.emplace(name, std::move(entry));
	return database;
}

std::shared_ptr<duckdb::DuckDB> LayeredDatabaseStore::CachedEngineLocked(const std::string &name, int64_t snapshot_id) {
	for (auto &engine : snapshot_engines) {
		if (engine.database == name && engine.snapshot_id == snapshot_id) {
			engine.last_used = std::chrono::steady_clock::now();
			return engine.engine;
		}
	}
	return nullptr;
}

LayeredDatabaseStore::SnapshotEngine LayeredDatabaseStore::OpenSnapshotEngine(const std::string &name,
                                                                              int64_t snapshot_id) {
	// Hold first, then read the layer list: GC keeps a held snapshot's layers.
	if (!metadata->HoldSnapshot(holder, name, snapshot_id, LEASE_TTL_MS)) {
		throw duckdb::InvalidInputException("database \"%s\" has no snapshot %lld (expired by retention?)", name,
		                                    (long long)snapshot_id);
	}
	SnapshotEngine engine;
	engine.database = name;
	engine.snapshot_id = snapshot_id;
	engine.last_used = std::chrono::steady_clock::now();
	try {
		auto space = std::make_shared<LayerSpace>(name, layer_readers, metadata);
		space->Load(snapshot_id);
		engine.engine = StartEngine(name, std::move(space), "snapshot-" + std::to_string(snapshot_id));
	} catch (...) {
		metadata->ReleaseSnapshot(holder, name, snapshot_id);
		throw;
	}
	return engine;
}

std::shared_ptr<duckdb::DuckDB> LayeredDatabaseStore::AdoptEngineLocked(SnapshotEngine engine) {
	if (auto cached = CachedEngineLocked(engine.database, engine.snapshot_id)) {
		// Opened twice at once: keep the first (it holds the same snapshot).
		return cached;
	}
	if (snapshot_engines.size() >= MAX_SNAPSHOT_ENGINES) {
		auto oldest = std::min_element(
		    snapshot_engines.begin(), snapshot_engines.end(),
		    [](const SnapshotEngine &a, const SnapshotEngine &b) { return a.last_used < b.last_used; });
		if (oldest->engine.use_count() == 1) {
			// Nobody uses it: close it now rather than keep an engine per commit alive until the next beat.
			metadata->ReleaseSnapshot(holder, oldest->database, oldest->snapshot_id);
		} else {
			retired_engines.push_back(std::move(*oldest));
		}
		snapshot_engines.erase(oldest);
	}
	snapshot_engines.push_back(engine);
	return engine.engine;
}

std::shared_ptr<duckdb::DuckDB> LayeredDatabaseStore::EngineFor(std::unique_lock<std::mutex> &guard,
                                                                const std::string &name, int64_t snapshot_id) {
	if (auto cached = CachedEngineLocked(name, snapshot_id)) {
		return cached;
	}
	// Opening replays the snapshot's WAL: do it without blocking every other request.
	guard.unlock();
	auto engine = OpenSnapshotEngine(name, snapshot_id);
	guard.lock();
	return AdoptEngineLocked(std::move(engine));
}

void LayeredDatabaseStore::QueueNewerSnapshots(std::unique_lock<std::mutex> &guard) {
	std::vector<std::string> served;
	for (auto &entry : replicas) {
		if (entry.second.snapshot_id != 0 && !entry.second.refreshing) {
			served.push_back(entry.first);
		}
	}
	// The metadata may be a network away: requests must not wait for it.
	guard.unlock();
	std::vector<std::pair<std::string, int64_t>> newest;
	for (auto &name : served) {
		try {
			newest.emplace_back(name, metadata->LatestSnapshot(name).id);
		} catch (std::exception &) {
			// Metadata unreachable for a moment: keep serving the current snapshot, ask again next poll.
		}
	}
	guard.lock();
	for (auto &entry : newest) {
		auto state = replicas.find(entry.first);
		if (state != replicas.end() && !state->second.refreshing && entry.second > state->second.snapshot_id) {
			state->second.refreshing = true;
			refresh_queue.insert(entry);
		}
	}
}

void LayeredDatabaseStore::RefresherLoop() {
	std::unique_lock<std::mutex> guard(lock);
	auto next_poll = std::chrono::steady_clock::now();
	auto has_work = [this]() {
		return stopping_refresher || !refresh_queue.empty();
	};
	while (true) {
		if (config.replica) {
			// Polled on a clock, not when asked: a read after a quiet hour must not get that hour-old state.
			refresher_wakeup.wait_until(guard, next_poll, has_work);
		} else {
			refresher_wakeup.wait(guard, has_work);
		}
		if (stopping_refresher) {
			return;
		}
		if (config.replica && std::chrono::steady_clock::now() >= next_poll) {
			QueueNewerSnapshots(guard);
			next_poll = std::chrono::steady_clock::now() + std::chrono::milliseconds(REPLICA_POLL_MS);
		}
		if (refresh_queue.empty()) {
			continue;
		}
		auto wanted = *refresh_queue.begin();
		refresh_queue.erase(refresh_queue.begin());
		guard.unlock();
		std::shared_ptr<duckdb::DuckDB> keep_until_adopted;
		try {
			auto engine = OpenSnapshotEngine(wanted.first, wanted.second);
			keep_until_adopted = engine.engine;
			guard.lock();
			AdoptEngineLocked(std::move(engine));
			auto &state = replicas[wanted.first];
			if (state.snapshot_id < wanted.second) {
				state.snapshot_id = wanted.second;
			}
			state.refreshing = false;
		} catch (std::exception &) {
			// Requests keep the current snapshot; the next poll asks again.
			guard.lock();
			replicas[wanted.first].refreshing = false;
		}
	}
}

std::shared_ptr<duckdb::DuckDB> LayeredDatabaseStore::OpenReplica(std::unique_lock<std::mutex> &guard,
                                                                  const std::string &name) {
	ValidateDatabaseName(name);
	auto &state = replicas[name];
	if (state.snapshot_id == 0) {
		auto latest = metadata->LatestSnapshot(name);
		if (latest.id == 0) {
			replicas.erase(name);
			return nullptr;
		}
		state.snapshot_id = latest.id;
	}
	// The refresher keeps snapshot_id current; requests never wait for a newer snapshot to open.
	auto snapshot_id = state.snapshot_id;
	return EngineFor(guard, name, snapshot_id);
}

std::shared_ptr<duckdb::DuckDB> LayeredDatabaseStore::OpenSnapshot(const std::string &name,
                                                                   const SnapshotSelector &at) {
	ValidateDatabaseName(name);
	std::unique_lock<std::mutex> guard(lock);
	if (at.kind == SnapshotSelector::Kind::ID) {
		// Every request of a time-travel attach names its snapshot: an open engine needs no metadata query.
		if (auto cached = CachedEngineLocked(name, at.id)) {
			return cached;
		}
	}
	if (!DatabaseKnown(name)) {
		return nullptr;
	}
	if (!metadata->LatestSnapshot(name).id && !config.replica) {
		// A plain file not imported yet: opening the writer imports it.
		OpenWriterLocked(name);
	}
	auto snapshot = openduck::ResolveSnapshot(*metadata, name, at);
	return EngineFor(guard, name, snapshot.id);
}

SnapshotInfo LayeredDatabaseStore::ToInfo(const SnapshotRecord &record, int64_t newest_id) const {
	SnapshotInfo info;
	info.id = record.id;
	info.parent = record.parent;
	info.created_at_ms = record.created_at_ms;
	info.name = record.name;
	info.layer_count = record.layer_count;
	info.newest = record.id == newest_id;
	return info;
}

std::vector<SnapshotInfo> LayeredDatabaseStore::ListSnapshots(const std::string &name) {
	ValidateDatabaseName(name);
	if (!metadata->DatabaseExists(name)) {
		throw duckdb::InvalidInputException("database \"%s\" does not exist", name);
	}
	auto records = metadata->ListSnapshots(name);
	std::vector<SnapshotInfo> result;
	for (auto &record : records) {
		result.push_back(ToInfo(record, records.back().id));
	}
	return result;
}

std::string LayeredDatabaseStore::WriteRefusal(const std::string &name) {
	if (config.replica) {
		return std::string();
	}
	{
		std::lock_guard<std::mutex> guard(lock);
		auto entry = writers.find(name);
		if (entry != writers.end()) {
			auto failure = entry->second.space->Failure();
			if (!failure.empty()) {
				return "database \"" + name + "\" takes no writes until it reopens from its newest snapshot after a " +
				       "failed commit (" + failure + "); the server retries every second, reads go on";
			}
		}
	}
	auto local_objects = config.LocalObjectsDirectory();
	return local_objects.empty() ? std::string() : FreeSpaceRefusal(local_objects, config.min_free_bytes, name);
}

SnapshotInfo LayeredDatabaseStore::ResolveSnapshot(const std::string &name, const SnapshotSelector &at) {
	ValidateDatabaseName(name);
	if (!metadata->DatabaseExists(name)) {
		throw duckdb::InvalidInputException("database \"%s\" does not exist", name);
	}
	auto snapshot = openduck::ResolveSnapshot(*metadata, name, at);
	return ToInfo(snapshot, metadata->LatestSnapshot(name).id);
}

SnapshotInfo LayeredDatabaseStore::CreateNamedSnapshot(const std::string &name, const std::string &snapshot_name) {
	ValidateDatabaseName(name);
	ValidateSnapshotName(snapshot_name);
	if (config.replica) {
		throw duckdb::InvalidInputException("a read replica cannot name snapshots: run this on the writer");
	}
	auto newest = openduck::ResolveSnapshot(*metadata, name, SnapshotSelector::Newest());
	return ToInfo(metadata->NameSnapshot(name, newest.id, snapshot_name), newest.id);
}

SnapshotInfo LayeredDatabaseStore::CloneDatabase(const std::string &source, const SnapshotSelector &at,
                                                 const std::string &target) {
	ValidateDatabaseName(source);
	ValidateDatabaseName(target);
	if (config.replica) {
		throw duckdb::InvalidInputException("a read replica cannot create databases: clone on the writer");
	}
	std::lock_guard<std::mutex> guard(lock);
	if (metadata->DatabaseExists(target) || fs::exists(PlainFilePath(target))) {
		throw duckdb::InvalidInputException("cannot clone into \"%s\": a database with that name exists", target);
	}
	if (!DatabaseKnown(source)) {
		throw duckdb::InvalidInputException("cannot clone \"%s\": no such database", source);
	}
	if (!metadata->LatestSnapshot(source).id) {
		OpenWriterLocked(source);
	}
	auto snapshot = openduck::ResolveSnapshot(*metadata, source, at);
	auto clone = metadata->CloneDatabase(source, snapshot.id, target);
	return ToInfo(clone, clone.id);
}

std::string LayeredDatabaseStore::Describe() const {
	return std::string(config.replica ? "layered (read replica): " : "layered: ") + metadata->Describe() + ", " +
	       objects->Describe();
}

} // namespace openduck
