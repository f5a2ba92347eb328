#include "protocol/remote_session.hpp"

#include "duckdb/common/exception.hpp"
#include "protocol/protocol_constants.hpp"

#include <grpcpp/grpcpp.h>

namespace openduck {

RemoteSession::RemoteSession(std::shared_ptr<RemoteChannel> channel_p, const std::string &database, bool read_only,
                             const std::string &snapshot)
    : channel(std::move(channel_p)) {
	v1::OpenSessionRequest request;
	request.set_protocol_version(PROTOCOL_VERSION);
	request.set_database(database);
	request.set_read_only(read_only);
	request.set_snapshot(snapshot);
	channel->PrepareContext(context);
	reader = channel->stub->OpenSession(&context, request);
	v1::SessionEvent event;
	if (!reader->Read(&event)) {
		auto status = reader->Finish();
		reader.reset();
		if (status.ok()) {
			throw duckdb::IOException("OpenDuck: the server at %s closed the session before naming it",
			                          channel->endpoint);
		}
		CallError(status, context, channel->endpoint).Throw();
	}
	session_id = event.session_id();
}

RemoteSession::~RemoteSession() {
	if (!reader) {
		return;
	}
	context.TryCancel();
	// Collects the call's end (CANCELLED); returns at once after TryCancel.
	reader->Finish();
}

} // namespace openduck
