#include "storage/storage_config.hpp"

#include <filesystem>

namespace openduck {

void StorageConfig::ApplyEnvironment(const std::function<const char *(const char *)> &getenv) {
	auto fill = [&](std::string &field, std::initializer_list<const char *> names) {
		for (auto name : names) {
			auto value = getenv(name);
			if (field.empty() && value && *value) {
				field = value;
			}
		}
	};
	fill(metadata_url, {"OPENDUCK_METADATA"});
	fill(store_url, {"OPENDUCK_STORE"});
	fill(s3.endpoint, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
	fill(s3.region, {"AWS_REGION", "AWS_DEFAULT_REGION"});
	fill(s3.access_key_id, {"AWS_ACCESS_KEY_ID"});
	fill(s3.secret_access_key, {"AWS_SECRET_ACCESS_KEY"});
	fill(s3.session_token, {"AWS_SESSION_TOKEN"});
}

bool StorageConfig::UsesSharedServices() const {
	return !metadata_url.empty() || !store_url.empty();
}

std::string StorageConfig::LocalObjectsDirectory() const {
	if (store_url.empty()) {
		return (std::filesystem::path(data_dir) / "objects").string();
	}
	if (store_url.rfind("file:", 0) == 0) {
		return store_url.substr(5);
	}
	return std::string();
}

} // namespace openduck
