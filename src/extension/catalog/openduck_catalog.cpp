#include "catalog/openduck_catalog.hpp"

#include "catalog/openduck_transaction.hpp"
#include "catalog/remote_catalog_snapshot.hpp"
#include "catalog/remote_ddl.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/catalog/entry_lookup_info.hpp"
#include "duckdb/main/attached_database.hpp"
#include "duckdb/parser/constraints/not_null_constraint.hpp"
#include "duckdb/parser/expression/cast_expression.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/constraints/unique_constraint.hpp"
#include "duckdb/parser/parsed_data/create_schema_info.hpp"
#include "duckdb/parser/parsed_data/create_table_info.hpp"
#include "duckdb/parser/parsed_data/create_view_info.hpp"
#include "duckdb/storage/database_size.hpp"
#include "common/sql_quoting.hpp"
#include "scan/remote_result_reader.hpp"

namespace openduck {

using namespace duckdb; // NOLINT

//! One round trip for the whole catalog: a row per schema, then a row per column.
static constexpr const char *CATALOG_QUERY = R"(
SELECT schema_name, NULL::VARCHAR AS table_name, NULL::BOOLEAN AS is_view, NULL::BIGINT AS estimated_size,
       NULL::VARCHAR AS column_name, NULL::VARCHAR AS data_type, NULL::BOOLEAN AS is_nullable,
       NULL::BIGINT AS column_index, NULL::VARCHAR[] AS key_columns, NULL::VARCHAR AS table_comment,
       NULL::VARCHAR AS column_comment, NULL::VARCHAR AS column_default
FROM duckdb_schemas() WHERE database_name = current_database()
UNION ALL
SELECT c.schema_name, c.table_name, t.table_name IS NULL, t.estimated_size, c.column_name, c.data_type,
       c.is_nullable, c.column_index, NULL, coalesce(t.comment, v.comment), c.comment, c.column_default
FROM duckdb_columns() c
LEFT JOIN duckdb_tables() t
  ON t.database_name = c.database_name AND t.schema_name = c.schema_name AND t.table_name = c.table_name
LEFT JOIN duckdb_views() v
  ON v.database_name = c.database_name AND v.schema_name = c.schema_name AND v.view_name = c.table_name
WHERE c.database_name = current_database()
UNION ALL
SELECT schema_name, table_name, false, NULL, NULL, constraint_type, NULL, 1000000000 + constraint_index,
       constraint_column_names, NULL, NULL, NULL
FROM duckdb_constraints()
WHERE database_name = current_database() AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')
ORDER BY 1, 2 NULLS FIRST, 8
)";

OpenDuckCatalog::OpenDuckCatalog(AttachedDatabase &db, AttachSettings settings_p, std::shared_ptr<RemoteClient> client_p)
    : Catalog(db), settings(std::move(settings_p)), client(std::move(client_p)) {
}

OpenDuckCatalog::~OpenDuckCatalog() = default;

void OpenDuckCatalog::Initialize(bool load_builtin) {
}

std::unique_ptr<RemoteResult> OpenDuckCatalog::Execute(ClientContext &context, const std::string &sql,
                                                       ExecuteOptions options) {
	if (options.snapshot.empty()) {
		// A past snapshot is read outside the transaction: the session reads the current state.
		options.session_id = OpenDuckTransaction::Get(context, *this).SessionId(context);
	}
	return client->Execute(settings.database, sql, settings.read_only, options,
	                       [&context]() { return context.interrupted.load(); });
}

void OpenDuckCatalog::ExecuteDDL(ClientContext &context, const std::string &sql) {
	RemoteResultReader reader(context, Execute(context, sql));
	DataChunk chunk;
	chunk.Initialize(Allocator::DefaultAllocator(), reader.Types());
	do {
		reader.Fill(chunk);
	} while (chunk.size() > 0);
	InvalidateSnapshots(context);
}

std::unique_ptr<RemoteResult> OpenDuckCatalog::Describe(ClientContext &context, const std::string &sql,
                                                        const std::string &snapshot) {
	ExecuteOptions options;
	options.snapshot = snapshot;
	if (snapshot.empty()) {
		options.session_id = OpenDuckTransaction::Get(context, *this).SessionId(context);
	}
	return client->Describe(settings.database, sql, options, [&context]() { return context.interrupted.load(); });
}

//! Result shapes of the same SQL differ between snapshots.
static std::string ResultShapeKey(const std::string &sql, const std::string &snapshot) {
	return snapshot.empty() ? sql : "AT " + snapshot + "\n" + sql;
}

bool OpenDuckCatalog::LookupResultShape(const std::string &sql, const std::string &snapshot, ResultShape &shape) {
	std::lock_guard<std::mutex> guard(result_shapes_lock);
	auto entry = result_shapes.find(ResultShapeKey(sql, snapshot));
	if (entry == result_shapes.end()) {
		return false;
	}
	shape = entry->second;
	return true;
}

void OpenDuckCatalog::RememberResultShape(const std::string &sql, const std::string &snapshot, ResultShape shape) {
	// Bounded without bookkeeping: a full cache starts over.
	constexpr size_t MAX_RESULT_SHAPES = 256;
	std::lock_guard<std::mutex> guard(result_shapes_lock);
	if (result_shapes.size() >= MAX_RESULT_SHAPES) {
		result_shapes.clear();
	}
	result_shapes[ResultShapeKey(sql, snapshot)] = std::move(shape);
}

void OpenDuckCatalog::ForgetResultShapes() {
	std::lock_guard<std::mutex> guard(result_shapes_lock);
	result_shapes.clear();
}

//! Types come as DuckDB type strings; a user-defined type name the client does not know is
//! resolved from the Arrow schema of an empty scan of the table instead.
static bool TryParseRemoteType(ClientContext &context, const std::string &text, LogicalType &result) {
	try {
		result = TransformStringToLogicalType(text, context);
		return result.id() != LogicalTypeId::UNBOUND &&
		       result.id() != LogicalTypeId::INVALID;
	} catch (std::exception &) {
		return false;
	}
}

RemoteCatalogRows OpenDuckCatalog::ReadCatalogRows(ClientContext &context, const std::string &snapshot) {
	ExecuteOptions options;
	options.snapshot = snapshot;
	RemoteResultReader reader(context, Execute(context, CATALOG_QUERY, options));
	RemoteCatalogRows rows;
	DataChunk chunk;
	chunk.Initialize(Allocator::DefaultAllocator(), reader.Types());
	while (true) {
		reader.Fill(chunk);
		if (chunk.size() == 0) {
			break;
		}
		rows.Append(chunk);
	}
	return rows;
}

std::shared_ptr<RemoteCatalogSnapshot> OpenDuckCatalog::LoadSnapshot(ClientContext &context) {
	auto rows = ReadCatalogRows(context, std::string());
	{
		std::lock_guard<std::mutex> guard(snapshots_lock);
		if (latest_snapshot && latest_snapshot->fingerprint == rows.Fingerprint()) {
			latest_snapshot->UpdateEstimates(rows);
			return latest_snapshot;
		}
	}
	auto snapshot = BuildSnapshot(context, rows, std::string());
	ForgetResultShapes();
	std::lock_guard<std::mutex> guard(snapshots_lock);
	if (latest_snapshot && latest_snapshot->fingerprint == snapshot->fingerprint) {
		// Another transaction built the same catalog meanwhile: share its entries.
		return latest_snapshot;
	}
	// Plans bound in one transaction may run in a later one (prepared statements, Python relations),
	// so a replaced snapshot lives as long as the attach. Only schema changes create new ones.
	if (latest_snapshot) {
		retired_snapshots.push_back(std::move(latest_snapshot));
	}
	latest_snapshot = snapshot;
	snapshot_version++;
	return snapshot;
}

//! Every table's row estimate from a CheckCatalog answer.
static RemoteCatalogRows EstimatesOf(const v1::CheckCatalogResponse &check) {
	RemoteCatalogRows estimates;
	for (auto &table : check.tables()) {
		estimates.AddEstimate(table.schema_name(), table.table_name(),
		                      table.has_estimated_rows() ? table.estimated_rows() : 0);
	}
	return estimates;
}

std::shared_ptr<RemoteCatalogSnapshot> OpenDuckCatalog::CurrentSnapshot(ClientContext &context,
                                                                        OptimisticCatalog *optimistic) {
	if (optimistic && !catalog_version_unsupported) {
		std::shared_ptr<RemoteCatalogSnapshot> held;
		{
			std::lock_guard<std::mutex> guard(snapshots_lock);
			held = latest_snapshot;
			optimistic->version = latest_snapshot_remote_version;
		}
		if (held && !optimistic->version.empty()) {
			// The round trip runs while the statement binds; ConfirmOptimisticSnapshot takes its answer.
			optimistic->check = client->StartCheckCatalog(settings.database, ExecuteOptions(),
			                                              [&context]() { return context.interrupted.load(); });
			return held;
		}
	}
	// The cheap check first: the server's catalog version, and every table's row estimate (they
	// change with writes that leave the catalog alone).
	std::string remote_version;
	RemoteCatalogRows estimates;
	if (!catalog_version_unsupported) {
		ExecuteOptions options;
		options.session_id = OpenDuckTransaction::Get(context, *this).SessionId(context);
		v1::CheckCatalogResponse check;
		if (client->CheckCatalog(settings.database, options, check,
		                         [&context]() { return context.interrupted.load(); })) {
			remote_version = check.catalog_version();
			estimates = EstimatesOf(check);
		} else {
			catalog_version_unsupported = true;
		}
	}
	if (!remote_version.empty()) {
		std::lock_guard<std::mutex> guard(snapshots_lock);
		if (latest_snapshot && latest_snapshot_remote_version == remote_version) {
			latest_snapshot->UpdateEstimates(estimates);
			return latest_snapshot;
		}
	}
	auto snapshot = LoadSnapshot(context);
	std::lock_guard<std::mutex> guard(snapshots_lock);
	if (snapshot == latest_snapshot) {
		// Read before the catalog: a change in between only makes the next transaction read again.
		latest_snapshot_remote_version = remote_version;
	}
	return snapshot;
}

OpenDuckCatalog::Confirmation OpenDuckCatalog::ConfirmOptimisticSnapshot(ClientContext &context,
                                                                         OptimisticCatalog &optimistic,
                                                                         RemoteCatalogSnapshot &snapshot) {
	v1::CheckCatalogResponse check;
	auto supported = optimistic.check->Wait(check, [&context]() { return context.interrupted.load(); });
	optimistic.check.reset();
	if (!supported) {
		catalog_version_unsupported = true;
		ForgetCatalogVersion();
		return Confirmation::CHANGED;
	}
	if (check.catalog_version() != optimistic.version) {
		ForgetCatalogVersion();
		return Confirmation::CHANGED;
	}
	return snapshot.UpdateEstimates(EstimatesOf(check)) ? Confirmation::ESTIMATES_MOVED : Confirmation::CONFIRMED;
}

//! A column default the client may show and use: a literal (possibly cast). Others (nextval,
//! functions) stay the server's alone: binding them here could fail or answer differently.
static unique_ptr<ParsedExpression> LiteralDefault(const std::string &text) {
	if (text.empty()) {
		return nullptr;
	}
	vector<unique_ptr<ParsedExpression>> parsed;
	try {
		parsed = Parser::ParseExpressionList(text);
	} catch (std::exception &) {
		return nullptr;
	}
	if (parsed.size() != 1) {
		return nullptr;
	}
	auto *expression = parsed[0].get();
	while (expression->GetExpressionClass() == ExpressionClass::CAST) {
		expression = expression->Cast<CastExpression>().child.get();
	}
	if (expression->GetExpressionClass() != ExpressionClass::CONSTANT) {
		return nullptr;
	}
	return std::move(parsed[0]);
}

std::shared_ptr<RemoteCatalogSnapshot> OpenDuckCatalog::BuildSnapshot(ClientContext &context,
                                                                      const RemoteCatalogRows &rows,
                                                                      const std::string &remote_snapshot) {
	auto snapshot = std::make_shared<RemoteCatalogSnapshot>();
	snapshot->fingerprint = rows.Fingerprint();
	struct PendingTable {
		std::string schema;
		unique_ptr<CreateTableInfo> info;
		bool is_view = false;
		idx_t estimated_rows = 0;
		bool needs_type_probe = false;
	};
	vector<PendingTable> pending;
	for (auto &row : rows.Rows()) {
		auto &schema_name = row.schema_name;
		if (row.table_name.empty()) {
			CreateSchemaInfo schema_info;
			schema_info.schema = schema_name;
			schema_info.internal = false;
			snapshot->schemas[schema_name] = make_uniq<OpenDuckSchemaEntry>(*this, schema_info);
			continue;
		}
		if (pending.empty() || pending.back().schema != schema_name || pending.back().info->table != row.table_name) {
			PendingTable table;
			table.schema = schema_name;
			table.info = make_uniq<CreateTableInfo>(GetName(), schema_name, row.table_name);
			table.is_view = row.is_view;
			table.estimated_rows = row.estimated_rows;
			pending.push_back(std::move(table));
		}
		auto &table = pending.back();
		if (row.column_name.empty()) {
			// A key after the table's columns: the binder checks ON CONFLICT targets against these.
			table.info->constraints.push_back(
			    make_uniq<UniqueConstraint>(row.key_columns, row.data_type == "PRIMARY KEY"));
			continue;
		}
		LogicalType type;
		if (!TryParseRemoteType(context, row.data_type, type)) {
			type = LogicalType::VARCHAR;
			table.needs_type_probe = true;
		}
		auto column_index = table.info->columns.LogicalColumnCount();
		ColumnDefinition column(row.column_name, type);
		if (auto default_value = LiteralDefault(row.column_default)) {
			column.SetDefaultValue(std::move(default_value));
		}
		if (!row.column_comment.empty()) {
			column.SetComment(Value(row.column_comment));
		}
		if (!row.table_comment.empty()) {
			table.info->comment = Value(row.table_comment);
		}
		table.info->columns.AddColumn(std::move(column));
		if (!row.is_nullable) {
			table.info->constraints.push_back(make_uniq<NotNullConstraint>(LogicalIndex(column_index)));
		}
	}
	std::vector<std::pair<std::string, std::string>> views;
	for (auto &table : pending) {
		if (table.is_view) {
			views.emplace_back(table.schema, table.info->table);
		}
	}
	auto described_views = DescribeViews(context, views, remote_snapshot);
	ViewColumnsBySQL view_columns_built;
	idx_t view_index = 0;
	for (auto &table : pending) {
		if (table.needs_type_probe) {
			ExecuteOptions options;
			options.snapshot = remote_snapshot;
			RemoteResultReader probe(context, Execute(context,
			                                          "SELECT * FROM " + QuoteIdentifier(table.schema) + "." +
			                                              QuoteIdentifier(table.info->table) + " LIMIT 0",
			                                          options));
			ColumnList columns;
			for (idx_t i = 0; i < probe.Types().size(); i++) {
				columns.AddColumn(ColumnDefinition(probe.Names()[i], probe.Types()[i]));
			}
			table.info->columns = std::move(columns);
		}
		auto schema = snapshot->schemas.find(table.schema);
		if (schema == snapshot->schemas.end()) {
			continue;
		}
		auto &schema_entry = *schema->second;
		if (table.is_view) {
			schema_entry.AddView(BuildRemoteView(schema_entry, *table.info, remote_snapshot,
			                                     described_views[view_index++], view_columns_built));
			continue;
		}
		schema_entry.AddTable(
		    make_uniq<OpenDuckTableEntry>(*this, schema_entry, *table.info, table.estimated_rows, remote_snapshot));
	}
	std::lock_guard<std::mutex> guard(view_columns_lock);
	view_columns[remote_snapshot] = std::move(view_columns_built);
	return snapshot;
}

void OpenDuckCatalog::InvalidateSnapshots(ClientContext &context) {
	OpenDuckTransaction::Get(context, *this).InvalidateSnapshot();
	ForgetResultShapes();
	ForgetCatalogVersion();
}

void OpenDuckCatalog::ForgetCatalogVersion() {
	std::lock_guard<std::mutex> guard(snapshots_lock);
	latest_snapshot_remote_version.clear();
}

RemoteCatalogSnapshot &OpenDuckCatalog::SnapshotFor(CatalogTransaction transaction) {
	if (transaction.transaction) {
		return transaction.transaction->Cast<OpenDuckTransaction>().Snapshot();
	}
	if (!transaction.HasContext()) {
		throw InternalException("OpenDuck: remote catalog lookup without a client context");
	}
	// System-level lookups still belong to the client's current transaction on this database.
	return OpenDuckTransaction::Get(transaction.GetContext(), *this).Snapshot();
}

optional_idx OpenDuckCatalog::GetCatalogVersion(ClientContext &context) {
	// Asked while binding and when a prepared statement runs. The transaction's catalog is brought up
	// to date first (confirmed later by the statement's hooks when it binds early), so a change another
	// client made on the server makes the statement bind again.
	OpenDuckTransaction::Get(context, *this).Snapshot();
	return optional_idx(snapshot_version.load());
}

optional_ptr<CatalogEntry> OpenDuckCatalog::CreateSchema(CatalogTransaction transaction, CreateSchemaInfo &info) {
	ExecuteDDL(transaction.GetContext(), CreateSchemaSQL(info));
	return nullptr;
}

void OpenDuckCatalog::ScanSchemas(ClientContext &context, std::function<void(SchemaCatalogEntry &)> callback) {
	auto &snapshot = OpenDuckTransaction::Get(context, *this).Snapshot();
	for (auto &schema : snapshot.schemas) {
		callback(*schema.second);
	}
}

optional_ptr<SchemaCatalogEntry> OpenDuckCatalog::LookupSchema(CatalogTransaction transaction,
                                                               const EntryLookupInfo &schema_lookup,
                                                               OnEntryNotFound if_not_found) {
	auto at = schema_lookup.GetAtClause();
	if (at && !transaction.HasContext()) {
		throw InternalException("OpenDuck: time-travel lookup without a client context");
	}
	auto &snapshot = at ? PastSnapshot(transaction.GetContext(), *at) : SnapshotFor(transaction);
	auto entry = snapshot.schemas.find(schema_lookup.GetEntryName());
	if (entry == snapshot.schemas.end()) {
		if (if_not_found == OnEntryNotFound::THROW_EXCEPTION) {
			throw CatalogException(schema_lookup.GetErrorContext(), "Schema with name \"%s\" does not exist in remote "
			                                                        "database \"%s\"",
			                       schema_lookup.GetEntryName(), GetName());
		}
		return nullptr;
	}
	return entry->second.get();
}

DatabaseSize OpenDuckCatalog::GetDatabaseSize(ClientContext &context) {
	return DatabaseSize();
}

std::string OpenDuckCatalog::GetDBPath() {
	// Never the token; the snapshot tells which past state this attach reads.
	return "openduck:" + settings.database + (settings.snapshot.empty() ? "" : "?snapshot=" + settings.snapshot);
}

void OpenDuckCatalog::DropSchema(ClientContext &context, DropInfo &info) {
	ExecuteDDL(context, DropSQL(info));
}

} // namespace openduck
