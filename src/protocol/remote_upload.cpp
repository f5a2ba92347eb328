#include "protocol/remote_upload.hpp"

#include "duckdb/common/exception.hpp"

#include <grpcpp/grpcpp.h>

namespace openduck {

RemoteUpload::RemoteUpload(std::shared_ptr<RemoteChannel> channel_p, v1::ExecuteQueryRequest request)
    : channel(std::move(channel_p)) {
	channel->PrepareContext(context);
	writer = channel->stub->ExecuteWithUpload(&context, &response);
	*message.mutable_request() = std::move(request);
	// The rows follow at once: the request travels in the same packet as the first of them.
	if (!writer->Write(message, grpc::WriteOptions().set_buffer_hint())) {
		ThrowCallError();
	}
	message.clear_request();
}

RemoteUpload::~RemoteUpload() {
	if (!finished) {
		Cancel();
		writer->Finish();
	}
}

void RemoteUpload::Write(std::string &arrow_ipc) {
	if (arrow_ipc.empty()) {
		return;
	}
	// Swapped in and out, so the caller's buffer keeps its capacity for the next batch.
	message.mutable_arrow_ipc()->swap(arrow_ipc);
	bool written = writer->Write(message);
	message.mutable_arrow_ipc()->swap(arrow_ipc);
	arrow_ipc.clear();
	if (!written) {
		// The server ended the call: the statement failed (or the connection is gone).
		ThrowCallError();
	}
}

void RemoteUpload::SendLast(std::string &last_arrow_ipc) {
	if (last_arrow_ipc.empty()) {
		writer->WritesDone();
	} else {
		// The last rows and the end of the upload in one message: a small INSERT costs one packet each way.
		message.mutable_arrow_ipc()->swap(last_arrow_ipc);
		bool written = writer->Write(message, grpc::WriteOptions().set_last_message());
		message.mutable_arrow_ipc()->swap(last_arrow_ipc);
		last_arrow_ipc.clear();
		if (!written) {
			ThrowCallError();
		}
	}
}

std::unique_ptr<RemoteResult> RemoteUpload::WaitForAnswer() {
	auto status = writer->Finish();
	finished = true;
	if (!status.ok()) {
		CallError(status, context, channel->endpoint).Throw();
	}
	return std::unique_ptr<RemoteResult>(new RemoteResult(channel, std::move(response)));
}

void RemoteUpload::Cancel() {
	context.TryCancel();
}

void RemoteUpload::ThrowCallError() {
	auto status = writer->Finish();
	finished = true;
	if (status.ok()) {
		throw duckdb::IOException("OpenDuck: the server at %s ended the upload early without an error",
		                          channel->endpoint);
	}
	CallError(status, context, channel->endpoint).Throw();
}

} // namespace openduck
