#include "server/execution_service.hpp"

#include "duckdb/common/types/column/column_data_collection.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/main/materialized_query_result.hpp"
#include "duckdb/main/prepared_statement.hpp"
#include "protocol/protocol_constants.hpp"
#include "protocol/status_mapping.hpp"
#include "server/catalog_check.hpp"
#include "server/query_log.hpp"
#include "server/snapshot_functions.hpp"
#include "server/upload_function.hpp"
#include "server/upload_source.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

namespace openduck {

//! A result is dropped when no stream of it has been open for this long.
static constexpr auto PENDING_RESULT_TTL = std::chrono::seconds(60);
//! How often abandoned results are looked for.
static constexpr auto REAPER_INTERVAL = std::chrono::seconds(1);
//! How often an idle OpenSession call checks whether its client is gone.
static constexpr auto SESSION_POLL_INTERVAL = std::chrono::milliseconds(50);
//! Streams beyond the cores of either side only add overhead.
static constexpr uint32_t MAX_STREAMS_PER_QUERY = 8;

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

static grpc::Status CancelledStatus() {
	return grpc::Status(grpc::StatusCode::CANCELLED, "query cancelled by the client");
}

ExecutionService::ExecutionService(DatabaseStore &store_p, const TokenAuthenticator &auth_p,
                                   uint64_t max_message_bytes_p)
    : store(store_p), auth(auth_p), max_message_bytes(max_message_bytes_p) {
	max_streams_per_query =
	    std::max<uint32_t>(2, std::min<uint32_t>(MAX_STREAMS_PER_QUERY, std::thread::hardware_concurrency()));
	reaper = std::thread([this]() { ReaperLoop(); });
}

ExecutionService::~ExecutionService() {
	{
		std::lock_guard<std::mutex> guard(lock);
		stopping = true;
	}
	reaper_wake.notify_all();
	reaper.join();
}

void ExecutionService::InterruptAll() {
	{
		std::lock_guard<std::mutex> guard(lock);
		sessions_stopping = true;
		// An upload may wait for client bytes, which no DuckDB interrupt reaches.
		for (auto call : running_uploads) {
			call->TryCancel();
		}
	}
	session_wake.notify_all();
	cancellation_watcher.InterruptAll();
	std::unordered_map<std::string, std::shared_ptr<StreamedQuery>> dropped;
	{
		std::lock_guard<std::mutex> guard(lock);
		dropped.swap(pending);
	}
	for (auto &entry : dropped) {
		entry.second->Cancel();
	}
}

grpc::Status ExecutionService::CheckCall(const grpc::ServerContext &context, bool *read_only) const {
	auto access = auth.Check(context);
	if (access == TokenAccess::DENIED) {
		return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
		                    "authentication failed: missing or wrong token (send \"authorization: Bearer <token>\")");
	}
	if (read_only) {
		*read_only = access == TokenAccess::READ_ONLY;
	}
	return grpc::Status::OK;
}

void ExecutionService::ReaperLoop() {
	std::unique_lock<std::mutex> guard(lock);
	while (!stopping) {
		reaper_wake.wait_for(guard, REAPER_INTERVAL);
		if (stopping) {
			break;
		}
		guard.unlock();
		DropExpired();
		guard.lock();
	}
}

void ExecutionService::DropExpired() {
	std::vector<std::shared_ptr<StreamedQuery>> expired;
	auto now = std::chrono::steady_clock::now();
	{
		std::lock_guard<std::mutex> guard(lock);
		for (auto entry = pending.begin(); entry != pending.end();) {
			if (entry->second->Expired(now, PENDING_RESULT_TTL)) {
				expired.push_back(std::move(entry->second));
				entry = pending.erase(entry);
			} else {
				++entry;
			}
		}
	}
	// Destroyed outside the lock: dropping a DuckDB result may take a moment.
	expired.clear();
}

std::shared_ptr<StreamedQuery> ExecutionService::FindPending(const std::string &query_id) {
	std::lock_guard<std::mutex> guard(lock);
	auto entry = pending.find(query_id);
	if (entry == pending.end()) {
		return nullptr;
	}
	return entry->second;
}

duckdb::unique_ptr<duckdb::QueryResult> ExecutionService::RunStatements(duckdb::Connection &connection,
                                                                        const v1::ExecuteQueryRequest &request,
                                                                        const RunOptions &options) {
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
		return duckdb::make_uniq<duckdb::MaterializedQueryResult>(
		    prepared->GetStatementType(), prepared->GetStatementProperties(), prepared->GetNames(),
		    duckdb::make_uniq<duckdb::ColumnDataCollection>(duckdb::Allocator::DefaultAllocator(),
		                                                    prepared->GetTypes()),
		    connection.context->GetClientProperties());
	}
	duckdb::unique_ptr<duckdb::QueryResult> last_result;
	for (idx_t i = 0; i < statements.size(); i++) {
		bool last = i + 1 == statements.size();
		bool stream = last && !options.materialize;
		duckdb::unique_ptr<duckdb::QueryResult> result;
		if (options.read_only || !options.write_refusal.empty()) {
			auto prepared = connection.Prepare(std::move(statements[i]));
			if (prepared->HasError()) {
				prepared->error.Throw();
			}
			if (!prepared->GetStatementProperties().IsReadOnly()) {
				if (!options.read_only) {
					throw duckdb::IOException(options.write_refusal);
				}
				throw duckdb::PermissionException(
				    "database \"%s\" is read-only for this client (attached READ_ONLY, or a read-only token): this "
				    "statement would modify it",
				    request.database());
			}
			duckdb::vector<duckdb::Value> no_parameters;
			result = prepared->Execute(no_parameters, stream);
		} else {
			auto output = stream ? duckdb::QueryResultOutputType::ALLOW_STREAMING
			                     : duckdb::QueryResultOutputType::FORCE_MATERIALIZED;
			result = connection.SendQuery(std::move(statements[i]), output);
		}
		if (result->HasError()) {
			result->ThrowError();
		}
		if (last) {
			last_result = std::move(result);
		}
	}
	return last_result;
}

grpc::Status ExecutionService::CheckProtocolVersion(uint32_t client_version) {
	if (client_version != PROTOCOL_VERSION) {
		return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
		                    "protocol version mismatch: client speaks " + std::to_string(client_version) +
		                        ", server speaks " + std::to_string(PROTOCOL_VERSION) + "; upgrade the older side");
	}
	return grpc::Status::OK;
}

std::shared_ptr<duckdb::DuckDB> ExecutionService::OpenInstance(grpc::ServerContext &context, const std::string &name,
                                                               const std::string &snapshot, grpc::Status &status) {
	std::shared_ptr<duckdb::DuckDB> instance;
	try {
		instance =
		    snapshot.empty() ? store.OpenDatabase(name) : store.OpenSnapshot(name, SnapshotSelector::Parse(snapshot));
	} catch (std::exception &ex) {
		status = ErrorStatus(context, duckdb::ErrorData(ex));
		return nullptr;
	}
	if (!instance) {
		std::string served;
		for (auto &database : store.ListDatabases()) {
			served += (served.empty() ? "" : ", ") + database;
		}
		status = grpc::Status(grpc::StatusCode::NOT_FOUND, "database \"" + name +
		                                                       "\" does not exist on this server (serving: " +
		                                                       (served.empty() ? "none" : served) + ")");
		return nullptr;
	}
	std::lock_guard<std::mutex> guard(lock);
	bool registered = false;
	for (auto entry = registered_instances.begin(); entry != registered_instances.end();) {
		auto known = entry->lock();
		if (!known) {
			entry = registered_instances.erase(entry);
			continue;
		}
		registered = registered || known == instance;
		++entry;
	}
	if (!registered) {
		try {
			RegisterUploadFunction(*instance->instance);
			RegisterSnapshotFunctions(*instance->instance, store, name);
		} catch (std::exception &ex) {
			duckdb::ErrorData error(ex);
			status = grpc::Status(grpc::StatusCode::INTERNAL, "cannot register OpenDuck's server functions in database \"" +
			                                                      name + "\": " + error.RawMessage());
			return nullptr;
		}
		registered_instances.push_back(instance);
	}
	status = grpc::Status::OK;
	return instance;
}

//! A session that is gone took its transaction with it: the error type tells a DuckDB client to
//! raise a TransactionException, not the CatalogException NOT_FOUND alone would map to.
static grpc::Status SessionLostStatus(grpc::ServerContext &context, const std::string &message) {
	context.AddTrailingMetadata(ERROR_TYPE_METADATA_KEY,
	                            duckdb::Exception::ExceptionTypeToString(duckdb::ExceptionType::TRANSACTION));
	return grpc::Status(grpc::StatusCode::NOT_FOUND, message);
}

std::shared_ptr<Session> ExecutionService::FindSession(grpc::ServerContext &context,
                                                       const v1::ExecuteQueryRequest &request, grpc::Status &status) {
	auto session = sessions.Find(request.session_id());
	if (!session) {
		status = SessionLostStatus(
		    context, "unknown session id: the session ended (its OpenSession call is over) or never existed");
		return nullptr;
	}
	if (!request.database().empty() && request.database() != session->database) {
		status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
		                      "the session was opened on database \"" + session->database +
		                          "\", the request names database \"" + request.database() + "\"");
		return nullptr;
	}
	status = grpc::Status::OK;
	return session;
}

static grpc::Status SessionEndedStatus(grpc::ServerContext &context) {
	if (context.IsCancelled()) {
		return CancelledStatus();
	}
	return SessionLostStatus(context, "unknown session id: the session ended (its OpenSession call is over) while "
	                                  "this call waited for its turn");
}

grpc::Status ExecutionService::Run(grpc::ServerContext &context, const v1::ExecuteQueryRequest &request,
                                   std::shared_ptr<duckdb::DuckDB> instance,
                                   std::shared_ptr<duckdb::Connection> connection, const RunOptions &options,
                                   std::chrono::steady_clock::time_point started, v1::ExecuteQueryResponse &response) {
	auto max_chunk_bytes =
	    request.max_chunk_bytes() == 0 ? max_message_bytes : std::min(request.max_chunk_bytes(), max_message_bytes);
	auto query = std::make_shared<StreamedQuery>(request.database(), std::move(instance), connection, started);
	if (!request.progress_id().empty()) {
		query->TrackProgress(progress, request.progress_id());
	}
	auto log_fields = [&]() {
		return options.log_fields ? options.log_fields() : std::string();
	};
	{
		CancellationWatcher::Guard watch(cancellation_watcher, context, *connection);
		try {
			query->Start(RunStatements(*connection, request, options), max_chunk_bytes, request.arrow_format_version());
			// Encode the first piece now: a small result then needs no second round trip.
			query->EncodeFirstPiece();
		} catch (std::exception &ex) {
			duckdb::ErrorData error(ex);
			if (options.in_session) {
				query->DetachFromConnection();
			}
			if (watch.Cancelled() || context.IsCancelled()) {
				LogQuery(query->Database(), started, 0, 0, 0, "cancelled", log_fields());
				return CancelledStatus();
			}
			LogQuery(query->Database(), started, 0, 0, 0,
			         "error: " + duckdb::Exception::ExceptionTypeToString(error.Type()), log_fields());
			return ErrorStatus(context, error);
		}
	}
	if (options.in_session) {
		query->DetachFromConnection();
	}
	query->SetLogFields(log_fields());
	response.set_protocol_version(PROTOCOL_VERSION);
	auto &format = query->Format();
	for (idx_t i = 0; i < format.names.size(); i++) {
		response.add_column_names(format.names[i]);
		response.add_column_types(format.types[i].ToString());
	}
	if (query->FirstPieceIsEverything()) {
		auto &piece = query->FirstPiece();
		response.set_complete(true);
		response.set_stream_count(1);
		response.mutable_result()->set_row_count(piece.rows);
		query->FinishInline(piece.rows, piece.bytes.size());
		response.mutable_result()->mutable_arrow_ipc()->swap(piece.bytes);
		return grpc::Status::OK;
	}
	auto stream_count = std::min(std::max<uint32_t>(1, request.max_streams()), max_streams_per_query);
	query->SetStreamCount(stream_count);
	response.set_stream_count(stream_count);
	auto query_id = NewQueryId();
	response.set_query_id(query_id);
	std::lock_guard<std::mutex> guard(lock);
	pending.emplace(query_id, std::move(query));
	return grpc::Status::OK;
}

grpc::Status ExecutionService::ExecuteQuery(grpc::ServerContext *context, const v1::ExecuteQueryRequest *request,
                                            v1::ExecuteQueryResponse *response) {
	bool token_read_only = false;
	auto status = CheckCall(*context, &token_read_only);
	if (!status.ok()) {
		return status;
	}
	status = CheckProtocolVersion(request->protocol_version());
	if (!status.ok()) {
		return status;
	}
	auto started = std::chrono::steady_clock::now();
	RunOptions options;
	options.read_only = request->read_only() || token_read_only;
	return RunWhereRequested(*context, *request, options,
	                         [&](const v1::ExecuteQueryRequest &run_request, std::shared_ptr<duckdb::DuckDB> instance,
	                             std::shared_ptr<duckdb::Connection> connection) {
		                         return Run(*context, run_request, std::move(instance), std::move(connection), options,
		                                    started, *response);
	                         });
}

grpc::Status ExecutionService::CheckCatalog(grpc::ServerContext *context, const v1::CheckCatalogRequest *request,
                                            v1::CheckCatalogResponse *response) {
	auto status = CheckCall(*context);
	if (!status.ok()) {
		return status;
	}
	status = CheckProtocolVersion(request->protocol_version());
	if (!status.ok()) {
		return status;
	}
	v1::ExecuteQueryRequest target;
	target.set_database(request->database());
	target.set_session_id(request->session_id());
	target.set_snapshot(request->snapshot());
	RunOptions options;
	options.read_only = true;
	return RunWhereRequested(*context, target, options,
	                         [&](const v1::ExecuteQueryRequest &, std::shared_ptr<duckdb::DuckDB> instance,
	                             std::shared_ptr<duckdb::Connection> connection) {
		                         try {
			                         // Inside the session's transaction when there is one, else a fresh one.
			                         connection->context->RunFunctionInTransaction(
			                             [&]() { ReadCatalogCheck(*connection->context, *response); });
		                         } catch (std::exception &ex) {
			                         return ErrorStatus(*context, duckdb::ErrorData(ex));
		                         }
		                         return grpc::Status::OK;
	                         });
}

grpc::Status ExecutionService::RunWhereRequested(grpc::ServerContext &context, const v1::ExecuteQueryRequest &request,
                                                 RunOptions &options, const RunOn &run) {
	grpc::Status status;
	if (!request.session_id().empty()) {
		auto session = FindSession(context, request, status);
		if (!session) {
			return status;
		}
		SessionTurn turn(*session, context);
		if (!turn.Acquired()) {
			return SessionEndedStatus(context);
		}
		options.read_only = options.read_only || session->read_only;
		// The session's connection must be free again when the call answers.
		options.materialize = true;
		options.in_session = true;
		if (!options.read_only) {
			options.write_refusal = store.WriteRefusal(session->database);
		}
		v1::ExecuteQueryRequest in_session = request;
		in_session.set_database(session->database);
		return run(in_session, session->instance, session->connection);
	}
	auto instance = OpenInstance(context, request.database(), request.snapshot(), status);
	if (!instance) {
		return status;
	}
	if (!options.read_only && request.snapshot().empty()) {
		options.write_refusal = store.WriteRefusal(request.database());
	}
	auto connection = std::make_shared<duckdb::Connection>(*instance);
	return run(request, std::move(instance), std::move(connection));
}

grpc::Status ExecutionService::OpenSession(grpc::ServerContext *context, const v1::OpenSessionRequest *request,
                                           grpc::ServerWriter<v1::SessionEvent> *writer) {
	bool token_read_only = false;
	auto status = CheckCall(*context, &token_read_only);
	if (!status.ok()) {
		return status;
	}
	status = CheckProtocolVersion(request->protocol_version());
	if (!status.ok()) {
		return status;
	}
	auto instance = OpenInstance(*context, request->database(), request->snapshot(), status);
	if (!instance) {
		return status;
	}
	{
		std::lock_guard<std::mutex> guard(lock);
		if (sessions_stopping) {
			return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
		}
	}
	std::shared_ptr<Session> session;
	try {
		session = sessions.Create(request->database(), instance, request->read_only() || token_read_only);
	} catch (std::exception &ex) {
		return ErrorStatus(*context, duckdb::ErrorData(ex));
	}
	auto label = "session " + std::to_string(session->number);
	LogEvent(label + " opened database=" + request->database() + " read_only=" +
	         (session->read_only ? "true" : "false") + " open_sessions=" + std::to_string(sessions.Count()));
	v1::SessionEvent event;
	event.set_session_id(session->id);
	bool sent = writer->Write(event);
	std::string reason = sent ? "client ended the call" : "client gone before the session id was sent";
	bool shutdown = false;
	if (sent) {
		// Idle until the call ends. The synchronous API cannot wake us when the client goes away,
		// so look every SESSION_POLL_INTERVAL; an idle session costs no CPU beyond that.
		std::unique_lock<std::mutex> guard(lock);
		while (!sessions_stopping && !context->IsCancelled()) {
			session_wake.wait_for(guard, SESSION_POLL_INTERVAL);
		}
		shutdown = sessions_stopping;
		if (shutdown) {
			reason = "server shutting down";
		}
	}
	bool rolled_back = sessions.Close(session);
	LogEvent(label + " closed database=" + request->database() + " reason=\"" + reason + "\" rolled_back=" +
	         (rolled_back ? "true" : "false") + " open_sessions=" + std::to_string(sessions.Count()));
	if (shutdown) {
		return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down; the session ended");
	}
	return CancelledStatus();
}

grpc::Status ExecutionService::ExecuteWithUpload(grpc::ServerContext *context,
                                                 grpc::ServerReader<v1::UploadMessage> *reader,
                                                 v1::ExecuteQueryResponse *response) {
	bool token_read_only = false;
	auto status = CheckCall(*context, &token_read_only);
	if (!status.ok()) {
		return status;
	}
	auto started = std::chrono::steady_clock::now();
	v1::UploadMessage first;
	if (!reader->Read(&first)) {
		return context->IsCancelled() ? CancelledStatus()
		                              : grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
		                                             "ExecuteWithUpload: the call carried no message (the first "
		                                             "UploadMessage must hold the request)");
	}
	if (!first.has_request()) {
		return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
		                    "ExecuteWithUpload: the first UploadMessage must hold the request");
	}
	auto &request = first.request();
	status = CheckProtocolVersion(request.protocol_version());
	if (!status.ok()) {
		return status;
	}
	auto upload = duckdb::make_shared_ptr<UploadSource>(*reader);
	{
		std::lock_guard<std::mutex> guard(lock);
		if (sessions_stopping) {
			return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
		}
		running_uploads.insert(context);
	}
	bool ready = true;
	try {
		upload->Feed(std::move(*first.mutable_arrow_ipc()));
	} catch (std::exception &ex) {
		duckdb::ErrorData error(ex);
		LogQuery(request.database(), started, 0, 0, 0,
		         "error: " + duckdb::Exception::ExceptionTypeToString(error.Type()));
		status = ErrorStatus(*context, error);
		ready = false;
	}
	RunOptions options;
	options.read_only = request.read_only() || token_read_only;
	// The rows come from this call: the result must be complete before the call ends.
	options.materialize = true;
	options.log_fields = [&upload]() {
		return " upload_rows=" + std::to_string(upload->Rows()) + " upload_bytes=" + std::to_string(upload->Bytes());
	};
	auto run = [&](const v1::ExecuteQueryRequest &run_request, std::shared_ptr<duckdb::DuckDB> instance,
	               std::shared_ptr<duckdb::Connection> connection) {
		auto &state = *connection->context->registered_state;
		state.Insert(UploadSource::STATE_KEY, upload);
		grpc::Status outcome;
		try {
			outcome = Run(*context, run_request, std::move(instance), connection, options, started, *response);
		} catch (...) {
			state.Remove(UploadSource::STATE_KEY);
			throw;
		}
		state.Remove(UploadSource::STATE_KEY);
		return outcome;
	};
	if (ready) {
		// (Malformed first bytes run nothing.)
		status = RunWhereRequested(*context, request, options, run);
	}
	// Whatever happened, read what the client still sends: its writes then complete and it gets
	// this answer instead of a broken stream.
	upload->CloseAndDrain();
	{
		std::lock_guard<std::mutex> guard(lock);
		running_uploads.erase(context);
	}
	return status;
}

grpc::Status ExecutionService::StreamResults(grpc::ServerContext *context, const v1::StreamResultsRequest *request,
                                             grpc::ServerWriter<v1::ResultChunk> *writer) {
	auto status = CheckCall(*context);
	if (!status.ok()) {
		return status;
	}
	auto query = FindPending(request->query_id());
	if (!query) {
		return grpc::Status(grpc::StatusCode::NOT_FOUND,
		                    "unknown or expired query id \"" + request->query_id() +
		                        "\" (a result expires when none of its streams was open for 60 s)");
	}
	auto outcome = SendStream(*context, *query, request->stream_index(), *writer);
	if (query->Expired(std::chrono::steady_clock::now(), PENDING_RESULT_TTL)) {
		std::lock_guard<std::mutex> guard(lock);
		auto entry = pending.find(request->query_id());
		if (entry != pending.end() && entry->second == query) {
			pending.erase(entry);
		}
	}
	return outcome;
}

grpc::Status ExecutionService::SendStream(grpc::ServerContext &context, StreamedQuery &query, uint32_t stream_index,
                                          grpc::ServerWriter<v1::ResultChunk> &writer) {
	EncodedPiece piece;
	bool has_first = false;
	auto encoder = query.OpenStream(stream_index, piece, has_first);
	if (!encoder) {
		return grpc::Status(grpc::StatusCode::NOT_FOUND, "stream " + std::to_string(stream_index) +
		                                                     " of this query does not exist or was streamed already "
		                                                     "(each stream can be read once)");
	}
	uint64_t rows = 0;
	uint64_t bytes = 0;
	grpc::Status outcome = grpc::Status::OK;
	std::string log_status = "ok";
	// Null once the query is done: a late stream then only carries the schema and end-of-stream.
	auto connection = query.Connection();
	std::unique_ptr<CancellationWatcher::Guard> watch;
	if (connection) {
		watch.reset(new CancellationWatcher::Guard(cancellation_watcher, context, *connection));
	}
	bool cancelled = query.Cancelled();
	try {
		v1::ResultChunk chunk;
		bool more = !cancelled && (has_first || encoder->Next(piece));
		while (more) {
			rows += piece.rows;
			bytes += piece.bytes.size();
			chunk.set_row_count(piece.rows);
			chunk.set_batch_index(piece.batch_index);
			// Swap rather than copy, and take the buffer back so its capacity is reused for the next
			// piece: fresh multi-megabyte buffers cost page faults on every batch.
			chunk.mutable_arrow_ipc()->swap(piece.bytes);
			bool written = writer.Write(chunk);
			chunk.mutable_arrow_ipc()->swap(piece.bytes);
			if (!written || (watch && watch->Cancelled())) {
				cancelled = true;
				break;
			}
			more = encoder->Next(piece);
		}
	} catch (std::exception &ex) {
		duckdb::ErrorData error(ex);
		// An interrupt comes from a cancelled stream of this query, maybe not this one.
		if ((watch && watch->Cancelled()) || context.IsCancelled() || query.Cancelled() ||
		    error.Type() == duckdb::ExceptionType::INTERRUPT) {
			cancelled = true;
		} else {
			outcome = ErrorStatus(context, error);
			log_status = "error: " + duckdb::Exception::ExceptionTypeToString(error.Type());
		}
	}
	if (cancelled) {
		// The client gave up on the result: stop the query for its other streams too.
		query.Cancel();
		outcome = CancelledStatus();
		log_status = "cancelled";
	}
	watch.reset();
	encoder.reset();
	query.CloseStream(rows, bytes, log_status);
	return outcome;
}

grpc::Status ExecutionService::GetProgress(grpc::ServerContext *context, const v1::GetProgressRequest *request,
                                           v1::GetProgressResponse *response) {
	auto status = CheckCall(*context);
	if (!status.ok()) {
		return status;
	}
	auto report = progress.Get(request->progress_id());
	response->set_running(report.running);
	response->set_percentage(report.percentage);
	response->set_rows_processed(report.rows_processed);
	response->set_total_rows_to_process(report.total_rows_to_process);
	return grpc::Status::OK;
}

} // namespace openduck
