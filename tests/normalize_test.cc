// Every payload of the shared corpus normalizes as docs/sources.md says:
// tests/normalize/testdata/corpus_expectations.json lists, per file, the
// envelopes expected (source, detail-type, id, account, region and a
// representative detail field) or that the file must be rejected. GitHub
// bodies arrive as they do in production: inside a Lambda Function URL
// request, with their headers.
#include <doctest/doctest.h>

#include <filesystem>

#include "proact/normalizer.h"
#include "test_util.h"

namespace proact {
namespace {

using testing::ReadFile;

// A Lambda Function URL request event carrying `body` and `headers`.
std::string FunctionUrlRequest(const std::string& body, const nlohmann::json& headers,
                               bool base64 = false) {
  nlohmann::json request = {
      {"version", "2.0"},
      {"rawPath", "/webhook"},
      {"rawQueryString", ""},
      {"headers", headers},
      {"requestContext",
       {{"accountId", "anonymous"},
        {"http", {{"method", "POST"}, {"path", "/webhook"}}},
        {"requestId", "req-1"}}},
      {"body", body},
      {"isBase64Encoded", base64}};
  return request.dump();
}

// The value at a dotted path, or null.
nlohmann::json At(const nlohmann::json& j, const std::string& path) {
  const nlohmann::json* cur = &j;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(key)) return nullptr;
    cur = &(*cur)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return *cur;
}

TEST_CASE("CloudEvents binary mode with an audit-log type and binary data (found by http_request_fuzzer)") {
  // The body is not UTF-8, so the event carries data_base64 and no data:
  // the audit-log check must not read a missing member.
  Normalizer normalizer;
  NormalizeResult r = normalizer.Normalize(
      std::string("\xff\xfe\x00binary", 9),
      {{"ce-specversion", "1.0"}, {"ce-type", "google.cloud.audit.log.v1.written"},
       {"ce-source", "//cloudaudit.googleapis.com/projects/p"}, {"ce-id", "1"},
       {"content-type", "application/octet-stream"}});
  REQUIRE(r.errors.empty());
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == "alb/cloudevent-binary/cloudevent");
  CHECK(r.events[0].json.find("data_base64") != std::string::npos);
}

TEST_CASE("every corpus payload normalizes as documented") {
  std::string corpus = std::string(PROACT_TESTDATA_DIR) + "/corpus/";
  nlohmann::json expectations = nlohmann::json::parse(
      ReadFile(std::string(PROACT_TEST_DATA) + "/normalize/testdata/corpus_expectations.json"));
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(corpus)) {
    if (entry.path().extension() == ".json") ++files;
  }
  REQUIRE(expectations.size() == files);  // every corpus file is covered
  Normalizer normalizer;
  std::size_t events = 0;
  for (const nlohmann::json& x : expectations) {
    std::string file = x["file"];
    INFO("corpus file ", file);
    std::string body = ReadFile(corpus + file);
    REQUIRE_FALSE(body.empty());
    std::string input = body;
    if (x["wrap"] == "github-function-url") {
      std::string name = std::filesystem::path(file).filename().string();
      name = name.substr(0, name.find('.'));
      input = FunctionUrlRequest(nlohmann::json::parse(body).dump(),
                                 {{"content-type", "application/json"},
                                  {"x-github-event", name},
                                  {"x-github-delivery", "delivery-" + name}});
    }
    NormalizeResult r = normalizer.Normalize(input);
    if (x.value("expect_error", false)) {
      CHECK_FALSE(r.errors.empty());
      continue;
    }
    for (const NormalizeError& e : r.errors) FAIL_CHECK("unexpected error at ", e.origin, ": ", e.message);
    const nlohmann::json& want = x["events"];
    REQUIRE(r.events.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      INFO("event ", i, ": ", r.events[i].json.substr(0, 400));
      nlohmann::json got = nlohmann::json::parse(r.events[i].json);
      // EventBridge events pass through unchanged; others get the full envelope.
      if (r.events[i].kind != "eventbridge") CHECK(got["version"] == "0");
      CHECK(got["resources"].is_array());
      CHECK(got.contains("time"));
      CHECK(got["source"] == want[i]["source"]);
      CHECK(got["detail-type"] == want[i]["detail-type"]);
      CHECK(got["id"] == want[i]["id"]);
      CHECK(got["account"] == want[i]["account"]);
      if (want[i].contains("region")) CHECK(got["region"] == want[i]["region"]);
      for (auto it = want[i]["check"].begin(); it != want[i]["check"].end(); ++it) {
        CHECK_MESSAGE(At(got, it.key()) == it.value(), "field ", it.key());
      }
      ++events;
    }
  }
  CHECK(events >= 100);
}

}  // namespace
}  // namespace proact
