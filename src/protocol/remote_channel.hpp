//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/remote_channel.hpp
//
// What every call to one server needs: the stub, the token, the endpoint for
// error messages, and a completion queue for calls answered in the
// background. Shared by a client and the results and streams it started, so
// calls can outlive whoever started them.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb/common/error_data.hpp"
#include "openduck/v1/execution.grpc.pb.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <grpcpp/completion_queue.h>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace openduck {

//! A unary call answered in the background. Subclasses hold the request and response.
struct BackgroundCall {
	virtual ~BackgroundCall() = default;
	//! Runs on the completion thread once `status` is set; must not block.
	virtual void Complete() = 0;

	grpc::ClientContext context;
	grpc::Status status;
};

//! A background call someone waits for: Complete marks it done and wakes the waiters.
struct AwaitedCall : public BackgroundCall {
	void Complete() override;
	//! For a call answered without going out (done from the start).
	void MarkDone();
	bool Done();
	//! Waits up to `timeout`; true when the call is done.
	bool WaitFor(std::chrono::milliseconds timeout);
	//! Waits until done, polling `is_interrupted` (may be empty); when it turns true, cancels the call
	//! and returns true once the call is done.
	bool WaitInterruptibly(const std::function<bool()> &is_interrupted);
	//! Cancels the call unless it is done already.
	void CancelUnlessDone();

private:
	std::mutex lock;
	std::condition_variable finished;
	bool done = false;
};

//! Completes background calls on one thread of our own. (gRPC's callback API shares a process-wide
//! queue that aborts when its last channel goes while a callback still finishes.)
class CompletionThread {
public:
	CompletionThread();
	//! Cancels the calls still running and waits for them.
	~CompletionThread();

	grpc::CompletionQueue *Queue() {
		return &queue;
	}
	//! Keeps `call` alive until it completed; returns the tag to pass to Finish.
	void *Track(std::shared_ptr<BackgroundCall> call);

private:
	void Loop();

	grpc::CompletionQueue queue;
	std::mutex lock;
	std::unordered_map<BackgroundCall *, std::shared_ptr<BackgroundCall>> running;
	std::thread thread;
};

struct RemoteChannel {
	std::shared_ptr<grpc::Channel> channel;
	std::unique_ptr<v1::ExecutionService::Stub> stub;
	//! As the user wrote it; for error messages (never holds the token).
	std::string endpoint;
	std::string token;
	//! Declared last so it goes first: its calls use the stub.
	CompletionThread completions;

	//! Adds the authorization metadata to a call.
	void PrepareContext(grpc::ClientContext &context) const;
};

//! The DuckDB error for a failed call, whether it failed starting or streaming. Errors the server
//! raised keep their type and message; transport failures name the endpoint. Never the token.
duckdb::ErrorData CallError(const grpc::Status &status, const grpc::ClientContext &context,
                            const std::string &endpoint);

} // namespace openduck
