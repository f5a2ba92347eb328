#include "protocol/remote_result.hpp"

#include "duckdb/common/exception.hpp"

#include <algorithm>
#include <grpcpp/grpcpp.h>

namespace openduck {

//! Polls closer together than this only cost the server work.
static constexpr auto PROGRESS_POLL_INTERVAL = std::chrono::milliseconds(250);
static constexpr auto PROGRESS_POLL_DEADLINE = std::chrono::seconds(5);
//! Read-ahead of a result read through one stream.
static constexpr size_t SINGLE_STREAM_BUFFERED_BATCHES = 8;

//! The ExecuteQuery call; the completion thread keeps it until it completed, even past the result.
struct RemoteResult::StartCall : public AwaitedCall {
	v1::ExecuteQueryRequest request;
	v1::ExecuteQueryResponse response;
	std::unique_ptr<grpc::ClientAsyncResponseReader<v1::ExecuteQueryResponse>> reader;
};

struct RemoteResult::ProgressState {
	std::string progress_id;
	std::mutex lock;
	double percentage = -1;
	bool in_flight = false;
	//! Servers that predate GetProgress answer UNIMPLEMENTED; then we stop asking.
	bool unsupported = false;
	std::chrono::steady_clock::time_point last_poll;
};

//! One GetProgress poll.
struct RemoteResult::ProgressCall : public BackgroundCall {
	std::shared_ptr<ProgressState> state;
	v1::GetProgressRequest request;
	v1::GetProgressResponse response;
	std::unique_ptr<grpc::ClientAsyncResponseReader<v1::GetProgressResponse>> reader;

	void Complete() override {
		std::lock_guard<std::mutex> guard(state->lock);
		state->in_flight = false;
		if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
			state->unsupported = true;
		} else if (status.ok() && response.running()) {
			// DuckDB's progress only grows; keep it so when polls overtake.
			state->percentage = std::max(state->percentage, response.percentage());
		}
	}
};

RemoteResult::RemoteResult(std::shared_ptr<RemoteChannel> channel_p, const v1::ExecuteQueryRequest &request)
    : channel(std::move(channel_p)), start(std::make_shared<StartCall>()) {
	start->request = request;
	if (!request.progress_id().empty()) {
		progress = std::make_shared<ProgressState>();
		progress->progress_id = request.progress_id();
	}
	channel->PrepareContext(start->context);
	// Answered in the background, so a long statement neither blocks the caller nor stops it from
	// being interrupted.
	start->reader =
	    channel->stub->PrepareAsyncExecuteQuery(&start->context, start->request, channel->completions.Queue());
	start->reader->StartCall();
	start->reader->Finish(&start->response, &start->status, channel->completions.Track(start));
}

RemoteResult::RemoteResult(std::shared_ptr<RemoteChannel> channel_p, v1::ExecuteQueryResponse response)
    : channel(std::move(channel_p)), start(std::make_shared<StartCall>()) {
	start->response = std::move(response);
	start->MarkDone();
}

RemoteResult::~RemoteResult() {
	Cancel();
}

void RemoteResult::WaitStarted(const std::function<bool()> &is_interrupted) {
	if (start->WaitInterruptibly(is_interrupted)) {
		throw duckdb::InterruptException();
	}
	if (!start->status.ok()) {
		CallError(start->status, start->context, channel->endpoint).Throw();
	}
	TakeResponse();
}

bool RemoteResult::Started() {
	return start->Done();
}

bool RemoteResult::WaitStartedFor(std::chrono::milliseconds timeout) {
	return start->WaitFor(timeout);
}

void RemoteResult::TakeResponse() {
	std::lock_guard<std::mutex> guard(streams_lock);
	if (taken) {
		return;
	}
	taken = true;
	auto &response = start->response;
	column_types.assign(response.column_types().begin(), response.column_types().end());
	if (response.complete()) {
		stream_count = 1;
		complete_stream.reset(new std::string(std::move(*response.mutable_result()->mutable_arrow_ipc())));
	} else {
		// Servers that predate parallel streams leave stream_count at 0.
		stream_count = std::max<uint32_t>(1, response.stream_count());
		query_id = response.query_id();
	}
	opened.assign(stream_count, false);
}

std::shared_ptr<RemoteStream> RemoteResult::OpenStream(uint32_t index, size_t max_buffered_batches) {
	std::lock_guard<std::mutex> guard(streams_lock);
	if (!taken || index >= stream_count || opened[index]) {
		throw duckdb::InternalException("OpenDuck: result stream %d opened twice, out of range or too early", index);
	}
	opened[index] = true;
	std::shared_ptr<RemoteStream> stream;
	if (complete_stream) {
		stream = std::make_shared<RemoteStream>(std::move(*complete_stream), channel->endpoint);
		complete_stream.reset();
	} else {
		v1::StreamResultsRequest request;
		request.set_query_id(query_id);
		request.set_stream_index(index);
		stream = std::make_shared<RemoteStream>(channel, request, max_buffered_batches);
	}
	streams.push_back(stream);
	return stream;
}

std::shared_ptr<RemoteStream> RemoteResult::FirstStream(const std::function<bool()> &is_interrupted) {
	if (!first_stream) {
		WaitStarted(is_interrupted);
		first_stream = OpenStream(0, SINGLE_STREAM_BUFFERED_BATCHES);
	}
	return first_stream;
}

void RemoteResult::ExportSchema(ArrowSchema &out, const std::function<bool()> &is_interrupted) {
	FirstStream(is_interrupted)->ExportSchema(out, is_interrupted);
}

bool RemoteResult::Next(ArrowArray &out, const std::function<bool()> &is_interrupted) {
	return FirstStream(is_interrupted)->Next(out, is_interrupted);
}

void RemoteResult::Cancel() {
	start->CancelUnlessDone();
	std::lock_guard<std::mutex> guard(streams_lock);
	for (auto &weak : streams) {
		auto stream = weak.lock();
		if (stream) {
			stream->Cancel();
		}
	}
}

double RemoteResult::ServerProgress() {
	if (!progress) {
		return -1;
	}
	auto state = progress;
	{
		std::lock_guard<std::mutex> guard(state->lock);
		auto now = std::chrono::steady_clock::now();
		if (state->unsupported || state->in_flight || now - state->last_poll < PROGRESS_POLL_INTERVAL) {
			return state->percentage;
		}
		state->in_flight = true;
		state->last_poll = now;
	}
	auto call = std::make_shared<ProgressCall>();
	call->state = state;
	channel->PrepareContext(call->context);
	call->context.set_deadline(std::chrono::system_clock::now() + PROGRESS_POLL_DEADLINE);
	call->request.set_progress_id(state->progress_id);
	call->reader = channel->stub->PrepareAsyncGetProgress(&call->context, call->request, channel->completions.Queue());
	call->reader->StartCall();
	call->reader->Finish(&call->response, &call->status, channel->completions.Track(call));
	std::lock_guard<std::mutex> guard(state->lock);
	return state->percentage;
}

} // namespace openduck
