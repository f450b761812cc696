//===- ShardedCheckpoint.cpp - one file per rank plus an index ------------===//

#include "runtime/dist/ShardedCheckpoint.h"

#include "runtime/Files.h"
#include "runtime/Safetensors.h"

#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sys/stat.h>

namespace tessel::dist {

namespace {

namespace fs = std::filesystem;

constexpr const char *kIndexKey = "tessel_sharded_checkpoint";
constexpr const char *kParameters = "flat.parameters";
constexpr const char *kFirst = "flat.optimizer.first";
constexpr const char *kSecond = "flat.optimizer.second";

std::string shardFile(int rank, int ranks) {
  return "rank-" + std::to_string(rank) + "-of-" + std::to_string(ranks) +
         ".safetensors";
}

Tensor flat(const std::vector<float> &values) {
  Tensor t;
  t.shape = {int64_t(values.size())};
  t.floats = values;
  return t;
}

/// Refuses to replace what is not a sharded checkpoint.
Status checkReplaceable(const std::string &directory) {
  struct stat info;
  if (lstat(directory.c_str(), &info) != 0)
    return Status::ok();
  if (!S_ISDIR(info.st_mode) || !isShardedCheckpoint(directory))
    return errorf(directory, ": exists and is not a sharded checkpoint "
                             "directory; not replaced");
  return Status::ok();
}

/// Moves the finished `staging` to `directory`, exchanging it with an old
/// checkpoint in one step, then removes the old one.
Status moveIntoPlace(const std::string &staging, const std::string &directory) {
  if (::rename(staging.c_str(), directory.c_str()) == 0)
    return Status::ok();
  if (errno != ENOTEMPTY && errno != EEXIST)
    return errorf("cannot move the checkpoint into ", directory, ": ",
                  std::strerror(errno));
  TESSEL_RETURN_IF_ERROR(checkReplaceable(directory));
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, directory.c_str(),
                  RENAME_EXCHANGE) != 0)
    return errorf("cannot replace the checkpoint ", directory, ": ",
                  std::strerror(errno));
  std::error_code ec;
  fs::remove_all(staging, ec);
  return Status::ok();
}

} // namespace

Status writeShardedCheckpoint(Communicator &comm, const std::string &directory,
                              const ShardLayout &layout,
                              const std::vector<std::string> &names,
                              const std::vector<std::vector<int64_t>> &shapes,
                              const Shard &mine, const std::string &stateKey,
                              const std::string &state) {
  std::string staging = directory + ".partial";
  int rank = comm.rank(), ranks = comm.size();
  if (rank == 0) {
    TESSEL_RETURN_IF_ERROR(checkReplaceable(directory));
    std::error_code ec;
    fs::remove_all(staging, ec); // what a killed run left
    if (!fs::create_directory(staging, ec) || ec)
      return errorf("cannot create ", staging, ": ",
                    ec ? ec.message() : "it exists");
  }
  TESSEL_RETURN_IF_ERROR(comm.barrier());

  std::vector<std::pair<std::string, Tensor>> tensors;
  tensors.push_back({kParameters, flat(mine.parameters)});
  if (!mine.first.empty())
    tensors.push_back({kFirst, flat(mine.first)});
  if (!mine.second.empty())
    tensors.push_back({kSecond, flat(mine.second)});
  for (const auto &entry : mine.untrained)
    tensors.push_back(entry);
  nlohmann::json range = {{"rank", rank},
                          {"ranks", ranks},
                          {"begin", layout.begin(rank)},
                          {"end", layout.end(rank)}};
  TESSEL_RETURN_IF_ERROR(
      writeSafetensors(staging + "/" + shardFile(rank, ranks), tensors,
                       {{"tessel.shard", range.dump()}}));
  TESSEL_RETURN_IF_ERROR(comm.barrier());

  if (rank == 0) {
    nlohmann::json index = {{kIndexKey, 1},
                            {"ranks", ranks},
                            {"total", layout.total},
                            {"state_key", stateKey},
                            {"state", state}};
    nlohmann::json &params = index["parameters"] = nlohmann::json::array();
    for (size_t i = 0; i < names.size(); ++i)
      params.push_back({{"name", names[i]},
                        {"shape", shapes[i]},
                        {"offset", layout.offsets[i]}});
    nlohmann::json &files = index["files"] = nlohmann::json::array();
    for (int r = 0; r < ranks; ++r)
      files.push_back({{"file", shardFile(r, ranks)},
                       {"begin", layout.begin(r)},
                       {"end", layout.end(r)}});
    TESSEL_RETURN_IF_ERROR(
        writeFile(staging + "/index.json", index.dump(1) + "\n"));
    TESSEL_RETURN_IF_ERROR(moveIntoPlace(staging, directory));
  }
  return comm.barrier();
}

bool isShardedCheckpoint(const std::string &path) {
  std::string text;
  if (!fs::is_directory(path) || !fs::exists(path + "/index.json") ||
      !readFile(path + "/index.json", text).isOk())
    return false;
  nlohmann::json index = nlohmann::json::parse(text, nullptr, false);
  return index.is_object() && index.contains(kIndexKey);
}

Status consolidateCheckpoint(const std::string &directory,
                             const std::string &stateKey, std::string &bytes) {
  std::string indexPath = directory + "/index.json", text;
  TESSEL_RETURN_IF_ERROR(readFile(indexPath, text));
  nlohmann::json index = nlohmann::json::parse(text, nullptr, false);
  auto bad = [&](const std::string &what) {
    return errorf(indexPath, ": ", what);
  };
  if (!index.is_object() || !index.contains(kIndexKey))
    return bad("not the index of a sharded checkpoint");
  for (const char *key : {"total", "ranks"})
    if (!index.contains(key) || !index[key].is_number_unsigned())
      return bad(std::string("\"") + key + "\" is not a non-negative integer");
  if (!index.contains("state") || !index["state"].is_string() ||
      index.value("state_key", "") != stateKey)
    return bad("no training state (\"state\" under \"" + stateKey + "\")");
  if (!index.contains("parameters") || !index["parameters"].is_array() ||
      !index.contains("files") || !index["files"].is_array())
    return bad("\"parameters\" and \"files\" must be arrays");
  int64_t total = index["total"];
  if (total > (int64_t(1) << 40))
    return bad("\"total\" " + std::to_string(total) + " is too large");

  // The parameters tile [0, total) in order, with distinct names.
  struct Entry {
    std::string name;
    std::vector<int64_t> shape;
    int64_t offset, size;
  };
  std::vector<Entry> params;
  std::set<std::string> seen;
  int64_t next = 0;
  for (const nlohmann::json &p : index["parameters"]) {
    if (!p.is_object() || !p.contains("name") || !p["name"].is_string() ||
        !p.contains("shape") || !p["shape"].is_array() ||
        !p.contains("offset") || !p["offset"].is_number_unsigned())
      return bad("a parameter entry needs \"name\", \"shape\", \"offset\"");
    Entry e{p["name"], {}, p["offset"], 1};
    for (const nlohmann::json &d : p["shape"]) {
      if (!d.is_number_unsigned() || d.get<int64_t>() > total)
        return bad("parameter " + e.name + " has a bad shape");
      e.shape.push_back(d);
      e.size *= e.shape.back();
    }
    if (e.offset != next || !seen.insert(e.name).second)
      return bad("parameter " + e.name +
                 " is not where the previous one ends, or named twice");
    next += e.size;
    if (next > total)
      return bad("the parameters hold more than \"total\" elements");
    params.push_back(std::move(e));
  }
  if (next != total)
    return bad("the parameters hold " + std::to_string(next) +
               " elements, "
               "not \"total\" " +
               std::to_string(total));

  // Each file's range follows the previous one's.
  std::vector<float> values(total), first, second;
  std::vector<std::pair<std::string, Tensor>> untrained;
  int64_t at = 0;
  size_t files = index["files"].size();
  if (files != index["ranks"].get<size_t>())
    return bad(std::to_string(files) + " files for " + index["ranks"].dump() +
               " ranks");
  for (size_t r = 0; r < files; ++r) {
    const nlohmann::json &f = index["files"][r];
    if (!f.is_object() || !f.contains("file") || !f["file"].is_string() ||
        !f.contains("begin") || !f["begin"].is_number_unsigned() ||
        !f.contains("end") || !f["end"].is_number_unsigned())
      return bad("a file entry needs \"file\", \"begin\" and \"end\"");
    std::string name = f["file"];
    int64_t begin = f["begin"], end = f["end"];
    if (name.find('/') != std::string::npos || name.empty() || name[0] == '.')
      return bad("file name '" + name + "' is not a plain name");
    if (begin != at || end < begin || end > total)
      return bad(name + ": range [" + std::to_string(begin) + ", " +
                 std::to_string(end) + ") does not follow the previous file");
    at = end;
    std::string path = directory + "/" + name;
    SafetensorsFile file;
    TESSEL_RETURN_IF_ERROR(file.open(path));
    Tensor t;
    TESSEL_RETURN_IF_ERROR(file.readFloat(kParameters, t));
    if (t.numel() != end - begin)
      return errorf(path, ": ", kParameters, " has ", t.numel(),
                    " elements, the index says ", end - begin);
    std::copy(t.floats.begin(), t.floats.end(), values.begin() + begin);
    for (auto [key, state] :
         {std::pair{kFirst, &first}, std::pair{kSecond, &second}}) {
      bool has = file.contains(key);
      if (r == 0 && has)
        state->resize(total);
      if (has != !state->empty() && end > begin)
        return errorf(path, ": ", key, has ? " is" : " is not",
                      " stored, unlike in the first file");
      if (!has)
        continue;
      TESSEL_RETURN_IF_ERROR(file.readFloat(key, t));
      if (t.numel() != end - begin)
        return errorf(path, ": ", key, " has ", t.numel(),
                      " elements, the index says ", end - begin);
      std::copy(t.floats.begin(), t.floats.end(), state->begin() + begin);
    }
    for (const auto &[tensor, entry] : file.tensors()) {
      if (tensor.rfind("flat.", 0) == 0)
        continue;
      if (seen.count(tensor))
        return errorf(path, ": ", tensor, " is also a trained parameter");
      seen.insert(tensor);
      TESSEL_RETURN_IF_ERROR(file.readFloat(tensor, t));
      untrained.push_back({tensor, std::move(t)});
    }
  }
  if (at != total)
    return bad("the files end at element " + std::to_string(at) +
               ", not \"total\" " + std::to_string(total));

  std::vector<std::pair<std::string, Tensor>> tensors;
  auto slice = [](const std::vector<float> &from, const Entry &e,
                  std::vector<int64_t> shape) {
    Tensor t;
    t.shape = std::move(shape);
    t.floats.assign(from.begin() + e.offset, from.begin() + e.offset + e.size);
    return t;
  };
  for (const Entry &e : params)
    tensors.push_back({e.name, slice(values, e, e.shape)});
  for (auto &entry : untrained)
    tensors.push_back(std::move(entry));
  for (auto [prefix, state] : {std::pair{"optimizer.first.", &first},
                               std::pair{"optimizer.second.", &second}})
    if (!state->empty())
      for (const Entry &e : params)
        tensors.push_back({prefix + e.name, slice(*state, e, {e.size})});
  bytes = safetensorsBytes(tensors, {{stateKey, index["state"]}});
  return Status::ok();
}

} // namespace tessel::dist
