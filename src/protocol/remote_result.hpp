//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/remote_result.hpp
//
// A statement sent to a server: its ExecuteQuery call (answered in the
// background, so the caller never blocks unless it wants the result), the
// result streams it may be read with, and the server's progress on it.
//===----------------------------------------------------------------------===//

#pragma once

#include "protocol/remote_channel.hpp"
#include "protocol/remote_stream.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace openduck {

class RemoteResult {
public:
	//! Sends `request`; returns at once.
	RemoteResult(std::shared_ptr<RemoteChannel> channel, const v1::ExecuteQueryRequest &request);
	//! A statement the server already answered (ExecuteWithUpload).
	RemoteResult(std::shared_ptr<RemoteChannel> channel, v1::ExecuteQueryResponse response);
	//! Cancels the statement if it still runs, and every stream not read to its end.
	~RemoteResult();

	//! Waits until the server accepted the statement. Throws its error (as the DuckDB exception
	//! type the server raised). `is_interrupted` is polled while waiting; when it turns true the
	//! statement is cancelled and InterruptException thrown.
	void WaitStarted(const std::function<bool()> &is_interrupted = nullptr);
	//! True when WaitStarted would not wait.
	bool Started();
	//! Waits up to `timeout` for the server's answer; true when it arrived.
	bool WaitStartedFor(std::chrono::milliseconds timeout);

	//! DuckDB type names of the result columns (after WaitStarted).
	const std::vector<std::string> &ColumnTypes() const {
		return column_types;
	}
	//! How many streams the server granted: OpenStream(0) to OpenStream(StreamCount() - 1)
	//! (after WaitStarted). The rows go to the streams that are read; a reader that needs them in
	//! order reads stream 0 only.
	uint32_t StreamCount() const {
		return stream_count;
	}
	//! Starts reading stream `index` (each index once; after WaitStarted).
	std::shared_ptr<RemoteStream> OpenStream(uint32_t index, size_t max_buffered_batches);

	//! The whole result through stream 0, in order: see RemoteStream.
	void ExportSchema(ArrowSchema &out, const std::function<bool()> &is_interrupted = nullptr);
	bool Next(ArrowArray &out, const std::function<bool()> &is_interrupted = nullptr);
	//! Cancels the statement and its streams (idempotent).
	void Cancel();

	//! How far the server is with the statement, 0 to 100, or -1 when it cannot tell. Never waits:
	//! returns what the last poll learned and starts a new poll when the last is old enough.
	double ServerProgress();

private:
	struct StartCall;
	struct ProgressState;
	struct ProgressCall;

	void TakeResponse();
	std::shared_ptr<RemoteStream> FirstStream(const std::function<bool()> &is_interrupted);

	std::shared_ptr<RemoteChannel> channel;
	std::shared_ptr<StartCall> start;
	std::shared_ptr<ProgressState> progress;
	bool taken = false;
	std::vector<std::string> column_types;
	uint32_t stream_count = 1;
	std::string query_id;
	//! The inline result, when the response was complete.
	std::unique_ptr<std::string> complete_stream;
	std::mutex streams_lock;
	std::vector<std::weak_ptr<RemoteStream>> streams;
	std::vector<bool> opened;
	std::shared_ptr<RemoteStream> first_stream;
};

} // namespace openduck
