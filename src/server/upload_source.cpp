#include "server/upload_source.hpp"

#include "duckdb/common/exception.hpp"

namespace openduck {

//! Spare receive buffers kept for reuse; the decoder holds about one message's buffer at a time.
static constexpr size_t MAX_SPARE_BUFFERS = 4;

UploadSource::UploadSource(grpc::ServerReader<v1::UploadMessage> &reader_p)
    : reader(reader_p), spare_buffers(std::make_shared<std::vector<std::string>>()),
      spare_lock(std::make_shared<std::mutex>()) {
}

UploadSource::~UploadSource() = default;

static std::string DecodeError(std::exception &ex) {
	return "openduck_upload(): the uploaded bytes are not a valid Arrow IPC stream: " +
	       duckdb::ErrorData(ex).RawMessage();
}

void UploadSource::Feed(std::string bytes_p) {
	std::lock_guard<std::mutex> guard(lock);
	bytes += bytes_p.size();
	FeedLocked(bytes_p);
}

void UploadSource::FeedLocked(std::string &piece_bytes) {
	if (piece_bytes.empty() || decoder.Finished()) {
		// Bytes after the end-of-stream marker are not part of the stream.
		return;
	}
	auto buffer = new std::string();
	buffer->swap(piece_bytes);
	auto spares = spare_buffers;
	auto spares_lock = spare_lock;
	// Decoded arrays point into the buffer; once the last one is released it serves again.
	std::shared_ptr<const std::string> piece(buffer, [spares, spares_lock](const std::string *used) {
		auto owned = const_cast<std::string *>(used);
		{
			std::lock_guard<std::mutex> guard(*spares_lock);
			if (spares->size() < MAX_SPARE_BUFFERS) {
				owned->clear();
				spares->push_back(std::move(*owned));
			}
		}
		delete owned;
	});
	try {
		decoder.Feed(std::move(piece));
	} catch (std::exception &ex) {
		throw duckdb::InvalidInputException(DecodeError(ex));
	}
}

bool UploadSource::ReadMessageLocked() {
	if (closed) {
		throw duckdb::InvalidInputException(
		    "openduck_upload(): the ExecuteWithUpload call this upload came with is over");
	}
	if (call_ended) {
		return false;
	}
	{
		// Parsing keeps the capacity of the string it parses into.
		std::lock_guard<std::mutex> guard(*spare_lock);
		if (!spare_buffers->empty()) {
			message.mutable_arrow_ipc()->swap(spare_buffers->back());
			spare_buffers->pop_back();
		}
	}
	if (!reader.Read(&message)) {
		call_ended = true;
		return false;
	}
	if (message.has_request()) {
		throw duckdb::InvalidInputException(
		    "openduck_upload(): only the first UploadMessage of a call may carry a request");
	}
	bytes += message.arrow_ipc().size();
	FeedLocked(*message.mutable_arrow_ipc());
	return true;
}

void UploadSource::ExportSchema(ArrowSchema &out) {
	std::lock_guard<std::mutex> guard(lock);
	while (!decoder.HasSchema()) {
		if (!ReadMessageLocked()) {
			throw duckdb::IOException("openduck_upload(): the upload ended before its Arrow schema arrived "
			                          "(client disconnected, or sent no arrow_ipc bytes?)");
		}
	}
	decoder.ExportSchema(out);
}

bool UploadSource::NextBatch(ArrowArray &out) {
	std::lock_guard<std::mutex> guard(lock);
	while (true) {
		bool got = false;
		try {
			got = decoder.NextBatch(out);
		} catch (std::exception &ex) {
			throw duckdb::InvalidInputException(DecodeError(ex));
		}
		if (got) {
			if (out.length > 0) {
				rows += static_cast<uint64_t>(out.length);
				return true;
			}
			out.release(&out);
			out.release = nullptr;
			continue;
		}
		if (decoder.Finished()) {
			return false;
		}
		if (!ReadMessageLocked()) {
			throw duckdb::IOException("openduck_upload(): the upload ended before its end-of-stream marker "
			                          "(client disconnected?); the statement changes nothing");
		}
	}
}

void UploadSource::Claim() {
	std::lock_guard<std::mutex> guard(lock);
	if (claimed) {
		throw duckdb::InvalidInputException(
		    "openduck_upload() can be read only once per call: its rows are consumed as they arrive");
	}
	claimed = true;
}

void UploadSource::CloseAndDrain() {
	std::lock_guard<std::mutex> guard(lock);
	closed = true;
	if (call_ended) {
		return;
	}
	v1::UploadMessage unread;
	while (reader.Read(&unread)) {
		bytes += unread.arrow_ipc().size();
	}
	call_ended = true;
}

uint64_t UploadSource::Rows() {
	std::lock_guard<std::mutex> guard(lock);
	return rows;
}

uint64_t UploadSource::Bytes() {
	std::lock_guard<std::mutex> guard(lock);
	return bytes;
}

} // namespace openduck
