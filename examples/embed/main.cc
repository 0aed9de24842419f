// A minimal host: compile policies once, evaluate an event, act on the
// decision. Build it against the installed package (see CMakeLists.txt).
#include <iostream>

#include <proact/engine.h>
#include <proact/policy_set.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: embed POLICY_PATH...\n";
    return 2;
  }
  std::vector<std::string> paths(argv + 1, argv + argc);
  proact::Result<proact::PolicySet> policies = proact::PolicySet::Load(paths);
  if (!policies.ok()) {
    for (const proact::Diagnostic& d : policies.status().diagnostics()) {
      std::cerr << d.ToString() << "\n";
    }
    std::cerr << policies.status().ToString() << "\n";
    return 1;
  }
  proact::Engine engine(std::move(policies).value());

  const char* event = R"({"version":"0","id":"e-1","source":"aws.s3",
    "detail-type":"AWS API Call via CloudTrail","account":"111122223333",
    "region":"us-east-1","time":"2024-05-01T12:00:00Z","resources":[],
    "detail":{"eventName":"CreateBucket","requestParameters":{"bucketName":"demo"},
              "userIdentity":{"arn":"arn:aws:iam::111122223333:user/alice"}}})";

  proact::Scratch scratch;  // one per thread, reused across events
  proact::Decision decision;
  proact::Status st = engine.Evaluate(event, scratch, &decision);
  if (!st.ok()) {
    std::cerr << "event rejected: " << st.ToString() << "\n";
    return 1;
  }
  for (const proact::PolicyMatch& m : decision.matches) {
    for (const proact::Action& a : m.actions) {
      // A real host calls its remediation code here.
      std::cout << m.policy << " -> " << a.name << " " << a.params.dump()
                << (a.dry_run ? " (dry-run)" : "") << "\n";
    }
    for (const proact::ActionError& e : m.errors) {
      std::cout << m.policy << " -> " << e.action << " error: " << e.message << "\n";
    }
  }
  std::cout << decision.matches.size() << " policies matched\n";
  return 0;
}
