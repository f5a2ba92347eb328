//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/remote_upload.hpp
//
// A statement that reads rows the client sends (ExecuteWithUpload): the rows go
// out as one Arrow IPC stream, written piece by piece with flow control, so
// memory stays bounded however many there are.
//===----------------------------------------------------------------------===//

#pragma once

#include "protocol/remote_channel.hpp"
#include "protocol/remote_result.hpp"

#include <memory>
#include <string>

namespace openduck {

class RemoteUpload {
public:
	//! Starts the call and sends `request` (its SQL reads the rows with openduck_upload()).
	RemoteUpload(std::shared_ptr<RemoteChannel> channel, v1::ExecuteQueryRequest request);
	//! Cancels the call unless Finish ran: the statement then fails and changes nothing.
	~RemoteUpload();

	//! Sends whole Arrow IPC messages; blocks while the server is behind. Throws the statement's
	//! error when the server ended the call early.
	void Write(std::string &arrow_ipc);
	//! Sends `last_arrow_ipc` (it ends with the end-of-stream marker) together with the end of the upload.
	void SendLast(std::string &last_arrow_ipc);
	//! After SendLast: waits for the statement's answer. Throws its error.
	std::unique_ptr<RemoteResult> WaitForAnswer();
	//! Cancels the upload (idempotent); the statement fails and changes nothing.
	void Cancel();

private:
	[[noreturn]] void ThrowCallError();

	std::shared_ptr<RemoteChannel> channel;
	grpc::ClientContext context;
	v1::ExecuteQueryResponse response;
	std::unique_ptr<grpc::ClientWriter<v1::UploadMessage>> writer;
	v1::UploadMessage message;
	bool finished = false;
};

} // namespace openduck
