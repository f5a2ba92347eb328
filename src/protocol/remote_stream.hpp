//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/remote_stream.hpp
//
// One Arrow IPC stream of a remote result: a StreamResults call whose record
// batches a background thread fetches and decodes into a small bounded queue,
// so network transfer overlaps with the consumer's work.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/common/arrow/arrow.hpp"
#include "duckdb/common/error_data.hpp"
#include "protocol/remote_channel.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace openduck {

class ArrowIpcStreamReader;

class RemoteStream {
public:
	//! Streams `request` from the server; at most `max_buffered_batches` decoded batches wait.
	RemoteStream(std::shared_ptr<RemoteChannel> channel, const v1::StreamResultsRequest &request,
	             size_t max_buffered_batches);
	//! A result that arrived whole in the ExecuteQuery response.
	RemoteStream(std::string complete_stream, const std::string &endpoint);
	~RemoteStream();

	//! Exports the Arrow schema of the stream (blocks until it arrived).
	void ExportSchema(ArrowSchema &out, const std::function<bool()> &is_interrupted = nullptr);
	//! Moves the next record batch into `out`; false at the end of the stream. `batch_index`
	//! (optional) receives the batch's position in the result (see ResultChunk.batch_index).
	//! Throws the server's error, or IOException when the connection breaks. `is_interrupted` is
	//! polled while waiting; when it returns true the stream is cancelled and InterruptException
	//! thrown.
	bool Next(ArrowArray &out, const std::function<bool()> &is_interrupted = nullptr, uint64_t *batch_index = nullptr);
	//! True when ExportSchema would not wait.
	bool SchemaReady();
	//! True when Next would not wait.
	bool BatchReady();
	//! Waits up to `timeout` for Next to have something; true when it has.
	bool WaitForBatch(std::chrono::milliseconds timeout);
	//! Cancels the call (idempotent); the server stops the query.
	void Cancel();

private:
	struct BufferPool;
	struct QueuedBatch {
		ArrowArray array;
		uint64_t batch_index;
	};

	void FetchLoop();
	//! Decodes a piece of the stream into queued batches; call with `lock` held.
	void DecodePiece(std::shared_ptr<const std::string> piece, uint64_t batch_index);
	void WaitFor(const std::function<bool()> &ready, const std::function<bool()> &is_interrupted,
	             std::unique_lock<std::mutex> &guard);

	std::shared_ptr<RemoteChannel> channel;
	std::string endpoint;
	size_t max_buffered_batches = 0;
	grpc::ClientContext context;
	std::unique_ptr<grpc::ClientReader<v1::ResultChunk>> call;
	std::unique_ptr<ArrowIpcStreamReader> reader;

	std::mutex lock;
	std::condition_variable changed;
	std::deque<QueuedBatch> batches;
	bool has_schema = false;
	bool finished = false;
	bool stop = false;
	//! Set when the call failed; thrown to the consumer once the buffered batches are used up.
	duckdb::ErrorData error;
	std::thread fetcher;
};

} // namespace openduck
