#include "storage/metadata_store/postgres_metadata_store.hpp"

#include "duckdb.hpp"
#include "storage/hex_encoding.hpp"
#include "storage/metadata_store/metadata_store_errors.hpp"
#include "storage/metadata_store/postgres_connection.hpp"
#include "storage/metadata_store/postgres_schema.hpp"

namespace openduck {

namespace {

using Params = std::vector<PostgresParam>;

const char *SNAPSHOT_COLUMNS = "SELECT id, database, COALESCE(parent, 0), layer_count, created_at, "
                               "COALESCE(name, ''), fencing_token FROM snapshots ";

SnapshotRecord ReadSnapshot(const PostgresResult &rows, int row) {
	SnapshotRecord snapshot;
	snapshot.id = rows.Integer(row, 0);
	snapshot.database = rows.Text(row, 1);
	snapshot.parent = rows.Integer(row, 2);
	snapshot.layer_count = static_cast<uint64_t>(rows.Integer(row, 3));
	snapshot.created_at_ms = rows.Integer(row, 4);
	snapshot.name = rows.Text(row, 5);
	snapshot.fencing_token = rows.Integer(row, 6);
	return snapshot;
}

std::vector<LayerRecord> ReadLayers(const PostgresResult &rows) {
	std::vector<LayerRecord> layers;
	for (int row = 0; row < rows.Rows(); row++) {
		LayerRecord layer;
		layer.id = rows.Integer(row, 0);
		layer.object_key = rows.Text(row, 1);
		layer.size_bytes = static_cast<uint64_t>(rows.Integer(row, 2));
		layer.inlined = rows.Text(row, 3) == "t";
		layers.push_back(std::move(layer));
	}
	return layers;
}

//! The base chain of snapshot $1: together their snapshot_layers rows are its whole list, each position once.
const char *CHAIN = "WITH RECURSIVE chain(id, base) AS ("
                    " SELECT id, base FROM snapshots WHERE id = $1::bigint"
                    " UNION ALL SELECT s.id, s.base FROM snapshots s JOIN chain c ON s.id = c.base) ";

//! Advisory lock class of per-database locks (two-key form, apart from the migration lock's one-key form).
const char *DATABASE_LOCK = "SELECT pg_advisory_xact_lock(1331979587, hashtext($1::text))";

} // namespace

PostgresMetadataStore::PostgresMetadataStore(const std::string &url)
    : connection(std::make_unique<PostgresConnection>(url)) {
	try {
		MigratePostgresSchema(*connection);
	} catch (PostgresConnectionLost &ex) {
		connection->ThrowUnavailable(ex.what());
	}
}

PostgresMetadataStore::~PostgresMetadataStore() = default;

template <class OPERATION>
auto PostgresMetadataStore::Run(bool retryable, OPERATION &&operation) -> decltype(operation()) {
	std::lock_guard<std::mutex> guard(lock);
	for (int attempt = 0;; attempt++) {
		connection->EnsureConnected();
		try {
			return operation();
		} catch (PostgresConnectionLost &ex) {
			// A change that may or may not have committed is not repeated: the caller decides.
			if (!retryable || attempt > 0) {
				connection->ThrowUnavailable(ex.what());
			}
		}
	}
}

void PostgresMetadataStore::LockDatabase(const std::string &database) {
	connection->Execute(DATABASE_LOCK, {database});
}

std::vector<std::string> PostgresMetadataStore::ListDatabases() {
	return Run(true, [&]() {
		auto rows = connection->Execute("SELECT name FROM databases ORDER BY name");
		std::vector<std::string> names;
		for (int row = 0; row < rows.Rows(); row++) {
			names.push_back(rows.Text(row, 0));
		}
		return names;
	});
}

void PostgresMetadataStore::CreateDatabase(const std::string &name) {
	Run(true, [&]() {
		connection->Execute("INSERT INTO databases (name, created_at) VALUES ($1::text, $2::bigint) "
		                    "ON CONFLICT (name) DO NOTHING",
		                    {name, NowMilliseconds()});
	});
}

bool PostgresMetadataStore::DatabaseExists(const std::string &name) {
	return Run(true, [&]() {
		return connection->Execute("SELECT 1 FROM databases WHERE name = $1::text", {name}).Rows() > 0;
	});
}

WriterLease PostgresMetadataStore::AcquireWriterLease(const std::string &database, const std::string &holder,
                                                      int64_t ttl_ms, const LeaseHolderGone &holder_gone) {
	// Safe to repeat: if a lost reply hid a commit, the lease is already ours and is simply taken again.
	return Run(true, [&]() {
		PostgresTransaction transaction(*connection);
		LockDatabase(database);
		auto now = NowMilliseconds();
		int64_t token = 0;
		auto current = connection->Execute("SELECT COALESCE(holder, ''), fencing_token, expires_at FROM "
		                                   "writer_leases WHERE database = $1::text FOR UPDATE",
		                                   {database});
		if (current.Rows() > 0) {
			auto current_holder = current.Text(0, 0);
			token = current.Integer(0, 1);
			auto expires_at = current.Integer(0, 2);
			bool free = current_holder.empty() || expires_at <= now || current_holder == holder ||
			            (holder_gone && holder_gone(current_holder));
			if (!free) {
				ThrowLeaseHeld(database, current_holder, expires_at - now);
			}
		}
		WriterLease lease;
		lease.database = database;
		lease.holder = holder;
		lease.fencing_token = token + 1;
		lease.expires_at_ms = now + ttl_ms;
		connection->Execute("INSERT INTO writer_leases (database, holder, fencing_token, expires_at) "
		                    "VALUES ($1::text, $2::text, $3::bigint, $4::bigint) ON CONFLICT (database) DO UPDATE "
		                    "SET holder = excluded.holder, fencing_token = excluded.fencing_token, "
		                    "expires_at = excluded.expires_at",
		                    {database, holder, lease.fencing_token, lease.expires_at_ms});
		transaction.Commit();
		return lease;
	});
}

bool PostgresMetadataStore::RenewWriterLease(const WriterLease &lease, int64_t ttl_ms) {
	return Run(true, [&]() {
		return connection
		           ->Execute("UPDATE writer_leases SET expires_at = $1::bigint WHERE database = $2::text AND "
		                     "holder = $3::text AND fencing_token = $4::bigint",
		                     {NowMilliseconds() + ttl_ms, lease.database, lease.holder, lease.fencing_token})
		           .Changed() == 1;
	});
}

void PostgresMetadataStore::ReleaseWriterLease(const WriterLease &lease) {
	Run(true, [&]() {
		connection->Execute("UPDATE writer_leases SET holder = NULL, expires_at = 0 WHERE database = $1::text AND "
		                    "holder = $2::text AND fencing_token = $3::bigint",
		                    {lease.database, lease.holder, lease.fencing_token});
	});
}

SnapshotRecord PostgresMetadataStore::QuerySnapshot(const std::string &where_order, const std::string &database,
                                                    int64_t value) {
	auto rows = connection->Execute(SNAPSHOT_COLUMNS + where_order + " LIMIT 1", {database, value});
	return rows.Rows() > 0 ? ReadSnapshot(rows, 0) : SnapshotRecord();
}

SnapshotRecord PostgresMetadataStore::LatestSnapshotLocked(const std::string &database) {
	auto rows = connection->Execute(
	    std::string(SNAPSHOT_COLUMNS) + "WHERE database = $1::text ORDER BY id DESC LIMIT 1", {database});
	return rows.Rows() > 0 ? ReadSnapshot(rows, 0) : SnapshotRecord();
}

SnapshotRecord PostgresMetadataStore::LatestSnapshot(const std::string &database) {
	return Run(true, [&]() { return LatestSnapshotLocked(database); });
}

std::vector<SnapshotRecord> PostgresMetadataStore::ListSnapshots(const std::string &database) {
	return Run(true, [&]() {
		auto rows =
		    connection->Execute(std::string(SNAPSHOT_COLUMNS) + "WHERE database = $1::text ORDER BY id", {database});
		std::vector<SnapshotRecord> snapshots;
		for (int row = 0; row < rows.Rows(); row++) {
			snapshots.push_back(ReadSnapshot(rows, row));
		}
		return snapshots;
	});
}

std::vector<LayerRecord> PostgresMetadataStore::SnapshotLayers(int64_t snapshot_id) {
	return Run(true, [&]() {
		return ReadLayers(connection->Execute(std::string(CHAIN) +
		                                          "SELECT l.id, l.object_key, l.size_bytes, l.inline_data IS NOT NULL "
		                                          "FROM chain "
		                                          "JOIN snapshot_layers sl ON sl.snapshot = chain.id "
		                                          "JOIN layers l ON l.id = sl.layer ORDER BY sl.position",
		                                      {snapshot_id}));
	});
}

SnapshotRecord PostgresMetadataStore::CheckWriterLocked(const WriterLease &lease, int64_t parent) {
	LockDatabase(lease.database);
	// The row lock makes the token check and the insert one atomic step against any lease change.
	auto current = connection->Execute("SELECT COALESCE(holder, ''), fencing_token FROM writer_leases "
	                                   "WHERE database = $1::text FOR UPDATE",
	                                   {lease.database});
	if (current.Rows() == 0 || current.Text(0, 0) != lease.holder || current.Integer(0, 1) != lease.fencing_token) {
		ThrowLeaseLost(lease);
	}
	auto latest = LatestSnapshotLocked(lease.database);
	if (latest.id != parent) {
		ThrowParentMoved(lease.database, latest.id, parent);
	}
	return latest;
}

int64_t PostgresMetadataStore::InsertLayerLocked(const std::string &database, const LayerRecord &layer, int64_t now) {
	return connection
	    // Parameters travel as text, so an inlined layer's bytes travel as hex.
	    ->Execute("INSERT INTO layers (database, object_key, size_bytes, created_at, inline_data) "
	              "VALUES ($1::text, $2::text, $3::bigint, $4::bigint, decode(NULLIF($5::text, ''), 'hex')) RETURNING id",
	              {database, layer.object_key, static_cast<int64_t>(layer.size_bytes), now,
	               layer.inlined ? HexEncode(layer.inline_data) : std::string()})
	    .Integer(0, 0);
}

int64_t PostgresMetadataStore::InsertSnapshotLocked(const SnapshotRecord &snapshot, int64_t base) {
	return connection
	    ->Execute("INSERT INTO snapshots (database, parent, base, layer_count, created_at, fencing_token) "
	              "VALUES ($1::text, NULLIF($2::bigint, 0), NULLIF($3::bigint, 0), $4::bigint, $5::bigint, "
	              "$6::bigint) RETURNING id",
	              {snapshot.database, snapshot.parent, base, static_cast<int64_t>(snapshot.layer_count),
	               snapshot.created_at_ms, snapshot.fencing_token})
	    .Integer(0, 0);
}

SnapshotRecord PostgresMetadataStore::PublishSnapshot(const WriterLease &lease, int64_t parent,
                                                      const LayerRecord &layer, int64_t ttl_ms) {
	return Run(false, [&]() {
		PostgresTransaction transaction(*connection);
		auto now = NowMilliseconds();
		auto latest = CheckWriterLocked(lease, parent);
		auto layer_id = InsertLayerLocked(lease.database, layer, now);
		SnapshotRecord snapshot;
		snapshot.database = lease.database;
		snapshot.parent = parent;
		snapshot.layer_count = latest.layer_count + 1;
		snapshot.created_at_ms = now;
		snapshot.fencing_token = lease.fencing_token;
		snapshot.id = InsertSnapshotLocked(snapshot, parent);
		connection->Execute("INSERT INTO snapshot_layers (snapshot, position, layer) "
		                    "VALUES ($1::bigint, $2::bigint, $3::bigint)",
		                    {snapshot.id, static_cast<int64_t>(latest.layer_count), layer_id});
		connection->Execute("UPDATE writer_leases SET expires_at = $1::bigint WHERE database = $2::text",
		                    {now + ttl_ms, lease.database});
		transaction.Commit();
		return snapshot;
	});
}

SnapshotRecord PostgresMetadataStore::GetSnapshot(const std::string &database, int64_t snapshot_id) {
	return Run(true,
	           [&]() { return QuerySnapshot("WHERE database = $1::text AND id = $2::bigint", database, snapshot_id); });
}

SnapshotRecord PostgresMetadataStore::FindNamedSnapshot(const std::string &database, const std::string &name) {
	return Run(true, [&]() {
		auto rows = connection->Execute(std::string(SNAPSHOT_COLUMNS) + "WHERE database = $1::text AND name = $2::text",
		                                {database, name});
		return rows.Rows() > 0 ? ReadSnapshot(rows, 0) : SnapshotRecord();
	});
}

SnapshotRecord PostgresMetadataStore::SnapshotAsOf(const std::string &database, int64_t time_ms) {
	return Run(true, [&]() {
		return QuerySnapshot("WHERE database = $1::text AND created_at <= $2::bigint ORDER BY id DESC", database,
		                     time_ms);
	});
}

SnapshotRecord PostgresMetadataStore::NameSnapshot(const std::string &database, int64_t snapshot_id,
                                                   const std::string &name) {
	CheckSnapshotName(database, name);
	return Run(true, [&]() {
		PostgresTransaction transaction(*connection);
		LockDatabase(database);
		auto snapshot = QuerySnapshot("WHERE database = $1::text AND id = $2::bigint", database, snapshot_id);
		if (snapshot.id == 0) {
			ThrowNoSuchSnapshot(database, snapshot_id);
		}
		auto taken = connection->Execute("SELECT id FROM snapshots WHERE database = $1::text AND name = $2::text "
		                                 "AND id <> $3::bigint",
		                                 {database, name, snapshot_id});
		if (taken.Rows() > 0) {
			throw duckdb::InvalidInputException("database \"%s\" already has a snapshot named \"%s\" (snapshot %lld)",
			                                    database, name, (long long)taken.Integer(0, 0));
		}
		connection->Execute("UPDATE snapshots SET name = $1::text WHERE id = $2::bigint", {name, snapshot_id});
		transaction.Commit();
		snapshot.name = name;
		return snapshot;
	});
}

SnapshotRecord PostgresMetadataStore::CloneDatabase(const std::string &source, int64_t snapshot_id,
                                                    const std::string &target) {
	return Run(false, [&]() {
		PostgresTransaction transaction(*connection);
		// The source's lock keeps ExpireSnapshots from deleting the origin between the check and the insert.
		LockDatabase(source);
		if (connection->Execute("SELECT 1 FROM databases WHERE name = $1::text", {target}).Rows() > 0) {
			throw duckdb::InvalidInputException("cannot clone into database \"%s\": it already exists", target);
		}
		auto origin = QuerySnapshot("WHERE database = $1::text AND id = $2::bigint", source, snapshot_id);
		if (origin.id == 0) {
			ThrowNoSuchSnapshot(source, snapshot_id);
		}
		auto now = NowMilliseconds();
		auto inserted = connection->Execute("INSERT INTO databases (name, created_at) VALUES ($1::text, $2::bigint) "
		                                    "ON CONFLICT (name) DO NOTHING",
		                                    {target, now});
		if (inserted.Changed() != 1) {
			throw duckdb::InvalidInputException("cannot clone into database \"%s\": it already exists", target);
		}
		SnapshotRecord snapshot;
		snapshot.database = target;
		snapshot.parent = origin.id;
		snapshot.layer_count = origin.layer_count;
		snapshot.created_at_ms = now;
		snapshot.id = InsertSnapshotLocked(snapshot, origin.id);
		transaction.Commit();
		return snapshot;
	});
}

SnapshotRecord PostgresMetadataStore::PublishCompaction(const WriterLease &lease, int64_t parent,
                                                        const LayerRecord &merged, uint64_t first_position,
                                                        uint64_t replaced_count, int64_t ttl_ms) {
	return Run(false, [&]() {
		PostgresTransaction transaction(*connection);
		auto now = NowMilliseconds();
		auto latest = CheckWriterLocked(lease, parent);
		CheckCompactionRange(lease.database, first_position, replaced_count, latest.layer_count);
		auto layer_id = InsertLayerLocked(lease.database, merged, now);
		SnapshotRecord snapshot;
		snapshot.database = lease.database;
		snapshot.parent = parent;
		snapshot.layer_count = latest.layer_count - replaced_count + 1;
		snapshot.created_at_ms = now;
		snapshot.fencing_token = lease.fencing_token;
		snapshot.id = InsertSnapshotLocked(snapshot, 0);
		connection->Execute("INSERT INTO snapshot_layers (snapshot, position, layer) "
		                    "VALUES ($1::bigint, $2::bigint, $3::bigint)",
		                    {snapshot.id, static_cast<int64_t>(first_position), layer_id});
		connection->Execute(
		    std::string("INSERT INTO snapshot_layers (snapshot, position, layer) ") + CHAIN +
		        "SELECT $2::bigint, CASE WHEN sl.position < $3::bigint THEN sl.position "
		        "ELSE sl.position - $4::bigint + 1 END, sl.layer FROM chain "
		        "JOIN snapshot_layers sl ON sl.snapshot = chain.id "
		        "WHERE sl.position < $3::bigint OR sl.position >= $3::bigint + $4::bigint",
		    {parent, snapshot.id, static_cast<int64_t>(first_position), static_cast<int64_t>(replaced_count)});
		connection->Execute("UPDATE writer_leases SET expires_at = $1::bigint WHERE database = $2::text",
		                    {now + ttl_ms, lease.database});
		transaction.Commit();
		return snapshot;
	});
}

bool PostgresMetadataStore::HoldSnapshot(const std::string &holder, const std::string &database, int64_t snapshot_id,
                                         int64_t ttl_ms) {
	return Run(true, [&]() {
		PostgresTransaction transaction(*connection);
		// Under the database's lock, ExpireSnapshots either sees this hold or finished before the check.
		LockDatabase(database);
		if (connection
		        ->Execute("SELECT 1 FROM snapshots WHERE database = $1::text AND id = $2::bigint",
		                  {database, snapshot_id})
		        .Rows() == 0) {
			return false;
		}
		connection->Execute("INSERT INTO snapshot_holds (holder, database, snapshot, expires_at) "
		                    "VALUES ($1::text, $2::text, $3::bigint, $4::bigint) "
		                    "ON CONFLICT (holder, database, snapshot) DO UPDATE SET expires_at = excluded.expires_at",
		                    {holder, database, snapshot_id, NowMilliseconds() + ttl_ms});
		transaction.Commit();
		return true;
	});
}

void PostgresMetadataStore::ReleaseSnapshot(const std::string &holder, const std::string &database,
                                            int64_t snapshot_id) {
	Run(true, [&]() {
		connection->Execute("DELETE FROM snapshot_holds WHERE holder = $1::text AND database = $2::text AND "
		                    "snapshot = $3::bigint",
		                    {holder, database, snapshot_id});
	});
}

uint64_t PostgresMetadataStore::ExpireSnapshots(const std::string &database, int64_t cutoff_ms) {
	return Run(true, [&]() -> uint64_t {
		PostgresTransaction transaction(*connection);
		LockDatabase(database);
		auto now = NowMilliseconds();
		auto picked = connection->Execute(
		    "SELECT s.id FROM snapshots s WHERE s.database = $1::text AND s.created_at < $2::bigint "
		    "AND s.name IS NULL AND s.id <> (SELECT MAX(id) FROM snapshots WHERE database = $1::text) "
		    "AND NOT EXISTS (SELECT 1 FROM snapshot_holds h WHERE h.snapshot = s.id AND h.expires_at > $3::bigint)",
		    {database, cutoff_ms, now});
		std::vector<int64_t> ids;
		for (int row = 0; row < picked.Rows(); row++) {
			ids.push_back(picked.Integer(row, 0));
		}
		if (!ids.empty()) {
			auto expiring = PostgresParam::BigintArray(ids);
			// A kept snapshot (of any database: clones) whose base goes first gets its whole list: the base
			// chain's rows fill exactly the positions it does not store itself.
			connection->Execute(
			    "INSERT INTO snapshot_layers (snapshot, position, layer) "
			    "WITH RECURSIVE chain(root, id, base) AS ("
			    " SELECT k.id, b.id, b.base FROM snapshots k JOIN snapshots b ON b.id = k.base"
			    " WHERE k.base = ANY($1::bigint[]) AND NOT (k.id = ANY($1::bigint[]))"
			    " UNION ALL SELECT c.root, s.id, s.base FROM snapshots s JOIN chain c ON s.id = c.base) "
			    "SELECT c.root, sl.position, sl.layer FROM chain c JOIN snapshot_layers sl ON sl.snapshot = c.id",
			    {expiring});
			connection->Execute("UPDATE snapshots SET base = NULL WHERE base = ANY($1::bigint[])", {expiring});
			// Lineage of kept snapshots that pointed at a deleted one ends there (parent NULL, read as 0).
			connection->Execute("UPDATE snapshots SET parent = NULL WHERE parent = ANY($1::bigint[])", {expiring});
			connection->Execute("DELETE FROM snapshot_layers WHERE snapshot = ANY($1::bigint[])", {expiring});
			connection->Execute("DELETE FROM snapshot_holds WHERE snapshot = ANY($1::bigint[])", {expiring});
			connection->Execute("DELETE FROM snapshots WHERE id = ANY($1::bigint[])", {expiring});
		}
		connection->Execute("DELETE FROM snapshot_holds WHERE database = $1::text AND expires_at <= $2::bigint",
		                    {database, now});
		transaction.Commit();
		return ids.size();
	});
}

std::vector<LayerRecord> PostgresMetadataStore::UnreferencedLayers() {
	return Run(true, [&]() {
		return ReadLayers(connection->Execute("SELECT id, object_key, size_bytes, inline_data IS NOT NULL FROM layers l "
		                                      "WHERE NOT EXISTS "
		                                      "(SELECT 1 FROM snapshot_layers sl WHERE sl.layer = l.id) ORDER BY id"));
	});
}

void PostgresMetadataStore::DeleteLayerRecords(const std::vector<int64_t> &layer_ids) {
	if (layer_ids.empty()) {
		return;
	}
	Run(true, [&]() {
		connection->Execute("DELETE FROM layers l WHERE l.id = ANY($1::bigint[]) AND NOT EXISTS "
		                    "(SELECT 1 FROM snapshot_layers sl WHERE sl.layer = l.id)",
		                    {PostgresParam::BigintArray(layer_ids)});
	});
}

std::string PostgresMetadataStore::ReadInlineLayer(const std::string &object_key) {
	auto hex = Run(true, [&]() {
		auto rows = connection->Execute(
		    "SELECT encode(inline_data, 'hex') FROM layers WHERE object_key = $1::text AND inline_data IS NOT NULL",
		    {object_key});
		if (rows.Rows() == 0) {
			throw duckdb::IOException("metadata store %s has no inlined layer \"%s\"", Describe(), object_key);
		}
		return rows.Text(0, 0);
	});
	return HexDecode(hex);
}

bool PostgresMetadataStore::IsLayerRecorded(const std::string &object_key) {
	return Run(true, [&]() {
		return connection->Execute("SELECT 1 FROM layers WHERE object_key = $1::text", {object_key}).Rows() > 0;
	});
}

int64_t PostgresMetadataStore::CurrentFencingToken(const std::string &database) {
	return Run(true, [&]() {
		auto rows =
		    connection->Execute("SELECT fencing_token FROM writer_leases WHERE database = $1::text", {database});
		return rows.Rows() > 0 ? rows.Integer(0, 0) : int64_t(0);
	});
}

std::string PostgresMetadataStore::Describe() const {
	auto description = "PostgreSQL metadata at " + connection->Location();
	return connection->User().empty() ? description : description + " (user " + connection->User() + ")";
}

} // namespace openduck
