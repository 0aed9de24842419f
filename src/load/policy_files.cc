#include "load/policy_files.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace proact::internal {

namespace fs = std::filesystem;

namespace {
bool IsPolicyFile(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}
}  // namespace

Status CollectPolicyFiles(const std::vector<std::string>& paths,
                          std::vector<std::string>* files) {
  files->clear();
  for (const std::string& path : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
      return Status(StatusCode::kNotFound, path + ": no such file or directory");
    }
    if (!fs::is_directory(st)) {
      files->push_back(path);
      continue;
    }
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
    if (ec) return Status(StatusCode::kIoError, path + ": " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return Status(StatusCode::kIoError, path + ": " + ec.message());
      const fs::path& p = it->path();
      if (p.filename().string().starts_with(".")) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file() && IsPolicyFile(p)) files->push_back(p.string());
    }
  }
  std::sort(files->begin(), files->end());
  files->erase(std::unique(files->begin(), files->end()), files->end());
  return Status::Ok();
}

}  // namespace proact::internal
