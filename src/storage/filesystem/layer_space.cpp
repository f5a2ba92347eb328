#include "storage/filesystem/layer_space.hpp"

#include "duckdb.hpp"
#include "storage/filesystem/interval_lookup.hpp"
#include "storage/filesystem/layer_merge.hpp"
#include "storage/layers/layer_writer.hpp"

#include <cstdio>
#include <cstring>
#include <limits>

namespace openduck {

static constexpr uint64_t END_OF_FILE = std::numeric_limits<uint64_t>::max();

LayerSpace::Piece LayerSpace::Piece::Advanced(uint64_t delta) const {
	Piece result = *this;
	result.length -= delta;
	if (buffer) {
		result.buffer_offset += delta;
	} else {
		result.skip += delta;
	}
	return result;
}

LayerSpace::LayerSpace(std::string database_p, std::shared_ptr<LayerReaderCache> layers_p,
                       std::shared_ptr<MetadataStore> metadata_p, WriterLease lease_p, int64_t lease_ttl_ms_p)
    : database(std::move(database_p)), layers(std::move(layers_p)), metadata(std::move(metadata_p)),
      lease(std::move(lease_p)), lease_ttl_ms(lease_ttl_ms_p) {
}

LayerSpace::LayerSpace(std::string database_p, std::shared_ptr<LayerReaderCache> layers_p,
                       std::shared_ptr<MetadataStore> metadata_p)
    : database(std::move(database_p)), layers(std::move(layers_p)), metadata(std::move(metadata_p)), read_only(true) {
}

std::shared_ptr<const LayerReader> LayerSpace::OpenLayer(const std::string &object_key, bool inlined) {
	return layers->Open(database, object_key, inlined);
}

void LayerSpace::Load(int64_t wanted_snapshot) {
	std::lock_guard<std::mutex> guard(lock);
	auto snapshot =
	    wanted_snapshot == 0 ? metadata->LatestSnapshot(database) : metadata->GetSnapshot(database, wanted_snapshot);
	if (wanted_snapshot != 0 && snapshot.id == 0) {
		throw duckdb::InvalidInputException("database \"%s\" has no snapshot %lld", database,
		                                    (long long)wanted_snapshot);
	}
	snapshot_id = snapshot.id;
	if (snapshot.id == 0) {
		return;
	}
	for (auto &layer : metadata->SnapshotLayers(snapshot.id)) {
		ApplyLayer(OpenLayer(layer.object_key, layer.inlined), layer.size_bytes);
	}
	AdoptFileNames();
}

void LayerSpace::AdoptFileNames() {
	// DuckDB names a database's files after the database ("<db>.duckdb", "<db>.duckdb.wal"). A clone starts
	// from its source's layers, so its files still carry the source's name: rename them (in memory; a writer's
	// next seal records it).
	static const std::string MAIN_SUFFIX = ".duckdb";
	auto own_main = database + MAIN_SUFFIX;
	if (names.count(own_main)) {
		return;
	}
	std::string source_main;
	for (auto &entry : names) {
		auto &name = entry.first;
		if (name.size() > MAIN_SUFFIX.size() &&
		    name.compare(name.size() - MAIN_SUFFIX.size(), MAIN_SUFFIX.size(), MAIN_SUFFIX) == 0) {
			if (!source_main.empty()) {
				return;
			}
			source_main = name;
		}
	}
	if (source_main.empty()) {
		return;
	}
	std::map<std::string, uint64_t> renamed;
	for (auto &entry : names) {
		auto &name = entry.first;
		if (name.compare(0, source_main.size(), source_main) == 0) {
			renamed[own_main + name.substr(source_main.size())] = entry.second;
		} else {
			renamed[name] = entry.second;
		}
	}
	names = std::move(renamed);
	dirty = !read_only;
}

void LayerSpace::ApplyLayer(std::shared_ptr<const LayerReader> layer, uint64_t size_bytes) {
	stack.emplace_back(layer, size_bytes);
	auto &index = layer->Index();
	std::map<std::string, uint64_t> new_names;
	std::unordered_map<uint64_t, FileState> new_files;
	for (auto &entry : index.files) {
		auto &file = new_files[entry.file_id];
		auto existing = files.find(entry.file_id);
		if (existing != files.end()) {
			file.pieces = std::move(existing->second.pieces);
			file.active = std::move(existing->second.active);
			Cut(file, entry.truncate_floor, END_OF_FILE);
		}
		file.size = entry.size;
		file.truncate_floor = entry.size;
		new_names[entry.name] = entry.file_id;
	}
	for (uint32_t i = 0; i < index.extents.size(); i++) {
		auto &extent = index.extents[i];
		auto &file = new_files[extent.file_id];
		Cut(file, extent.file_offset, extent.file_offset + extent.length);
		Piece piece;
		piece.length = extent.length;
		piece.layer = layer;
		piece.extent = i;
		file.pieces.emplace(extent.file_offset, std::move(piece));
	}
	for (auto &entry : new_files) {
		Cut(entry.second, entry.second.size, END_OF_FILE);
	}
	names = std::move(new_names);
	files = std::move(new_files);
	next_file_id = index.next_file_id;
	sealed_layers++;
}

void LayerSpace::Cut(FileState &file, uint64_t start, uint64_t end) {
	auto &pieces = file.pieces;
	if (start >= end) {
		return;
	}
	auto it = FirstRunEndingAfter(pieces, start);
	while (it != pieces.end() && it->first < end) {
		auto piece_start = it->first;
		auto piece_end = piece_start + it->second.length;
		if (piece_end > end) {
			// Keep the tail past the cut.
			pieces.emplace(end, it->second.Advanced(end - piece_start));
			if (it->second.buffer) {
				file.active.insert(end);
			}
		}
		if (piece_start < start) {
			// Keep the head before the cut.
			it->second.length = start - piece_start;
			++it;
		} else {
			if (it->second.buffer) {
				file.active.erase(piece_start);
			}
			it = pieces.erase(it);
		}
	}
}

LayerSpace::FileState &LayerSpace::File(uint64_t file_id) {
	auto entry = files.find(file_id);
	if (entry == files.end()) {
		throw duckdb::InternalException("database \"%s\": no logical file with id %llu", database,
		                                (unsigned long long)file_id);
	}
	return entry->second;
}

void LayerSpace::CheckUsable() const {
	if (read_only) {
		throw duckdb::IOException("database \"%s\" at snapshot %lld is read-only", database, (long long)snapshot_id);
	}
	if (!failure.empty()) {
		throw duckdb::IOException("database \"%s\" refuses writes after a failed commit (%s); it reopens from the "
		                          "newest snapshot for the next request",
		                          database, failure);
	}
}

bool LayerSpace::Exists(const std::string &name) {
	std::lock_guard<std::mutex> guard(lock);
	return names.count(name) > 0;
}

int64_t LayerSpace::Open(const std::string &name, bool create, bool truncate) {
	std::lock_guard<std::mutex> guard(lock);
	auto entry = names.find(name);
	if (entry == names.end()) {
		if (!create) {
			return -1;
		}
		CheckUsable();
		auto file_id = next_file_id++;
		names[name] = file_id;
		files[file_id] = FileState();
		dirty = true;
		return static_cast<int64_t>(file_id);
	}
	if (truncate) {
		CheckUsable();
		auto &file = File(entry->second);
		Cut(file, 0, END_OF_FILE);
		file.size = 0;
		file.truncate_floor = 0;
		dirty = true;
	}
	return static_cast<int64_t>(entry->second);
}

void LayerSpace::Retain(uint64_t file_id) {
	std::lock_guard<std::mutex> guard(lock);
	File(file_id).handles++;
}

void LayerSpace::Release(uint64_t file_id) {
	std::lock_guard<std::mutex> guard(lock);
	File(file_id).handles--;
	DropIfUnused(file_id);
}

void LayerSpace::DropIfUnused(uint64_t file_id) {
	auto &file = File(file_id);
	if (file.removed && file.handles == 0) {
		files.erase(file_id);
	}
}

std::vector<std::string> LayerSpace::List() {
	std::lock_guard<std::mutex> guard(lock);
	std::vector<std::string> result;
	for (auto &entry : names) {
		result.push_back(entry.first);
	}
	return result;
}

uint64_t LayerSpace::Read(uint64_t file_id, uint64_t offset, uint64_t length, char *out) {
	// Resolve the pieces under the lock, then copy without it: active buffers and layer readers are immutable,
	// so reads of sealed data (object store I/O and checksums) never block writers or other readers.
	std::vector<std::pair<uint64_t, Piece>> plan;
	uint64_t available;
	{
		std::lock_guard<std::mutex> guard(lock);
		auto &file = File(file_id);
		if (offset >= file.size) {
			return 0;
		}
		available = std::min(length, file.size - offset);
		auto end = offset + available;
		auto it = FirstRunEndingAfter(file.pieces, offset);
		for (; it != file.pieces.end() && it->first < end; ++it) {
			auto piece = it->second;
			auto piece_start = it->first;
			if (piece_start < offset) {
				piece = piece.Advanced(offset - piece_start);
				piece_start = offset;
			}
			piece.length = std::min(piece.length, end - piece_start);
			plan.emplace_back(piece_start - offset, std::move(piece));
		}
	}
	uint64_t filled = 0;
	for (auto &step : plan) {
		auto destination = step.first;
		auto &piece = step.second;
		if (destination > filled) {
			std::memset(out + filled, 0, destination - filled);
		}
		if (piece.buffer) {
			std::memcpy(out + destination, piece.buffer->data() + piece.buffer_offset, piece.length);
		} else {
			piece.layer->ReadExtent(piece.extent, piece.skip, piece.length, out + destination);
		}
		filled = destination + piece.length;
	}
	if (available > filled) {
		std::memset(out + filled, 0, available - filled);
	}
	return available;
}

void LayerSpace::Write(uint64_t file_id, uint64_t offset, const char *data, uint64_t length) {
	if (length == 0) {
		return;
	}
	auto buffer = std::make_shared<const std::string>(data, length);
	std::lock_guard<std::mutex> guard(lock);
	CheckUsable();
	auto &file = File(file_id);
	Cut(file, offset, offset + length);
	Piece piece;
	piece.length = length;
	piece.buffer = std::move(buffer);
	file.pieces.emplace(offset, std::move(piece));
	file.active.insert(offset);
	file.size = std::max(file.size, offset + length);
	active_bytes += length;
	dirty = true;
}

uint64_t LayerSpace::Size(uint64_t file_id) {
	std::lock_guard<std::mutex> guard(lock);
	return File(file_id).size;
}

void LayerSpace::Truncate(uint64_t file_id, uint64_t size) {
	std::lock_guard<std::mutex> guard(lock);
	if (read_only || failure.empty()) {
		CheckUsable();
	}
	// After a failed seal DuckDB reverts the commit by truncating its WAL, on a path that must not throw. Memory
	// may follow (nothing of this space is published any more).
	auto &file = File(file_id);
	Cut(file, size, END_OF_FILE);
	file.size = size;
	file.truncate_floor = std::min(file.truncate_floor, size);
	dirty = true;
}

bool LayerSpace::Remove(const std::string &name) {
	std::lock_guard<std::mutex> guard(lock);
	auto entry = names.find(name);
	if (entry == names.end()) {
		return false;
	}
	CheckUsable();
	auto file_id = entry->second;
	names.erase(entry);
	File(file_id).removed = true;
	DropIfUnused(file_id);
	dirty = true;
	SealLocked();
	return true;
}

void LayerSpace::Move(const std::string &source, const std::string &target) {
	std::lock_guard<std::mutex> guard(lock);
	auto entry = names.find(source);
	if (entry == names.end()) {
		throw duckdb::IOException("database \"%s\": cannot move \"%s\": no such file", database, source);
	}
	CheckUsable();
	auto file_id = entry->second;
	names.erase(entry);
	auto replaced = names.find(target);
	if (replaced != names.end()) {
		auto replaced_id = replaced->second;
		names.erase(replaced);
		File(replaced_id).removed = true;
		DropIfUnused(replaced_id);
	}
	names[target] = file_id;
	dirty = true;
	SealLocked();
}

void LayerSpace::Seal() {
	size_t layer_count;
	std::function<void(size_t)> listener;
	{
		std::lock_guard<std::mutex> guard(lock);
		auto seals_before = seals;
		SealLocked();
		if (seals == seals_before) {
			return;
		}
		layer_count = stack.size();
		listener = seal_listener;
	}
	if (listener) {
		listener(layer_count);
	}
}

std::string LayerSpace::NextLayerNameLocked() {
	char sequence[64];
	std::snprintf(sequence, sizeof(sequence), "%010lld-%010llu", (long long)lease.fencing_token,
	              (unsigned long long)++seal_sequence);
	return sequence;
}

std::string LayerSpace::LayerKey(const std::string &layer_name, bool inlined) const {
	return database + (inlined ? "/inline/" : "/layers/") + layer_name + ".layer";
}

void LayerSpace::SetSealListener(std::function<void(size_t)> listener) {
	std::lock_guard<std::mutex> guard(lock);
	seal_listener = std::move(listener);
}

CompactionPlan LayerSpace::PlanCompaction(size_t min_layers) {
	std::lock_guard<std::mutex> guard(lock);
	CompactionPlan plan;
	if (read_only || !failure.empty() || stack.size() < std::max<size_t>(min_layers, 2)) {
		return plan;
	}
	if (dirty) {
		// A space mid-commit cannot take the result (Compact would refuse it): plan again once it settled.
		plan.busy = true;
		return plan;
	}
	// Grow the run downwards while the next layer is at most twice what the run holds: recent small layers
	// merge often, big old ones rarely, so each byte is rewritten a logarithmic number of times.
	auto first = stack.size() - 1;
	uint64_t run_bytes = stack[first].second;
	while (first > 0 && stack[first - 1].second <= 2 * run_bytes) {
		first--;
		run_bytes += stack[first].second;
	}
	if (stack.size() - first < 2) {
		return plan;
	}
	plan.parent = snapshot_id;
	plan.first_position = first;
	for (auto i = first; i < stack.size(); i++) {
		plan.run.push_back(stack[i].first);
	}
	auto layer_name = NextLayerNameLocked();
	plan.object_key = LayerKey(layer_name, false);
	plan.inline_key = LayerKey(layer_name, true);
	return plan;
}

bool LayerSpace::Compact(const CompactionPlan &plan) {
	if (plan.run.empty()) {
		return false;
	}
	// Layers are immutable, so the merge reads them without the lock.
	auto object = std::make_shared<const std::string>(MergeLayers(plan.run));
	// Merged small layers may still be small: then they stay in the metadata store, with no object write.
	bool inlined = object->size() <= INLINE_LAYER_LIMIT;
	auto key = inlined ? plan.inline_key : plan.object_key;
	std::shared_ptr<const LayerReader> merged;
	if (inlined) {
		merged = layers->OpenInlined(database, key, object);
	} else {
		layers->Objects().Put(key, *object);
		merged = OpenLayer(key, false);
	}
	std::lock_guard<std::mutex> guard(lock);
	bool same_run = plan.first_position + plan.run.size() <= stack.size();
	for (size_t i = 0; same_run && i < plan.run.size(); i++) {
		same_run = stack[plan.first_position + i].first == plan.run[i];
	}
	bool files_settled = true;
	for (auto &entry : files) {
		files_settled = files_settled && !entry.second.removed;
	}
	// Re-pointing the map needs a settled space: no active bytes, no removed file still open.
	if (!same_run || dirty || !files_settled || !failure.empty()) {
		if (!inlined) {
			layers->Objects().Delete(key);
		}
		return false;
	}
	LayerRecord record;
	record.object_key = key;
	record.size_bytes = object->size();
	record.inlined = inlined;
	if (inlined) {
		record.inline_data = *object;
	}
	SnapshotRecord snapshot;
	try {
		snapshot =
		    metadata->PublishCompaction(lease, snapshot_id, record, plan.first_position, plan.run.size(), lease_ttl_ms);
	} catch (std::exception &) {
		// Unpublished, so the content is unchanged; the object goes with the next garbage collection.
		return false;
	}
	auto new_stack = std::vector<std::pair<std::shared_ptr<const LayerReader>, uint64_t>>(
	    stack.begin(), stack.begin() + static_cast<std::ptrdiff_t>(plan.first_position));
	new_stack.emplace_back(merged, object->size());
	new_stack.insert(new_stack.end(),
	                 stack.begin() + static_cast<std::ptrdiff_t>(plan.first_position + plan.run.size()), stack.end());
	snapshot_id = snapshot.id;
	if (RepointAtMerged(plan, merged)) {
		stack = std::move(new_stack);
		sealed_layers = stack.size();
		return true;
	}
	// Rebuild the map from the new list (indexes are in memory), keeping the open handles' counts.
	compaction_rebuilds++;
	std::unordered_map<uint64_t, uint32_t> handles;
	for (auto &entry : files) {
		handles[entry.first] = entry.second.handles;
	}
	names.clear();
	files.clear();
	stack.clear();
	sealed_layers = 0;
	for (auto &entry : new_stack) {
		ApplyLayer(entry.first, entry.second);
	}
	for (auto &entry : handles) {
		auto file = files.find(entry.first);
		if (file != files.end()) {
			file->second.handles = entry.second;
		}
	}
	return true;
}

bool LayerSpace::ReadsFromRun(const std::unordered_set<const LayerReader *> &run, uint64_t file_id, uint64_t start,
                              uint64_t end) {
	auto file = files.find(file_id);
	if (file == files.end()) {
		return false;
	}
	auto &pieces = file->second.pieces;
	auto it = FirstRunEndingAfter(pieces, start);
	for (; it != pieces.end() && it->first < end; ++it) {
		if (it->second.layer && run.count(it->second.layer.get())) {
			return true;
		}
	}
	return false;
}

bool LayerSpace::RepointAtMerged(const CompactionPlan &plan, const std::shared_ptr<const LayerReader> &merged) {
	std::unordered_set<const LayerReader *> run;
	for (auto &layer : plan.run) {
		run.insert(layer.get());
	}
	// The merged layer holds, at the same offsets, every byte of the run that is still visible; so each piece that
	// reads the run lies within merged extents, and is cut along them.
	auto &extents = merged->Index().extents;
	for (uint32_t extent_index = 0; extent_index < extents.size(); extent_index++) {
		auto &extent = extents[extent_index];
		auto file = files.find(extent.file_id);
		if (file == files.end()) {
			continue;
		}
		auto &pieces = file->second.pieces;
		auto start = extent.file_offset;
		auto end = start + extent.length;
		auto it = FirstRunEndingAfter(pieces, start);
		while (it != pieces.end() && it->first < end) {
			auto piece_start = it->first;
			auto piece_end = piece_start + it->second.length;
			if (!it->second.layer || !run.count(it->second.layer.get())) {
				++it;
				continue;
			}
			auto from = std::max(piece_start, start);
			auto to = std::min(piece_end, end);
			Piece replacement;
			replacement.length = to - from;
			replacement.layer = merged;
			replacement.extent = extent_index;
			replacement.skip = from - start;
			if (piece_end > to) {
				// The tail lies in the next merged extent.
				pieces.emplace(to, it->second.Advanced(to - piece_start));
			}
			if (piece_start < from) {
				it->second.length = from - piece_start;
				pieces.emplace(from, std::move(replacement));
			} else {
				it->second = std::move(replacement);
			}
			it = pieces.lower_bound(to);
		}
	}
	// Every piece that read the run lies within one of its extents: none may read it any more.
	for (auto &layer : plan.run) {
		for (auto &extent : layer->Index().extents) {
			if (ReadsFromRun(run, extent.file_id, extent.file_offset, extent.file_offset + extent.length)) {
				return false;
			}
		}
	}
	return true;
}

std::string LayerSpace::Failure() {
	std::lock_guard<std::mutex> guard(lock);
	return failure;
}

void LayerSpace::SealLocked() {
	if (!dirty) {
		return;
	}
	CheckUsable();
	// 1. The active layer: every active piece of every existing file, and the complete file table.
	LayerWriter writer;
	// Extents on DuckDB's block grid: a block read then reads and checksums exactly that block.
	writer.SetExtentGrid(DUCKDB_BLOCK_GRID_ORIGIN, DUCKDB_BLOCK_GRID_STEP);
	writer.SetNextFileId(next_file_id);
	for (auto &entry : names) {
		auto &file = File(entry.second);
		writer.AddFile({entry.second, file.size, file.truncate_floor, entry.first});
		for (auto offset : file.active) {
			auto &piece = file.pieces.at(offset);
			writer.AddExtent(entry.second, offset, piece.buffer->data() + piece.buffer_offset, piece.length);
		}
	}
	auto object = std::make_shared<const std::string>(writer.Finish());
	auto object_size = object->size();
	// A small layer travels inside the metadata transaction: one durable write for the whole commit.
	bool inlined = object_size <= INLINE_LAYER_LIMIT;
	auto key = LayerKey(NextLayerNameLocked(), inlined);
	try {
		LayerRecord record;
		record.object_key = key;
		record.size_bytes = object_size;
		record.inlined = inlined;
		if (inlined) {
			record.inline_data = *object;
		} else {
			// 2. The layer, complete and durable, before anything refers to it.
			layers->Objects().Put(key, *object);
		}
		// 3. One metadata transaction: fencing check + snapshot. Only now is the commit durable.
		auto snapshot = metadata->PublishSnapshot(lease, snapshot_id, record, lease_ttl_ms);
		snapshot_id = snapshot.id;
	} catch (std::exception &ex) {
		failure = duckdb::ErrorData(ex).RawMessage();
		throw duckdb::IOException("database \"%s\": cannot seal layer \"%s\": %s", database, key, failure);
	}
	// 4. Serve the sealed bytes from the layer from now on, and drop the active copies. Reading an object's index
	// back also checks the object just written; an inlined layer is read from the bytes just published.
	std::shared_ptr<const LayerReader> layer;
	try {
		layer = inlined ? layers->OpenInlined(database, key, object) : OpenLayer(key, false);
	} catch (std::exception &ex) {
		// Published, but this space cannot follow it: it must reopen from the newest snapshot, not write on.
		failure = duckdb::ErrorData(ex).RawMessage();
		throw duckdb::IOException("database \"%s\": cannot read back sealed layer \"%s\": %s", database, key,
		                          failure);
	}
	stack.emplace_back(layer, object_size);
	uint32_t extent_index = 0;
	auto &extents = layer->Index().extents;
	for (auto &entry : names) {
		auto &file = File(entry.second);
		PieceMap sealed;
		for (auto offset : file.active) {
			auto &piece = file.pieces.at(offset);
			for (uint64_t done = 0; done < piece.length; extent_index++) {
				auto &extent = extents.at(extent_index);
				Piece replacement;
				replacement.length = extent.length;
				replacement.layer = layer;
				replacement.extent = extent_index;
				sealed.emplace(extent.file_offset, std::move(replacement));
				done += extent.length;
			}
		}
		for (auto &piece : sealed) {
			file.pieces[piece.first] = std::move(piece.second);
		}
		file.active.clear();
		file.truncate_floor = file.size;
	}
	sealed_layers++;
	seals++;
	active_bytes = 0;
	dirty = false;
}

LayerSpaceStats LayerSpace::Stats() {
	std::lock_guard<std::mutex> guard(lock);
	LayerSpaceStats stats;
	stats.sealed_layers = sealed_layers;
	stats.seals = seals;
	stats.snapshot_id = snapshot_id;
	stats.active_bytes = active_bytes;
	stats.compaction_rebuilds = compaction_rebuilds;
	return stats;
}

} // namespace openduck
