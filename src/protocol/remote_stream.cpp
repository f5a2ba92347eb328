#include "protocol/remote_stream.hpp"

#include "duckdb/common/exception.hpp"
#include "protocol/arrow_ipc_reader.hpp"

#include <grpcpp/grpcpp.h>

namespace openduck {

using duckdb::ExceptionType;

RemoteStream::RemoteStream(std::shared_ptr<RemoteChannel> channel_p, const v1::StreamResultsRequest &request,
                           size_t max_buffered_batches_p)
    : channel(std::move(channel_p)), endpoint(channel->endpoint), max_buffered_batches(max_buffered_batches_p),
      reader(new ArrowIpcStreamReader()) {
	channel->PrepareContext(context);
	call = channel->stub->StreamResults(&context, request);
	fetcher = std::thread([this]() { FetchLoop(); });
}

RemoteStream::RemoteStream(std::string complete_stream, const std::string &endpoint_p)
    : endpoint(endpoint_p), reader(new ArrowIpcStreamReader()) {
	std::lock_guard<std::mutex> guard(lock);
	DecodePiece(std::make_shared<const std::string>(std::move(complete_stream)), 0);
	finished = true;
	if (!reader->Finished()) {
		error = duckdb::ErrorData(ExceptionType::IO,
		                          "OpenDuck: result from " + endpoint + " ended before its end-of-stream marker");
	}
}

RemoteStream::~RemoteStream() {
	bool running;
	{
		std::lock_guard<std::mutex> guard(lock);
		stop = true;
		running = !finished;
	}
	changed.notify_all();
	if (call && running) {
		context.TryCancel();
	}
	if (fetcher.joinable()) {
		fetcher.join();
	}
	for (auto &batch : batches) {
		if (batch.array.release) {
			batch.array.release(&batch.array);
		}
	}
}

void RemoteStream::DecodePiece(std::shared_ptr<const std::string> piece, uint64_t batch_index) {
	reader->Feed(std::move(piece));
	has_schema = has_schema || reader->HasSchema();
	QueuedBatch batch;
	batch.batch_index = batch_index;
	while (reader->NextBatch(batch.array)) {
		batches.push_back(batch);
	}
}

//! Receive buffers whose batches were consumed, for the next chunks: a fresh multi-megabyte buffer
//! per chunk costs page faults on every byte.
struct RemoteStream::BufferPool {
	std::mutex lock;
	std::vector<std::string> buffers;
	size_t capacity;

	explicit BufferPool(size_t capacity_p) : capacity(capacity_p) {
	}
	void Give(std::string &buffer) {
		std::lock_guard<std::mutex> guard(lock);
		if (buffers.size() < capacity) {
			buffers.push_back(std::move(buffer));
		}
	}
	void Take(std::string &buffer) {
		std::lock_guard<std::mutex> guard(lock);
		if (!buffers.empty()) {
			buffer.swap(buffers.back());
			buffers.pop_back();
		}
	}
};

void RemoteStream::FetchLoop() {
	v1::ResultChunk chunk;
	auto pool = std::make_shared<BufferPool>(max_buffered_batches + 2);
	try {
		while (true) {
			{
				std::unique_lock<std::mutex> guard(lock);
				// Bounded read-ahead: enough to overlap the network with decoding, without buffering
				// the table. gRPC's flow control then holds the server back.
				changed.wait(guard, [&]() { return stop || batches.size() < max_buffered_batches; });
				if (stop) {
					return;
				}
			}
			// Parsing keeps the capacity of the buffer it parses into.
			pool->Take(*chunk.mutable_arrow_ipc());
			if (!call->Read(&chunk)) {
				break;
			}
			auto buffer = new std::string();
			buffer->swap(*chunk.mutable_arrow_ipc());
			// Decoded arrays point into the buffer; once the last one is released it serves again.
			std::shared_ptr<const std::string> piece(buffer, [pool](const std::string *used) {
				auto owned = const_cast<std::string *>(used);
				pool->Give(*owned);
				delete owned;
			});
			// The consumer reads the decoder's schema under this lock, so feed it under the lock too.
			std::lock_guard<std::mutex> guard(lock);
			DecodePiece(std::move(piece), chunk.batch_index());
			changed.notify_all();
		}
		auto status = call->Finish();
		std::lock_guard<std::mutex> guard(lock);
		if (!status.ok()) {
			error = CallError(status, context, endpoint);
		} else if (!reader->Finished()) {
			error = duckdb::ErrorData(ExceptionType::IO, "OpenDuck: result stream from " + endpoint +
			                                                 " ended before its end-of-stream marker");
		}
		finished = true;
	} catch (std::exception &ex) {
		std::lock_guard<std::mutex> guard(lock);
		error = duckdb::ErrorData(ex);
		finished = true;
		context.TryCancel();
	}
	changed.notify_all();
}

void RemoteStream::WaitFor(const std::function<bool()> &ready, const std::function<bool()> &is_interrupted,
                           std::unique_lock<std::mutex> &guard) {
	while (!ready()) {
		changed.wait_for(guard, std::chrono::milliseconds(50));
		if (!ready() && is_interrupted && is_interrupted()) {
			guard.unlock();
			Cancel();
			throw duckdb::InterruptException();
		}
	}
}

void RemoteStream::ExportSchema(ArrowSchema &out, const std::function<bool()> &is_interrupted) {
	std::unique_lock<std::mutex> guard(lock);
	WaitFor([&]() { return has_schema || finished; }, is_interrupted, guard);
	if (!has_schema) {
		if (error.HasError()) {
			error.Throw();
		}
		throw duckdb::IOException("OpenDuck: result stream from %s carried no schema", endpoint);
	}
	reader->ExportSchema(out);
}

bool RemoteStream::Next(ArrowArray &out, const std::function<bool()> &is_interrupted, uint64_t *batch_index) {
	std::unique_lock<std::mutex> guard(lock);
	WaitFor([&]() { return !batches.empty() || finished; }, is_interrupted, guard);
	if (!batches.empty()) {
		out = batches.front().array;
		if (batch_index) {
			*batch_index = batches.front().batch_index;
		}
		batches.pop_front();
		changed.notify_all();
		return true;
	}
	if (error.HasError()) {
		error.Throw();
	}
	return false;
}

bool RemoteStream::SchemaReady() {
	std::lock_guard<std::mutex> guard(lock);
	return has_schema || finished;
}

bool RemoteStream::BatchReady() {
	std::lock_guard<std::mutex> guard(lock);
	return !batches.empty() || finished;
}

bool RemoteStream::WaitForBatch(std::chrono::milliseconds timeout) {
	std::unique_lock<std::mutex> guard(lock);
	return changed.wait_for(guard, timeout, [&]() { return !batches.empty() || finished; });
}

void RemoteStream::Cancel() {
	if (call) {
		context.TryCancel();
	}
}

} // namespace openduck
