//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/remote_client.hpp
//
// Client side of the wire protocol: one gRPC channel to a server, statements
// started on it, and their results (see remote_result.hpp).
//===----------------------------------------------------------------------===//

#pragma once

#include "protocol/endpoint.hpp"
#include "protocol/remote_channel.hpp"
#include "protocol/remote_result.hpp"
#include "protocol/remote_session.hpp"
#include "protocol/remote_upload.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace openduck {

//! How a statement's result will be read.
struct ExecuteOptions {
	//! Most streams the result may be read with in parallel; the server may grant fewer.
	uint32_t max_streams;
	//! The rows are needed in the query's order (ORDER BY): read them through one stream.
	bool preserve_order = false;
	//! Run inside this server session (its transaction); empty: autocommit.
	std::string session_id;
	//! Read this past state of the database (a snapshot id, name or time) instead of the client's.
	std::string snapshot;

	ExecuteOptions();
};

struct CheckCatalogCall;

//! A CheckCatalog call under way, so the caller can do other work during the round trip.
class PendingCatalogCheck {
public:
	~PendingCatalogCheck();
	//! The answer; false when the server does not implement CheckCatalog. Throws the server's error.
	bool Wait(v1::CheckCatalogResponse &response, const std::function<bool()> &is_interrupted = nullptr);

private:
	friend class RemoteClient;
	PendingCatalogCheck(std::shared_ptr<CheckCatalogCall> call, std::string endpoint);

	std::shared_ptr<CheckCatalogCall> call;
	std::string endpoint;
};

//! A connection to one OpenDuck server. Thread-safe; shared by everything using one ATTACH.
class RemoteClient {
public:
	explicit RemoteClient(EndpointConfig config);
	~RemoteClient();

	//! Fails with IOException naming the endpoint if no connection comes up within the connect
	//! timeout, or PermissionException when the token is rejected.
	void CheckConnection(const std::string &database);
	//! Every later request (and session) reads this past state of its database; empty: the newest.
	void SetSnapshot(std::string snapshot);
	//! Starts `sql` on `database` and returns its result at once; the server's answer (or error,
	//! thrown as the DuckDB exception type the server raised) comes with the first use of the
	//! result. `is_interrupted` is polled while waiting for the connection to come up.
	std::unique_ptr<RemoteResult> Execute(const std::string &database, const std::string &sql, bool read_only,
	                                      const std::function<bool()> &is_interrupted = nullptr);
	std::unique_ptr<RemoteResult> Execute(const std::string &database, const std::string &sql, bool read_only,
	                                      const ExecuteOptions &options,
	                                      const std::function<bool()> &is_interrupted = nullptr);
	//! Prepares `sql` without running it (in options' session and snapshot); the result is empty but carries
	//! the result schema.
	std::unique_ptr<RemoteResult> Describe(const std::string &database, const std::string &sql,
	                                       const ExecuteOptions &options,
	                                       const std::function<bool()> &is_interrupted = nullptr);

	//! The server's catalog version token and every table's row estimate, in options' session and snapshot.
	//! Returns false when the server does not implement CheckCatalog.
	bool CheckCatalog(const std::string &database, const ExecuteOptions &options, v1::CheckCatalogResponse &response,
	                  const std::function<bool()> &is_interrupted = nullptr);
	//! The same call, answered later.
	std::unique_ptr<PendingCatalogCheck> StartCheckCatalog(const std::string &database, const ExecuteOptions &options,
	                                                       const std::function<bool()> &is_interrupted = nullptr);
	//! Opens a server session on `database` (see RemoteSession).
	std::unique_ptr<RemoteSession> OpenSession(const std::string &database, bool read_only,
	                                           const std::function<bool()> &is_interrupted = nullptr);
	//! Starts `sql`, which reads rows the caller then sends through the returned upload.
	std::unique_ptr<RemoteUpload> StartUpload(const std::string &database, const std::string &sql, bool read_only,
	                                          const ExecuteOptions &options,
	                                          const std::function<bool()> &is_interrupted = nullptr);

	const EndpointConfig &Config() const {
		return config;
	}

private:
	std::unique_ptr<RemoteResult> Start(v1::ExecuteQueryRequest request, const std::function<bool()> &is_interrupted);
	static v1::ExecuteQueryRequest NewRequest(const std::string &database, const std::string &sql, bool read_only,
	                                          const ExecuteOptions &options);
	//! Fills in what every request carries; a request without a snapshot of its own reads the client's.
	void CompleteRequest(v1::ExecuteQueryRequest &request);
	void WaitForConnection(const std::function<bool()> &is_interrupted);

	EndpointConfig config;
	std::shared_ptr<RemoteChannel> channel;
	std::string snapshot;
};

} // namespace openduck
