// A Lambda log as CloudWatch Logs delivers it, built from a real run: the
// real `bootstrap` against the loopback Runtime API (host_test_util.h)
// with docs/examples/report/policies.yaml, its stdout lines in the
// invocations' order, and the platform's START / END / REPORT lines in
// the documented format with the durations this test measured. Then
// `proact report` on it, as `aws logs filter-log-events` prints it and as
// a plain-text export, and the arithmetic of its figures checked from the
// REPORT lines written here.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "host_test_util.h"

namespace proact {
namespace {

using namespace std::chrono_literals;

long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t IsoMs(const std::string& s) {
  std::tm tm{};
  double sec = 0;
  int y, mo, d, h, mi;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%lf", &y, &mo, &d, &h, &mi, &sec) != 6) return -1;
  tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + std::llround(sec * 1000);
}

std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

struct Invocation {
  std::string id, body;
  long long start_ms = 0, end_ms = 0;
  double duration_ms = 0, billed_ms = 0, init_ms = -1;
  std::vector<std::string> lines;
};

const nlohmann::json* Figure(const nlohmann::json& groups, const std::string& policy, const std::string& name) {
  for (const auto& g : groups) {
    if (g["policy"] != policy) continue;
    for (const auto& f : g["figures"]) {
      if (f["name"] == name) return &f;
    }
  }
  return nullptr;
}

double Value(const nlohmann::json& groups, const std::string& policy, const std::string& name) {
  const nlohmann::json* f = Figure(groups, policy, name);
  REQUIRE_MESSAGE(f != nullptr, policy << " has no figure " << name);
  return (*f)["value"].get<double>();
}

TEST_CASE("lambda report: cost per execution, human cost and net savings from a CloudWatch log") {
  const std::string dir = std::string(PROACT_BINARY_DIR) + "/lambda-report";
  std::filesystem::create_directories(dir);
  const std::string stdout_log = dir + "/bootstrap.log";
  testing::RuntimeApi api;
  auto spawned = std::chrono::steady_clock::now();
  testing::Child child({PROACT_BOOTSTRAP},
                       {{"AWS_LAMBDA_RUNTIME_API", api.address()},
                        {"PROACT_RULES", std::string(PROACT_SOURCE_DIR) + "/docs/examples/report/policies.yaml"},
                        {"AWS_LAMBDA_FUNCTION_NAME", "proact"},
                        {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"}},
                       stdout_log);
  REQUIRE(child.started());
  REQUIRE(api.WaitNextCalls(1));
  double init_ms =
      std::chrono::duration<double, std::milli>(api.first_next() - spawned).count();

  // Two buckets created (the `log` action runs: remediated), an instance
  // state change (ticket.create has no handler: failed; the dry-run
  // policy matches too) and an event no policy matches.
  const char* bodies[] = {"aws/eventbridge.cloudtrail-s3-createBucket.custodian.json",
                          "aws/eventbridge.ec2-instance-state-change.custodian.json",
                          "aws/eventbridge.cloudtrail-s3-createBucket.custodian.json",
                          "aws/cloudtrail.kms-scheduleKeyDeletion.panther.json"};
  std::vector<Invocation> invs;
  for (int i = 0; i < 4; ++i) {
    Invocation inv;
    char id[64];
    std::snprintf(id, sizeof id, "7c1e5d2a-3b4f-4c6d-9e8f-%012d", i + 1);
    inv.id = id;
    inv.start_ms = NowMs();
    auto t0 = std::chrono::steady_clock::now();
    api.Invoke(inv.id, testing::Corpus(bodies[i]));
    REQUIRE(api.Wait(inv.id));
    inv.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    inv.end_ms = NowMs();
    // Billed Duration: the duration rounded up to the next millisecond;
    // a custom runtime's first invocation also bills its Init Duration.
    inv.billed_ms = std::ceil(inv.duration_ms + (i == 0 ? init_ms : 0));
    if (i == 0) inv.init_ms = init_ms;
    invs.push_back(std::move(inv));
  }
  // The metrics lines of an invocation are written after its answer and
  // before the next poll: wait for that poll.
  REQUIRE(api.WaitNextCalls(static_cast<int>(invs.size()) + 1));
  long max_kb = 0;
  {
    std::ifstream status("/proc/" + std::to_string(child.pid()) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmHWM:", 0) == 0) max_kb = std::strtol(line.c_str() + 6, nullptr, 10);
    }
  }
  child.Signal(SIGTERM);
  child.Wait(5s);

  // The bootstrap's lines: those of an invocation carry its request id;
  // the metrics lines written after it answers belong to it too.
  std::vector<std::string> init_lines;
  {
    std::istringstream in(testing::ReadFile(stdout_log));
    std::string line;
    Invocation* current = nullptr;
    while (std::getline(in, line)) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.contains("function_request_id")) {
        for (Invocation& inv : invs) {
          if (inv.id == j["function_request_id"]) current = &inv;
        }
      } else if (!j.is_discarded() && j.is_object() && j.contains("_aws")) {
        // A metrics line belongs to the invocation it was written after.
        long long ms = j["_aws"].value("Timestamp", 0LL);
        for (Invocation& inv : invs) {
          if (inv.start_ms <= ms) current = &inv;
        }
      }
      (current != nullptr ? current->lines : init_lines).push_back(line);
    }
  }
  auto line_ms = [](const std::string& line, long long fallback) -> long long {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fallback;
    if (j.contains("timestamp") && j["timestamp"].is_string()) {
      std::int64_t ms = IsoMs(j["timestamp"]);
      if (ms > 0) return ms;
    }
    if (j.contains("_aws") && j["_aws"].contains("Timestamp")) return j["_aws"]["Timestamp"].get<long long>();
    return fallback;
  };
  const std::string stream = "2026/11/29/[$LATEST]5f2c9a7e0d1b4c3a8e6f7a9b0c1d2e3f";
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  std::string text;  // the same events as a plain-text export
  long long event_id = 38000000000000000LL;
  auto emit = [&](long long ms, const std::string& message) {
    events.push_back({{"logStreamName", stream}, {"timestamp", ms}, {"message", message + "\n"},
                      {"ingestionTime", ms + 412}, {"eventId", std::to_string(++event_id)}});
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[48];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
    text += std::string(stamp) + " " + message + "\n";
  };
  for (const std::string& l : init_lines) emit(line_ms(l, invs[0].start_ms), l);
  double sum_billed = 0;
  for (const Invocation& inv : invs) {
    emit(inv.start_ms, "START RequestId: " + inv.id + " Version: $LATEST");
    for (const std::string& l : inv.lines) emit(line_ms(l, inv.end_ms), l);
    emit(inv.end_ms, "END RequestId: " + inv.id);
    char report[512];
    std::snprintf(report, sizeof report,
                  "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %.0f ms\tMemory Size: 128 MB\t"
                  "Max Memory Used: %ld MB\t",
                  inv.id.c_str(), inv.duration_ms, inv.billed_ms, (max_kb + 1023) / 1024);
    std::string r = report;
    if (inv.init_ms >= 0) {
      char init[64];
      std::snprintf(init, sizeof init, "Init Duration: %.2f ms\t", inv.init_ms);
      r += init;
    }
    emit(inv.end_ms, r);
    sum_billed += inv.billed_ms;
  }
  const std::string json_path = dir + "/filter-log-events.json";
  const std::string text_path = dir + "/export.txt";
  {
    nlohmann::ordered_json doc;
    doc["events"] = std::move(events);
    doc["searchedLogStreams"] = nlohmann::ordered_json::array(
        {{{"logStreamName", stream}, {"searchedCompletely", true}}});
    std::ofstream(json_path) << doc.dump(4) << "\n";
    std::ofstream(text_path) << text;
  }

  for (const std::string& path : {json_path, text_path}) {
    CAPTURE(path);
    nlohmann::json out =
        nlohmann::json::parse(Run(std::string(PROACT_CLI) + " report --format json " + path), nullptr, false);
    REQUIRE(out.is_object());
    CHECK(out["platform"] == "AWS Lambda");
    CHECK(out["events"] == 4);  // the EMF lines count the event that matched nothing too
    const nlohmann::json& s = out["savings"];
    // Total: 4 invocations, each billed from its REPORT line.
    CHECK(Value(s, "TOTAL", "executions") == 4);
    CHECK(Value(s, "TOTAL", "billed_seconds") == doctest::Approx(sum_billed / 1000).epsilon(1e-9));
    double gb_s = sum_billed * 128 / 1024000;
    CHECK(Value(s, "TOTAL", "gb_seconds") == doctest::Approx(gb_s).epsilon(1e-9));
    double cost = 4 * 0.0000002 + gb_s * 0.0000166667;
    CHECK(Value(s, "TOTAL", "platform_cost_usd") == doctest::Approx(cost).epsilon(1e-9));
    CHECK(Value(s, "TOTAL", "cost_per_execution_usd") == doctest::Approx(cost / 4).epsilon(1e-9));
    // Two bucket creations remediated at the policy's 12.5 USD each.
    CHECK(Value(s, "s3-bucket-created", "remediations") == 2);
    CHECK(Value(s, "s3-bucket-created", "human_cost_usd") == 25);
    CHECK(Value(s, "TOTAL", "human_cost_usd") == 25);
    CHECK(Value(s, "TOTAL", "net_savings_usd") == doctest::Approx(25 - cost).epsilon(1e-12));
    // The bucket policy's cost: its own two invocations.
    double s3_billed = invs[0].billed_ms + invs[2].billed_ms;
    double s3_cost = 2 * 0.0000002 + s3_billed * 128 / 1024000 * 0.0000166667;
    CHECK(Value(s, "s3-bucket-created", "platform_cost_usd") == doctest::Approx(s3_cost).epsilon(1e-9));
    CHECK(Value(s, "s3-bucket-created", "net_savings_usd") == doctest::Approx(25 - s3_cost).epsilon(1e-12));
    CHECK(Value(s, "ec2-state-change", "remediations") == 0);
    CHECK(Value(s, "ec2-state-change", "net_savings_usd") < 0);
    // Each formula carries the numbers it was computed from.
    const nlohmann::json* f = Figure(s, "s3-bucket-created", "human_cost_usd");
    REQUIRE(f != nullptr);
    CHECK((*f)["formula"] == "remediations x savings.usd = 2 x 12.5");
    f = Figure(s, "TOTAL", "billed_seconds");
    REQUIRE(f != nullptr);
    char billed[32];
    std::snprintf(billed, sizeof billed, "%.0f / 1000", sum_billed);
    CHECK((*f)["formula"].get<std::string>().find(billed) != std::string::npos);
    // The cold start is reported among the inputs.
    CHECK(out["inputs"].dump().find("cold starts: 1,") != std::string::npos);
  }
}

}  // namespace
}  // namespace proact
