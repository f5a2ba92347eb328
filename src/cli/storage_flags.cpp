#include "cli/storage_flags.hpp"

#include "duckdb.hpp"

#include <cctype>
#include <cstdlib>

namespace openduck {

const char *STORAGE_FLAGS_HELP =
    R"(      --data-dir DIR         Directory holding the databases. Default: $OPENDUCK_DATA_DIR, else
                             ./openduck-data
      --storage KIND         How databases are stored: "layered" (differential storage: immutable
                             layers plus snapshot metadata, with time travel, clones and replicas;
                             see docs/storage.md) or "file" (one plain DuckDB file per database,
                             no snapshots). Default: $OPENDUCK_STORAGE, else layered
      --metadata URL         Layered storage metadata: sqlite:PATH (default DIR/metadata.sqlite) or
                             postgres://user:pass@host:port/dbname. Default: $OPENDUCK_METADATA
      --store URL            Layered storage objects: file:PATH (default DIR/objects) or
                             s3://bucket/prefix. Default: $OPENDUCK_STORE
      --s3-endpoint URL      S3-compatible endpoint, e.g. http://127.0.0.1:9000. Default:
                             $AWS_ENDPOINT_URL, else AWS. Keys come from $AWS_ACCESS_KEY_ID,
                             $AWS_SECRET_ACCESS_KEY (and $AWS_SESSION_TOKEN)
      --s3-region REGION     Default: $AWS_REGION, else $AWS_DEFAULT_REGION, else us-east-1
      --cache-dir DIR        Local read cache for layers of a remote store. Default: DIR/cache
      --cache-size SIZE      Cache cap, e.g. 512MB or 8GB. Default: 8GB
      --min-free-space SIZE  Refuse writes (with a clear error; reads go on) while the disk holding
                             the database data has less free space than this, so that a commit
                             never runs out of space halfway; 0 turns it off. Default:
                             $OPENDUCK_MIN_FREE_SPACE, else 64MB
      --replica              Serve as a read replica: read-only, always the newest published
                             snapshot (needs shared --metadata/--store, or the same --data-dir)
      --retention DURATION   How long snapshots stay available for time travel before garbage
                             collection may remove them, e.g. 30s, 12h, 7d. Named snapshots stay.
                             Default: 7d
)";

StorageConfig StorageConfigFromEnvironment() {
	StorageConfig config;
	// Empty until a flag or the environment names it: FinishStorageConfig then picks the default.
	config.kind.clear();
	if (auto dir = std::getenv("OPENDUCK_DATA_DIR")) {
		config.data_dir = dir;
	}
	if (auto kind = std::getenv("OPENDUCK_STORAGE")) {
		config.kind = kind;
	}
	if (auto min_free = std::getenv("OPENDUCK_MIN_FREE_SPACE")) {
		config.min_free_bytes = ParseByteSize(min_free);
	}
	return config;
}

bool ParseStorageFlag(const std::string &arg, const std::function<std::string()> &next_value, StorageConfig &config) {
	if (arg == "--data-dir") {
		config.data_dir = next_value();
	} else if (arg == "--storage") {
		config.kind = next_value();
		if (config.kind != "file" && config.kind != "layered") {
			throw duckdb::InvalidInputException("invalid --storage \"%s\" (file or layered)", config.kind);
		}
	} else if (arg == "--metadata") {
		config.metadata_url = next_value();
	} else if (arg == "--store") {
		config.store_url = next_value();
	} else if (arg == "--s3-endpoint") {
		config.s3.endpoint = next_value();
	} else if (arg == "--s3-region") {
		config.s3.region = next_value();
	} else if (arg == "--cache-dir") {
		config.cache_dir = next_value();
	} else if (arg == "--cache-size") {
		config.cache_bytes = ParseByteSize(next_value());
	} else if (arg == "--min-free-space") {
		config.min_free_bytes = ParseByteSize(next_value());
	} else if (arg == "--replica") {
		config.replica = true;
	} else if (arg == "--retention") {
		config.retention_ms = ParseDurationMilliseconds(next_value());
	} else {
		return false;
	}
	return true;
}

void FinishStorageConfig(StorageConfig &config) {
	config.ApplyEnvironment([](const char *name) { return std::getenv(name); });
	if (config.kind.empty()) {
		config.kind = "layered";
	}
	if (config.replica && config.kind != "layered") {
		throw duckdb::InvalidInputException("--replica needs layered storage (drop --storage file)");
	}
	if (config.kind != "file" && config.kind != "layered") {
		throw duckdb::InvalidInputException("invalid storage kind \"%s\" (file or layered)", config.kind);
	}
}

//! Splits "123unit" into its number and unit; false when there is no number.
static bool SplitNumber(const std::string &text, uint64_t &number, std::string &unit) {
	size_t digits = 0;
	while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
		digits++;
	}
	if (digits == 0 || digits > 15) {
		return false;
	}
	number = std::stoull(text.substr(0, digits));
	unit = text.substr(digits);
	for (auto &c : unit) {
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	}
	return true;
}

int64_t ParseDurationMilliseconds(const std::string &text) {
	uint64_t number = 0;
	std::string unit;
	if (SplitNumber(text, number, unit)) {
		static const std::pair<const char *, uint64_t> UNITS[] = {{"", 1},      {"ms", 1},      {"s", 1000},
		                                                          {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
		for (auto &entry : UNITS) {
			if (unit == entry.first) {
				return static_cast<int64_t>(number * entry.second);
			}
		}
	}
	throw duckdb::InvalidInputException("invalid duration \"%s\": use e.g. 500ms, 30s, 15m, 12h or 7d", text);
}

uint64_t ParseByteSize(const std::string &text) {
	uint64_t number = 0;
	std::string unit;
	if (SplitNumber(text, number, unit)) {
		static const std::pair<const char *, uint64_t> UNITS[] = {
		    {"", 1}, {"b", 1}, {"kb", 1ULL << 10}, {"mb", 1ULL << 20}, {"gb", 1ULL << 30}, {"tb", 1ULL << 40}};
		for (auto &entry : UNITS) {
			if (unit == entry.first) {
				return number * entry.second;
			}
		}
	}
	throw duckdb::InvalidInputException("invalid size \"%s\": use e.g. 512MB or 8GB", text);
}

} // namespace openduck
