#include "duckdb/common/exception.hpp"
#include "protocol/endpoint.hpp"
#include "server/health_http_server.hpp"
#include "server/token_auth.hpp"

#include <gtest/gtest.h>

using openduck::ParseEndpoint;

TEST(Endpoint, HttpWithPort) {
	auto config = ParseEndpoint("http://localhost:7878");
	EXPECT_EQ(config.target, "localhost:7878");
	EXPECT_FALSE(config.use_tls);
}

TEST(Endpoint, DefaultsAndSchemes) {
	EXPECT_EQ(ParseEndpoint("localhost").target, "localhost:7878");
	EXPECT_EQ(ParseEndpoint("http://127.0.0.1").target, "127.0.0.1:7878");
	EXPECT_EQ(ParseEndpoint("http://db.example.com:9000/").target, "db.example.com:9000");
	auto tls = ParseEndpoint("https://db.example.com");
	EXPECT_TRUE(tls.use_tls);
	EXPECT_EQ(tls.target, "db.example.com:443");
	EXPECT_EQ(ParseEndpoint("http://[::1]:7000").target, "[::1]:7000");
}

TEST(Endpoint, RejectsBadInput) {
	EXPECT_THROW(ParseEndpoint("ftp://host"), duckdb::InvalidInputException);
	EXPECT_THROW(ParseEndpoint("http://"), duckdb::InvalidInputException);
	EXPECT_THROW(ParseEndpoint("http://host:port"), duckdb::InvalidInputException);
	EXPECT_THROW(ParseEndpoint("http://host:99999"), duckdb::InvalidInputException);
	EXPECT_THROW(ParseEndpoint("http://ho st:1"), duckdb::InvalidInputException);
	try {
		ParseEndpoint("gopher://x");
		FAIL();
	} catch (std::exception &ex) {
		EXPECT_NE(std::string(ex.what()).find("gopher://x"), std::string::npos);
	}
}

TEST(TokenAuth, ConstantTimeEquals) {
	EXPECT_TRUE(openduck::ConstantTimeEquals("", ""));
	EXPECT_TRUE(openduck::ConstantTimeEquals("secret", "secret"));
	EXPECT_FALSE(openduck::ConstantTimeEquals("secret", "secreT"));
	EXPECT_FALSE(openduck::ConstantTimeEquals("secret", "secret1"));
	EXPECT_FALSE(openduck::ConstantTimeEquals("secret1", "secret"));
	EXPECT_FALSE(openduck::ConstantTimeEquals("", "x"));
}

TEST(HealthHttpServer, LoopbackDetection) {
	EXPECT_TRUE(openduck::IsLoopbackHost("127.0.0.1"));
	EXPECT_TRUE(openduck::IsLoopbackHost("127.1.2.3"));
	EXPECT_TRUE(openduck::IsLoopbackHost("localhost"));
	EXPECT_TRUE(openduck::IsLoopbackHost("::1"));
	EXPECT_FALSE(openduck::IsLoopbackHost("0.0.0.0"));
	EXPECT_FALSE(openduck::IsLoopbackHost("10.0.0.1"));
	EXPECT_FALSE(openduck::IsLoopbackHost("::"));
}
