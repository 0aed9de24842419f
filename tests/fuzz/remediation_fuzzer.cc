// libFuzzer: hostile event data and hostile answers against declared action
// types. The input is tried three ways: as the params of an action type
// whose values go to every place (endpoint host, path, query, header, JSON,
// XML and form bodies), as an XML answer, and as a JSON answer tested by a
// `compliant_if` condition. Nothing may crash, hang or escape its place.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "program/api_access.h"
#include "match/condition.h"
#include "program/program.h"
#include "proact/policy_set.h"
#include "proact/remediation.h"
#include "util/json_parse.h"
#include "util/xml_json.h"

namespace {

const char kTypes[] = R"(action_types:
  f.every:
    params: {a: any, b: any, c: any}
    credentials: {provider: aws, service: s3, region: us-east-1}
    endpoint: "https://{{ params.a }}.s3.amazonaws.com/base/{{ params.b }}"
    requests:
      - name: r
        read: true
        method: GET
        path: "/{{ params.b }}/x/{{ params.c }}"
        query: {q: "{{ params.c }}", "{{ params.a }}": y}
        headers: {X-V: "{{ params.a }}"}
        compliant_if: {Root: {state: [on]}, n: [{numeric: [">", 1]}]}
      - name: j
        method: PUT
        body: {json: {v: "{{ params.a }}", w: ["{{ params.b }}"], s: "{{ steps.r.body }}"}}
      - name: x
        method: PUT
        body: {xml: {Root: {"@id": "{{ params.c }}", V: "{{ params.a }}", W: "{{ params.b }}"}}}
      - name: f
        method: POST
        body: {form: {A: "{{ params.a }}", B: "{{ params.b }}"}}
  f.root:
    params: {a: any}
    credentials:
      provider: aws
      service: iam
      region: us-east-1
      assume_root: {target: "{{ params.a }}", task_policy: IAMDeleteRootUserCredentials}
    endpoint: https://iam.amazonaws.com
    requests: [{name: w, method: POST}]
)";

const proact::PolicySet& Set() {
  static const proact::PolicySet set = [] {
    auto r = proact::PolicySet::FromString(kTypes, "fuzz.yaml");
    if (!r.ok()) __builtin_trap();
    return r.value();
  }();
  return set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  nlohmann::json j;
  if (proact::internal::ParseJson(input, &j) == proact::internal::JsonParse::kOk) {
    if (j.is_object()) {
      proact::Action action{"f.every", nlohmann::json::object(), false};
      for (const char* k : {"a", "b", "c"}) {
        if (j.contains(k)) action.params[k] = j[k];
      }
      std::vector<proact::PlannedRequest> plan;
      if (proact::PlanAction(Set(), action, &plan).ok()) {
        for (const proact::PlannedRequest& r : plan) {
          // A planned request never leaves the declared domain.
          std::string_view url = r.url;
          std::size_t host_end = url.find('/', 8);
          std::string_view host = url.substr(8, host_end - 8);
          if (host.size() < 17 || host.substr(host.size() - 17) != ".s3.amazonaws.com") __builtin_trap();
          for (const auto& [name, value] : r.headers) {
            if (value.find_first_of("\r\n") != std::string::npos) __builtin_trap();
          }
        }
      }
    }
    if (j.is_object() && j.contains("a")) {
      // Event data can only name the account whose root is asked for: the
      // AssumeRoot request keeps its endpoint and its five fields.
      proact::Action root{"f.root", {{"a", j["a"]}}, false};
      std::vector<proact::PlannedRequest> exchange;
      if (proact::PlanCredentials(Set(), root, &exchange).ok()) {
        for (const proact::PlannedRequest& r : exchange) {
          if (r.url != "https://sts.us-east-1.amazonaws.com/") __builtin_trap();
          if (std::count(r.body.begin(), r.body.end(), '&') != 4) __builtin_trap();
        }
      }
    }
    (void)proact::internal::ConditionHolds(*proact::internal::ProgramOf(Set()), 0, j);
  }
  nlohmann::json x;
  std::string error;
  if (proact::internal::XmlToJson(input, &x, &error)) {
    (void)x.dump();
    (void)proact::internal::ConditionHolds(*proact::internal::ProgramOf(Set()), 0, x);
  }
  return 0;
}
