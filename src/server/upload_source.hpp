//===----------------------------------------------------------------------===//
// OpenDuck
//
// server/upload_source.hpp
//
// The rows of one ExecuteWithUpload call: an Arrow IPC stream that arrives in
// gRPC messages and is decoded only as DuckDB asks for rows, so a large upload
// never sits in memory.
//===----------------------------------------------------------------------===//

#pragma once

#include "duckdb.hpp"
#include "duckdb/common/arrow/arrow.hpp"
#include "duckdb/main/client_context_state.hpp"
#include "openduck/v1/execution.grpc.pb.h"
#include "protocol/arrow_ipc_reader.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace openduck {

//! Lives in the ClientContext of the connection running the upload's statements (key
//! UploadSource::STATE_KEY) for the duration of the call; openduck_upload() finds it there.
class UploadSource : public duckdb::ClientContextState {
public:
	static constexpr const char *STATE_KEY = "openduck_upload";

	explicit UploadSource(grpc::ServerReader<v1::UploadMessage> &reader);
	~UploadSource() override;

	//! Decodes Arrow IPC bytes that came with the first message.
	void Feed(std::string bytes);
	//! Reads messages until the Schema is known and exports it (caller releases it).
	void ExportSchema(ArrowSchema &out);
	//! Moves the next non-empty record batch into `out` (caller releases it), reading messages as
	//! needed. Returns false after the end-of-stream marker. Throws when the call ends first.
	bool NextBatch(ArrowArray &out);
	//! Marks the stream taken by a scan; a second scan of the same upload fails.
	void Claim();
	//! Ends reading for the statement (openduck_upload() then fails), then reads and drops what
	//! the client still sends, so its writes complete and it gets the response.
	void CloseAndDrain();

	uint64_t Rows();
	uint64_t Bytes();

private:
	//! Reads and decodes one more message; false when the call has no more.
	bool ReadMessageLocked();
	void FeedLocked(std::string &bytes);

	std::mutex lock;
	grpc::ServerReader<v1::UploadMessage> &reader;
	ArrowIpcStreamReader decoder;
	v1::UploadMessage message;
	//! Buffers whose batches were consumed, reused for the next messages: a fresh multi-megabyte
	//! buffer per message costs page faults on every byte.
	std::shared_ptr<std::vector<std::string>> spare_buffers;
	std::shared_ptr<std::mutex> spare_lock;
	bool call_ended = false;
	bool closed = false;
	bool claimed = false;
	uint64_t rows = 0;
	uint64_t bytes = 0;
};

} // namespace openduck
