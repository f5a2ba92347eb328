#include "protocol/remote_channel.hpp"

#include "protocol/protocol_constants.hpp"
#include "protocol/status_mapping.hpp"

#include <grpcpp/grpcpp.h>

namespace openduck {

using duckdb::ExceptionType;

CompletionThread::CompletionThread() : thread([this]() { Loop(); }) {
}

CompletionThread::~CompletionThread() {
	{
		std::lock_guard<std::mutex> guard(lock);
		for (auto &entry : running) {
			entry.second->context.TryCancel();
		}
	}
	// Next keeps returning the calls still running until each completed, then false.
	queue.Shutdown();
	thread.join();
}

void AwaitedCall::Complete() {
	MarkDone();
}

void AwaitedCall::MarkDone() {
	std::lock_guard<std::mutex> guard(lock);
	done = true;
	finished.notify_all();
}

bool AwaitedCall::Done() {
	std::lock_guard<std::mutex> guard(lock);
	return done;
}

bool AwaitedCall::WaitFor(std::chrono::milliseconds timeout) {
	std::unique_lock<std::mutex> guard(lock);
	return finished.wait_for(guard, timeout, [this]() { return done; });
}

bool AwaitedCall::WaitInterruptibly(const std::function<bool()> &is_interrupted) {
	bool interrupted = false;
	std::unique_lock<std::mutex> guard(lock);
	// In short slices, so that an interrupt is noticed soon.
	while (!finished.wait_for(guard, std::chrono::milliseconds(20), [this]() { return done; })) {
		if (!interrupted && is_interrupted && is_interrupted()) {
			interrupted = true;
			context.TryCancel();
		}
	}
	return interrupted;
}

void AwaitedCall::CancelUnlessDone() {
	std::lock_guard<std::mutex> guard(lock);
	if (!done) {
		context.TryCancel();
	}
}

void *CompletionThread::Track(std::shared_ptr<BackgroundCall> call) {
	std::lock_guard<std::mutex> guard(lock);
	auto tag = call.get();
	running.emplace(tag, std::move(call));
	return tag;
}

void CompletionThread::Loop() {
	void *tag;
	bool ok;
	while (queue.Next(&tag, &ok)) {
		std::shared_ptr<BackgroundCall> call;
		{
			std::lock_guard<std::mutex> guard(lock);
			auto entry = running.find(static_cast<BackgroundCall *>(tag));
			if (entry == running.end()) {
				continue;
			}
			call = std::move(entry->second);
			running.erase(entry);
		}
		call->Complete();
	}
}

void RemoteChannel::PrepareContext(grpc::ClientContext &context) const {
	if (!token.empty()) {
		context.AddMetadata("authorization", "Bearer " + token);
	}
}

static std::string TrailingErrorType(const grpc::ClientContext &context) {
	auto &trailers = context.GetServerTrailingMetadata();
	auto entry = trailers.find(ERROR_TYPE_METADATA_KEY);
	if (entry == trailers.end()) {
		return std::string();
	}
	return std::string(entry->second.data(), entry->second.size());
}

duckdb::ErrorData CallError(const grpc::Status &status, const grpc::ClientContext &context,
                            const std::string &endpoint) {
	auto server_type = TrailingErrorType(context);
	if (server_type.empty()) {
		switch (status.error_code()) {
		case grpc::StatusCode::UNAUTHENTICATED:
			return duckdb::ErrorData(ExceptionType::PERMISSION,
			                         "OpenDuck: authentication failed at " + endpoint + ": " + status.error_message());
		case grpc::StatusCode::UNAVAILABLE:
		case grpc::StatusCode::INTERNAL:
			return duckdb::ErrorData(ExceptionType::IO, "OpenDuck: connection to " + endpoint +
			                                                " failed or was lost: " + status.error_message());
		case grpc::StatusCode::DEADLINE_EXCEEDED:
			return duckdb::ErrorData(ExceptionType::IO, "OpenDuck: server at " + endpoint +
			                                                " did not answer in time: " + status.error_message());
		default:
			break;
		}
	}
	return duckdb::ErrorData(ExceptionTypeForStatus(status, server_type), status.error_message());
}

} // namespace openduck
