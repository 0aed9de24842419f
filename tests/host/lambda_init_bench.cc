// Init time of the Lambda custom runtime: process start to the first
// `invocation/next` request, with the shipped rules/ pack, measured against
// the loopback Runtime API of the tests. Runs the build's bootstrap and the
// deployment package (through its launcher and bundled loader). Then the
// warm per-invocation time: one EventBridge event per invocation, from
// queueing it to receiving the response (Runtime API round trips included).
//
//   build/release/bench/proact_lambda_init_bench [RUNS [WARM_INVOCATIONS]]
//
// WARM_INVOCATIONS defaults to 100 x RUNS; 0 measures the init time alone
// (for a profile of the cold start: perf record -- THIS 50 0).
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "host_test_util.h"

namespace {

using Clock = std::chrono::steady_clock;

double Measure(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  proact::testing::RuntimeApi api;
  std::map<std::string, std::string> full = env;
  full["AWS_LAMBDA_RUNTIME_API"] = api.address();
  full["PROACT_LOG_LEVEL"] = "ERROR";
  proact::testing::Child child(argv, full, "/dev/null");
  if (!api.WaitNextCalls(1)) return -1;
  return std::chrono::duration<double, std::milli>(api.first_next() - child.start()).count();
}

void Report(const char* name, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  std::printf("%-34s runs %zu  min %.2f ms  median %.2f ms  p90 %.2f ms  max %.2f ms\n", name,
              ms.size(), ms.front(), ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.back());
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 30;
  std::string rules = std::string(PROACT_SOURCE_DIR) + "/rules";
  std::string root = std::filesystem::temp_directory_path() / "proact-lambda-init-bench";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  std::string cmd = "unzip -q '" + std::string(PROACT_LAMBDA_ZIP) + "' -d '" + root + "'";
  if (std::system(cmd.c_str()) != 0) return 1;
  std::vector<double> build, package;
  for (int i = 0; i < runs; ++i) {
    build.push_back(Measure({PROACT_BOOTSTRAP}, {{"PROACT_RULES", rules}}));
    package.push_back(Measure({root + "/bootstrap"}, {{"LAMBDA_TASK_ROOT", root}}));
  }
  Report("bootstrap (build tree, system libs)", build);
  Report("deployment zip (launcher + loader)", package);

  // Warm invocations through the package.
  int invocations = argc > 2 ? std::atoi(argv[2]) : runs * 100;
  if (invocations <= 0) {
    std::filesystem::remove_all(root);
    return 0;
  }
  proact::testing::RuntimeApi api;
  proact::testing::Child child({root + "/bootstrap"},
                              {{"LAMBDA_TASK_ROOT", root},
                               {"AWS_LAMBDA_RUNTIME_API", api.address()},
                               {"PROACT_LOG_LEVEL", "ERROR"},
                               {"PROACT_DRY_RUN", "true"}},
                              "/dev/null");
  std::string event = proact::testing::ReadFile(
      std::string(PROACT_SOURCE_DIR) + "/rules/fixtures/aws/cloudtrail-records.stopLogging.stratus.json");
  std::vector<double> warm;
  for (int i = 0; i < invocations; ++i) {
    std::string id = "req-" + std::to_string(i);
    auto t0 = Clock::now();
    api.Invoke(id, event);
    if (!api.Wait(id)) return 1;
    warm.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  Report("warm invocation (CloudTrail, match)", warm);
  std::filesystem::remove_all(root);
  return 0;
}
