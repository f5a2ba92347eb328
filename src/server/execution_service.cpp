#include "server/execution_service.hpp"

#include "duckdb/common/types/column/column_data_collection.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/main/materialized_query_result.hpp"
#include "duckdb/main/prepared_statement.hpp"
#include "protocol/protocol_constants.hpp"
#include "protocol/status_mapping.hpp"
#include "server/query_log.hpp"
#include "server/result_encoder.hpp"

#include <cstdio>
#include <random>

namespace openduck {

//! A statement that was never streamed is dropped after this long.
static constexpr auto PENDING_RESULT_TTL = std::chrono::seconds(60);

//! 128 bits from the system's secure random source: a query id must not be guessable by another
//! client.
static std::string NewQueryId() {
	std::random_device source;
	char id[33];
	for (int i = 0; i < 4; i++) {
		std::snprintf(id + 8 * i, 9, "%08x", static_cast<unsigned>(source()));
	}
	return std::string(id, 32);
}

static grpc::Status ErrorStatus(grpc::ServerContext &context, const duckdb::ErrorData &error) {
	context.AddTrailingMetadata(ERROR_TYPE_METADATA_KEY, duckdb::Exception::ExceptionTypeToString(error.Type()));
	return grpc::Status(StatusCodeForException(error.Type()), error.RawMessage());
}

ExecutionService::ExecutionService(DatabaseStore &store_p, const TokenAuthenticator &auth_p,
                                   uint64_t max_message_bytes_p)
    : store(store_p), auth(auth_p), max_message_bytes(max_message_bytes_p) {
}

ExecutionService::~ExecutionService() = default;

void ExecutionService::InterruptAll() {
	cancellation_watcher.InterruptAll();
	std::lock_guard<std::mutex> guard(lock);
	pending.clear();
}

grpc::Status ExecutionService::CheckCall(const grpc::ServerContext &context) const {
	if (!auth.IsAuthorized(context)) {
		return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
		                    "authentication failed: missing or wrong token (send \"authorization: Bearer <token>\")");
	}
	return grpc::Status::OK;
}

void ExecutionService::DropExpiredPending() {
	auto now = std::chrono::steady_clock::now();
	for (auto entry = pending.begin(); entry != pending.end();) {
		if (now - entry->second->started > PENDING_RESULT_TTL) {
			entry = pending.erase(entry);
		} else {
			++entry;
		}
	}
}

std::unique_ptr<ExecutionService::PendingResult> ExecutionService::TakePending(const std::string &query_id) {
	std::lock_guard<std::mutex> guard(lock);
	auto entry = pending.find(query_id);
	if (entry == pending.end()) {
		return nullptr;
	}
	auto result = std::move(entry->second);
	pending.erase(entry);
	return result;
}

void ExecutionService::RunStatements(PendingResult &entry, const v1::ExecuteQueryRequest &request) {
	auto &connection = *entry.connection;
	auto statements = connection.ExtractStatements(request.sql());
	if (statements.empty()) {
		throw duckdb::InvalidInputException("no SQL statement to execute");
	}
	if (request.describe_only()) {
		auto prepared = connection.Prepare(std::move(statements.back()));
		if (prepared->HasError()) {
			prepared->error.Throw();
		}
		// An empty result of the prepared types: the encoder then writes schema + end-of-stream.
		entry.result = duckdb::make_uniq<duckdb::MaterializedQueryResult>(
		    prepared->GetStatementType(), prepared->GetStatementProperties(), prepared->GetNames(),
		    duckdb::make_uniq<duckdb::ColumnDataCollection>(duckdb::Allocator::DefaultAllocator(), prepared->GetTypes()),
		    connection.context->GetClientProperties());
		return;
	}
	for (idx_t i = 0; i < statements.size(); i++) {
		bool last = i + 1 == statements.size();
		duckdb::unique_ptr<duckdb::QueryResult> result;
		if (request.read_only()) {
			auto prepared = connection.Prepare(std::move(statements[i]));
			if (prepared->HasError()) {
				prepared->error.Throw();
			}
			if (!prepared->GetStatementProperties().IsReadOnly()) {
				throw duckdb::PermissionException(
				    "database \"%s\" is attached READ_ONLY: this statement would modify it", request.database());
			}
			duckdb::vector<duckdb::Value> no_parameters;
			result = prepared->Execute(no_parameters, last);
		} else {
			auto output = last ? duckdb::QueryResultOutputType::ALLOW_STREAMING
			                   : duckdb::QueryResultOutputType::FORCE_MATERIALIZED;
			result = connection.SendQuery(std::move(statements[i]), output);
		}
		if (result->HasError()) {
			result->ThrowError();
		}
		if (last) {
			entry.result = std::move(result);
		}
	}
}

grpc::Status ExecutionService::ExecuteQuery(grpc::ServerContext *context, const v1::ExecuteQueryRequest *request,
                                            v1::ExecuteQueryResponse *response) {
	auto status = CheckCall(*context);
	if (!status.ok()) {
		return status;
	}
	if (request->protocol_version() != PROTOCOL_VERSION) {
		return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
		                    "protocol version mismatch: client speaks " +
		                        std::to_string(request->protocol_version()) + ", server speaks " +
		                        std::to_string(PROTOCOL_VERSION) + "; upgrade the older side");
	}
	auto started = std::chrono::steady_clock::now();
	std::shared_ptr<duckdb::DuckDB> instance;
	try {
		instance = store.OpenDatabase(request->database());
	} catch (std::exception &ex) {
		return ErrorStatus(*context, duckdb::ErrorData(ex));
	}
	if (!instance) {
		std::string served;
		for (auto &name : store.ListDatabases()) {
			served += (served.empty() ? "" : ", ") + name;
		}
		return grpc::Status(grpc::StatusCode::NOT_FOUND, "database \"" + request->database() +
		                                                     "\" does not exist on this server (serving: " +
		                                                     (served.empty() ? "none" : served) + ")");
	}
	auto entry = std::unique_ptr<PendingResult>(new PendingResult());
	entry->database = request->database();
	entry->instance = instance;
	entry->started = started;
	auto max_chunk_bytes = request->max_chunk_bytes() == 0 ? max_message_bytes
	                                                       : std::min(request->max_chunk_bytes(), max_message_bytes);
	entry->connection = duckdb::make_uniq<duckdb::Connection>(*instance);
	bool cancelled = false;
	try {
		CancellationWatcher::Guard watch(cancellation_watcher, *context, *entry->connection);
		RunStatements(*entry, *request);
		// Encode the first piece now: a small result then needs no second round trip.
		entry->encoder = duckdb::make_uniq<ResultEncoder>(*entry->connection->context, *entry->result, max_chunk_bytes);
		entry->encoder->Next(entry->first_piece);
		cancelled = watch.Cancelled();
	} catch (std::exception &ex) {
		duckdb::ErrorData error(ex);
		if (cancelled || context->IsCancelled()) {
			LogQuery(entry->database, started, 0, 0, "cancelled");
			return grpc::Status(grpc::StatusCode::CANCELLED, "query cancelled by the client");
		}
		LogQuery(entry->database, started, 0, 0, "error: " + duckdb::Exception::ExceptionTypeToString(error.Type()));
		return ErrorStatus(*context, error);
	}
	response->set_protocol_version(PROTOCOL_VERSION);
	for (idx_t i = 0; i < entry->result->names.size(); i++) {
		response->add_column_names(entry->result->names[i]);
		response->add_column_types(entry->result->types[i].ToString());
	}
	if (entry->encoder->Finished()) {
		auto &piece = entry->first_piece;
		LogQuery(entry->database, started, piece.rows, piece.bytes.size(), "ok");
		response->set_complete(true);
		response->mutable_result()->set_row_count(piece.rows);
		response->mutable_result()->mutable_arrow_ipc()->swap(piece.bytes);
		return grpc::Status::OK;
	}
	auto query_id = NewQueryId();
	response->set_query_id(query_id);
	std::lock_guard<std::mutex> guard(lock);
	DropExpiredPending();
	pending.emplace(query_id, std::move(entry));
	return grpc::Status::OK;
}

grpc::Status ExecutionService::StreamResults(grpc::ServerContext *context, const v1::StreamResultsRequest *request,
                                             grpc::ServerWriter<v1::ResultChunk> *writer) {
	auto status = CheckCall(*context);
	if (!status.ok()) {
		return status;
	}
	auto entry = TakePending(request->query_id());
	if (!entry) {
		return grpc::Status(grpc::StatusCode::NOT_FOUND,
		                    "unknown or expired query id \"" + request->query_id() + "\" (results must be streamed "
		                                                                              "within 60 s, once)");
	}
	uint64_t rows = 0;
	uint64_t bytes = 0;
	grpc::Status outcome = grpc::Status::OK;
	std::string log_status = "ok";
	CancellationWatcher::Guard watch(cancellation_watcher, *context, *entry->connection);
	try {
		v1::ResultChunk chunk;
		auto &piece = entry->first_piece;
		bool more = true;
		while (more) {
			rows += piece.rows;
			bytes += piece.bytes.size();
			chunk.set_row_count(piece.rows);
			// Swap rather than copy, and take the buffer back so its capacity is reused for the next
			// piece: fresh multi-megabyte buffers cost page faults on every batch.
			chunk.mutable_arrow_ipc()->swap(piece.bytes);
			bool written = writer->Write(chunk);
			chunk.mutable_arrow_ipc()->swap(piece.bytes);
			if (!written || watch.Cancelled()) {
				outcome = grpc::Status(grpc::StatusCode::CANCELLED, "query cancelled by the client");
				log_status = "cancelled";
				break;
			}
			more = entry->encoder->Next(piece);
		}
	} catch (std::exception &ex) {
		duckdb::ErrorData error(ex);
		if (watch.Cancelled() || context->IsCancelled()) {
			outcome = grpc::Status(grpc::StatusCode::CANCELLED, "query cancelled by the client");
			log_status = "cancelled";
		} else {
			outcome = ErrorStatus(*context, error);
			log_status = "error: " + duckdb::Exception::ExceptionTypeToString(error.Type());
		}
	}
	LogQuery(entry->database, entry->started, rows, bytes, log_status);
	return outcome;
}

} // namespace openduck
