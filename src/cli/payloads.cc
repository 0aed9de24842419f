// Reading the payloads of `proact normalize`, `explain`, `eval` and `plan`.
#include "cli/payloads.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "proact/host.h"

namespace proact::cli {

// Calls `fn` for each payload as it is read: JSON Lines are handled line by
// line (so a live stream gets its decisions at once). When the first line
// is not JSON on its own but the whole input is one JSON document (a
// pretty-printed file), that document is the one payload.
bool StreamPayloads(const std::string& file, std::string* name,
                    const std::function<void(const Payload&)>& fn) {
  std::ifstream in_file;
  std::istream* in = &std::cin;
  if (file == "-") {
    *name = "<stdin>";
  } else {
    *name = file;
    in_file.open(file, std::ios::binary);
    if (!in_file) return false;
    in = &in_file;
  }
  std::string line;
  std::size_t line_no = 0;
  auto blank = [](const std::string& l) { return l.find_first_not_of(" \t\r") == std::string::npos; };
  // The first non-blank line decides the mode.
  std::vector<std::string> head;
  while (std::getline(*in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    head.push_back(line);
    if (!blank(line)) break;
  }
  if (head.empty() || blank(head.back())) return true;  // empty input
  std::size_t first_line = line_no;
  if (!nlohmann::json::accept(head.back())) {
    std::string text;
    for (const std::string& l : head) text += l + "\n";
    std::ostringstream rest;
    rest << in->rdbuf();
    text += rest.str();
    if (nlohmann::json::accept(text)) {
      fn(Payload{first_line, text});
      return true;
    }
    // Not one document either: each line is a payload (and errors alone).
    std::istringstream lines(text);
    line_no = first_line - 1;
    bool skip_head = true;
    std::size_t skipped = 0;
    while (std::getline(lines, line)) {
      if (skip_head && skipped < head.size() - 1) {  // blank lines before the first
        ++skipped;
        continue;
      }
      skip_head = false;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!blank(line)) fn(Payload{line_no, line});
    }
    return true;
  }
  fn(Payload{first_line, head.back()});
  while (std::getline(*in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!blank(line)) fn(Payload{line_no, line});
  }
  return !in->bad();
}

// Webhook secrets come from the environment, never from files or flags.
proact::Normalizer NormalizerFromEnvironment() {
  return proact::Normalizer(proact::WebhookSecretsFromEnvironment());
}

void PrintError(const std::string& name, std::size_t line, const std::string& origin,
                const std::string& error) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["line"] = line;
  if (!origin.empty()) out["origin"] = origin;
  out["error"] = error;
  std::cout << out.dump() << "\n";
  std::cerr << name << ":" << line << ": error: " << (origin.empty() ? "" : origin + ": ")
            << error << "\n";
}

void PrintChallenge(std::size_t line, const proact::Challenge& c) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["line"] = line;
  out["challenge"] = {{"status", c.status}, {"content_type", c.content_type}, {"body", c.body}};
  std::cout << out.dump() << "\n";
}

}  // namespace proact::cli
