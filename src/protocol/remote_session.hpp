//===----------------------------------------------------------------------===//
// OpenDuck
//
// protocol/remote_session.hpp
//
// A server session (OpenSession): one server connection whose transaction
// spans calls. It lives as long as its OpenSession call stays open; ending the
// call (here, or by the client process dying) makes the server roll back.
//===----------------------------------------------------------------------===//

#pragma once

#include "protocol/remote_channel.hpp"

#include <memory>
#include <string>

namespace openduck {

class RemoteSession {
public:
	//! Opens the session; throws the server's error (unknown database, bad token...).
	RemoteSession(std::shared_ptr<RemoteChannel> channel, const std::string &database, bool read_only,
	              const std::string &snapshot = std::string());
	//! Ends the session: the server rolls back whatever it did not commit.
	~RemoteSession();

	const std::string &Id() const {
		return session_id;
	}

private:
	std::shared_ptr<RemoteChannel> channel;
	grpc::ClientContext context;
	std::unique_ptr<grpc::ClientReader<v1::SessionEvent>> reader;
	std::string session_id;
};

} // namespace openduck
