#include "functions/openduck_snapshot_functions.hpp"

#include "catalog/openduck_catalog.hpp"
#include "common/sql_quoting.hpp"
#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/parser/parser_extension.hpp"
#include "functions/openduck_query_functions.hpp"

#include <cctype>
#include <cstring>

namespace openduck {

using namespace duckdb; // NOLINT

//! The attached OpenDuck database `name` means: an attach alias first, else the one attached OpenDuck database
//! whose remote database is `name`.
static OpenDuckCatalog &FindOpenDuckDatabase(ClientContext &context, const Value &argument) {
	if (argument.IsNull()) {
		throw BinderException("OpenDuck: the database argument must not be NULL");
	}
	auto name = argument.ToString();
	optional_ptr<OpenDuckCatalog> by_remote_name;
	for (auto &database : DatabaseManager::Get(context).GetDatabases(context)) {
		auto &catalog = database->GetCatalog();
		if (catalog.GetCatalogType() != OpenDuckCatalog::CATALOG_TYPE) {
			continue;
		}
		auto &remote = catalog.Cast<OpenDuckCatalog>();
		if (database->GetName() == name) {
			return remote;
		}
		if (remote.RemoteDatabase() == name) {
			if (by_remote_name) {
				throw BinderException("OpenDuck: more than one attached database reads remote database \"%s\": name "
				                      "one by its alias",
				                      name);
			}
			by_remote_name = &remote;
		}
	}
	if (!by_remote_name) {
		throw BinderException("OpenDuck: \"%s\" is not an attached OpenDuck database (attach it first: ATTACH "
		                      "'openduck:%s')",
		                      name, name);
	}
	return *by_remote_name;
}

static std::string TextArgument(const Value &value, const char *what) {
	if (value.IsNull()) {
		throw BinderException("OpenDuck: the %s must not be NULL", what);
	}
	return value.ToString();
}

static unique_ptr<FunctionData> SnapshotsBind(ClientContext &context, TableFunctionBindInput &input,
                                              vector<LogicalType> &return_types, vector<string> &names) {
	return BindRemoteQuery(context, FindOpenDuckDatabase(context, input.inputs[0]), "FROM openduck_snapshots()",
	                       return_types, names);
}

static unique_ptr<FunctionData> CreateSnapshotBind(ClientContext &context, TableFunctionBindInput &input,
                                                   vector<LogicalType> &return_types, vector<string> &names) {
	auto sql =
	    "FROM openduck_create_snapshot(" + QuoteStringLiteral(TextArgument(input.inputs[1], "snapshot name")) + ")";
	return BindRemoteQuery(context, FindOpenDuckDatabase(context, input.inputs[0]), sql, return_types, names);
}

TableFunction GetOpenDuckSnapshotsFunction() {
	return MakeRemoteQueryFunction("openduck_snapshots", {LogicalType::VARCHAR}, SnapshotsBind);
}

TableFunction GetOpenDuckCreateSnapshotFunction() {
	return MakeRemoteQueryFunction("openduck_create_snapshot", {LogicalType::VARCHAR, LogicalType::VARCHAR},
	                               CreateSnapshotBind);
}

// CREATE DATABASE target FROM source [AT (VERSION => n | TIMESTAMP => '...' | SNAPSHOT => 'name')]

namespace {

struct CreateDatabaseFromData : public ParserExtensionParseData {
	std::string target;
	std::string source;
	std::string snapshot;

	unique_ptr<ParserExtensionParseData> Copy() const override {
		return make_uniq<CreateDatabaseFromData>(*this);
	}
	string ToString() const override {
		return "CREATE DATABASE " + QuoteIdentifier(target) + " FROM " + QuoteIdentifier(source) +
		       (snapshot.empty() ? "" : " AT (SNAPSHOT => " + QuoteStringLiteral(snapshot) + ")");
	}
};

//! A small tokenizer for one statement: identifiers (bare or "quoted"), 'strings', numbers and punctuation.
class StatementTokens {
public:
	explicit StatementTokens(const std::string &text) : text(text) {
	}

	void SkipSpace() {
		while (position < text.size() && (std::isspace(static_cast<unsigned char>(text[position])) ||
		                                  (text[position] == ';' && OnlySpaceAfter(position + 1)))) {
			position++;
		}
	}
	bool AtEnd() {
		SkipSpace();
		return position >= text.size();
	}
	//! Consumes a keyword (case-insensitive, whole word) when it is next.
	bool Keyword(const char *word) {
		SkipSpace();
		auto length = std::strlen(word);
		if (text.size() - position < length) {
			return false;
		}
		for (size_t i = 0; i < length; i++) {
			if (std::toupper(static_cast<unsigned char>(text[position + i])) != word[i]) {
				return false;
			}
		}
		auto after = position + length;
		if (after < text.size() && (std::isalnum(static_cast<unsigned char>(text[after])) || text[after] == '_')) {
			return false;
		}
		position = after;
		return true;
	}
	bool Symbol(const char *symbol) {
		SkipSpace();
		auto length = std::strlen(symbol);
		if (text.compare(position, length, symbol) != 0) {
			return false;
		}
		position += length;
		return true;
	}
	//! An identifier; throws ParserException when there is none.
	std::string Identifier(const char *what) {
		SkipSpace();
		if (position < text.size() && text[position] == '"') {
			return Quoted('"', what);
		}
		auto start = position;
		while (position < text.size() && (std::isalnum(static_cast<unsigned char>(text[position])) ||
		                                  text[position] == '_' || text[position] == '-')) {
			position++;
		}
		if (start == position) {
			throw ParserException("CREATE DATABASE ... FROM: expected %s", what);
		}
		return text.substr(start, position - start);
	}
	//! A 'string' or a bare number, as text.
	std::string Literal(const char *what) {
		SkipSpace();
		if (position < text.size() && text[position] == '\'') {
			return Quoted('\'', what);
		}
		auto start = position;
		while (position < text.size() && std::isdigit(static_cast<unsigned char>(text[position]))) {
			position++;
		}
		if (start == position) {
			throw ParserException("CREATE DATABASE ... FROM: expected %s", what);
		}
		return text.substr(start, position - start);
	}

private:
	bool OnlySpaceAfter(size_t from) const {
		for (auto i = from; i < text.size(); i++) {
			if (!std::isspace(static_cast<unsigned char>(text[i]))) {
				return false;
			}
		}
		return true;
	}
	std::string Quoted(char quote, const char *what) {
		std::string result;
		for (position++; position < text.size(); position++) {
			if (text[position] == quote) {
				if (position + 1 < text.size() && text[position + 1] == quote) {
					result += quote;
					position++;
					continue;
				}
				position++;
				return result;
			}
			result += text[position];
		}
		throw ParserException("CREATE DATABASE ... FROM: unterminated %s", what);
	}

	const std::string &text;
	size_t position = 0;
};

ParserExtensionParseResult ParseCreateDatabaseFrom(ParserExtensionInfo *, const string &query) {
	StatementTokens tokens(query);
	if (!tokens.Keyword("CREATE") || !tokens.Keyword("DATABASE")) {
		return ParserExtensionParseResult();
	}
	try {
		auto data = make_uniq<CreateDatabaseFromData>();
		data->target = tokens.Identifier("the new database's name");
		if (!tokens.Keyword("FROM")) {
			throw ParserException("OpenDuck supports CREATE DATABASE <name> FROM <database> (a zero-copy clone)");
		}
		data->source = tokens.Identifier("the database to clone");
		if (tokens.Keyword("AT")) {
			if (!tokens.Symbol("(")) {
				throw ParserException("CREATE DATABASE ... FROM ... AT: expected (VERSION => ...)");
			}
			if (tokens.Keyword("VERSION") || tokens.Keyword("SNAPSHOT") || tokens.Keyword("TIMESTAMP")) {
				if (!tokens.Symbol("=>")) {
					throw ParserException("CREATE DATABASE ... FROM ... AT: expected =>");
				}
				data->snapshot = tokens.Literal("a snapshot id, name or time");
			} else {
				throw ParserException("CREATE DATABASE ... FROM ... AT: use VERSION, TIMESTAMP or SNAPSHOT");
			}
			if (!tokens.Symbol(")")) {
				throw ParserException("CREATE DATABASE ... FROM ... AT (...): expected )");
			}
		}
		if (!tokens.AtEnd()) {
			throw ParserException("CREATE DATABASE ... FROM: unexpected text after the statement");
		}
		return ParserExtensionParseResult(std::move(data));
	} catch (ParserException &ex) {
		return ParserExtensionParseResult(ErrorData(ex).RawMessage());
	}
}

unique_ptr<FunctionData> CreateDatabaseFromBind(ClientContext &context, TableFunctionBindInput &input,
                                                vector<LogicalType> &return_types, vector<string> &names) {
	auto &source = FindOpenDuckDatabase(context, input.inputs[0]);
	// The new database, its first snapshot and the snapshot it was cloned from.
	auto sql = "SELECT database_name, snapshot_id, parent_snapshot_id AS source_snapshot_id FROM "
	           "openduck_clone_database(" +
	           QuoteStringLiteral(input.inputs[1].ToString());
	if (!input.inputs[2].ToString().empty()) {
		sql += ", " + QuoteStringLiteral(input.inputs[2].ToString());
	}
	sql += ")";
	return BindRemoteQuery(context, source, sql, return_types, names);
}

ParserExtensionPlanResult PlanCreateDatabaseFrom(ParserExtensionInfo *, ClientContext &context,
                                                 unique_ptr<ParserExtensionParseData> parse_data) {
	auto &data = static_cast<CreateDatabaseFromData &>(*parse_data);
	auto &source = FindOpenDuckDatabase(context, Value(data.source));
	ParserExtensionPlanResult result;
	result.function = MakeRemoteQueryFunction("openduck_create_database_from",
	                                          {LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR},
	                                          CreateDatabaseFromBind);
	result.parameters = {Value(source.GetAttached().GetName()), Value(data.target), Value(data.snapshot)};
	// A clone is a write on the server: a READ_ONLY attach refuses it before anything is sent.
	StatementProperties::ModificationInfo modification;
	modification.identity.catalog_oid = source.GetOid();
	result.modified_databases[source.GetAttached().GetName()] = modification;
	result.requires_valid_transaction = true;
	result.return_type = StatementReturnType::QUERY_RESULT;
	return result;
}

} // namespace

void RegisterCreateDatabaseParser(DBConfig &config) {
	ParserExtension extension;
	extension.parse_function = ParseCreateDatabaseFrom;
	extension.plan_function = PlanCreateDatabaseFrom;
	ParserExtension::Register(config, extension);
}

} // namespace openduck
