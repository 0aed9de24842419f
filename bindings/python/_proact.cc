// The native half of the Python module: pybind11 over the C++ API. Errors
// come back as values; proact/__init__.py turns them into exceptions.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "proact/engine.h"
#include "proact/normalizer.h"
#include "proact/policy_set.h"
#include "proact/version.h"

namespace py = pybind11;

namespace {

py::list Diagnostics(const std::vector<proact::Diagnostic>& diags) {
  py::list out;
  for (const proact::Diagnostic& d : diags) {
    py::dict item;
    item["file"] = d.location.file;
    item["line"] = d.location.line;
    item["column"] = d.location.column;
    item["severity"] = d.severity == proact::Severity::kError ? "error" : "warning";
    item["code"] = d.code;
    item["message"] = d.message;
    item["text"] = d.ToString();
    out.append(item);
  }
  return out;
}

// (set or None, message, diagnostics)
py::tuple Wrap(proact::Result<proact::PolicySet> r) {
  if (r.ok()) {
    proact::PolicySet set = std::move(r).value();
    py::list warnings = Diagnostics(set.warnings());
    return py::make_tuple(py::cast(std::move(set)), "", warnings);
  }
  return py::make_tuple(py::none(), r.status().message(), Diagnostics(r.status().diagnostics()));
}

}  // namespace

PYBIND11_MODULE(_proact, m) {
  m.doc() = "proact native module (use the proact package)";
  m.def("version", [] { return std::string(proact::Version()); });

  py::class_<proact::PolicySet>(m, "PolicySet")
      .def_static("load", [](const std::vector<std::string>& paths) {
        proact::Result<proact::PolicySet> r = [&] {
          py::gil_scoped_release release;
          return proact::PolicySet::Load(paths);
        }();
        return Wrap(std::move(r));
      })
      .def_static("from_string", [](const std::string& yaml, const std::string& name) {
        proact::Result<proact::PolicySet> r = [&] {
          py::gil_scoped_release release;
          return proact::PolicySet::FromString(yaml, name);
        }();
        return Wrap(std::move(r));
      })
      .def("__len__", &proact::PolicySet::size)
      .def("ids", [](const proact::PolicySet& s) {
        std::vector<std::string> ids;
        for (std::size_t i = 0; i < s.size(); ++i) ids.push_back(s.policy(i).id);
        return ids;
      });

  py::class_<proact::Engine>(m, "Engine")
      .def(py::init([](proact::PolicySet set, bool raw_events) {
             proact::EngineOptions options;
             options.raw_events = raw_events;
             return proact::Engine(std::move(set), options);
           }),
           py::arg("policies"), py::arg("raw_events") = false)
      // (decision JSON or None, status code name, message); the GIL is
      // released while the event is evaluated.
      .def("evaluate", [](const proact::Engine& engine, const std::string& event) {
        proact::Decision decision;
        proact::Status st;
        std::string json;
        {
          py::gil_scoped_release release;
          st = engine.Evaluate(event, &decision);
          if (st.ok()) json = decision.ToJson().dump();
        }
        if (!st.ok()) {
          return py::make_tuple(py::none(), std::string(proact::StatusCodeName(st.code())), st.message());
        }
        return py::make_tuple(json, "ok", "");
      })
      .def("explain", [](const proact::Engine& engine, const std::string& event, const std::string& policy) {
        std::string out;
        proact::Status st = engine.Explain(event, policy, &out);
        if (!st.ok()) {
          return py::make_tuple(py::none(), std::string(proact::StatusCodeName(st.code())), st.message());
        }
        return py::make_tuple(py::cast(out), "ok", "");
      });

  py::class_<proact::Normalizer>(m, "Normalizer")
      .def(py::init([](const std::string& github, const std::string& slack, const std::string& okta,
                       bool require_signature) {
        proact::WebhookSecrets secrets;
        secrets.github = github;
        secrets.slack = slack;
        secrets.okta_authorization = okta;
        secrets.require_signature = require_signature;
        return proact::Normalizer(std::move(secrets));
      }));

  // ([(envelope JSON, message_id, origin, kind)...],
  //  [(origin, message, unauthenticated, message_id)...], challenge or None)
  m.def("normalize", [](const proact::Normalizer& normalizer, const std::string& payload,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
    proact::NormalizeResult r;
    {
      py::gil_scoped_release release;
      r = normalizer.Normalize(payload, headers);
    }
    py::list events;
    for (const proact::NormalizedEvent& e : r.events) {
      events.append(py::make_tuple(e.json, e.message_id, e.origin, e.kind));
    }
    py::list errors;
    for (const proact::NormalizeError& e : r.errors) {
      errors.append(py::make_tuple(e.origin, e.message, e.unauthenticated, e.message_id));
    }
    py::object challenge = py::none();
    if (r.challenge) challenge = py::make_tuple(r.challenge->status, r.challenge->content_type, r.challenge->body);
    return py::make_tuple(events, errors, challenge);
  });
}
