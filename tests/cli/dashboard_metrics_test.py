#!/usr/bin/env python3
"""Every metric a shipped dashboard queries is one proact emits.

The emitted names are read from the code's emission points in
src/host/observability.cc (the Prometheus families of `proact serve`'s
/metrics and the EMF metric definitions of the Lambda bootstrap); the
queried names from examples/grafana/proact-serve.json (PromQL `expr`) and
from the CloudWatch dashboard in examples/aws-lambda/template.yaml
(metric rows and SEARCH expressions of the Proact namespace).

    dashboard_metrics_test.py SOURCE_DIR
"""
import json
import os
import re
import sys

import yaml


class CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


CfnLoader.add_multi_constructor("!", _tag)


def emitted(src):
    code = open(os.path.join(src, "src/host/observability.cc"), encoding="utf-8").read()
    prom = set(re.findall(r'family\("(proact_\w+)"', code))
    labels = {}
    for name, label in re.findall(r'"(proact_\w+)\{(\w+)=', code):
        labels.setdefault(name, set()).add(label)
    for name, extra in re.findall(r'"(proact_\w+)\{\w+=\\"" \+ \w+ \+ "\\",(\w+)=', code):
        labels.setdefault(name, set()).add(extra)
    emf = set(re.findall(r'\{"([A-Z]\w+)", "(?:Count|Milliseconds|None)"', code))
    dims = set(re.findall(r'dims = \{"(\w+)"\}', code)) | set(re.findall(r'dims\.push_back\("(\w+)"\)', code))
    return prom, labels, emf, dims


def check_grafana(dashboard, prom, labels):
    problems = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            names = re.findall(r"\b(proact_\w+)", expr)
            if not names:
                problems.append("panel %r queries no proact metric: %s" % (panel["title"], expr))
            for name in names:
                if name not in prom:
                    problems.append("panel %r queries %s, which proact does not emit" % (panel["title"], name))
            known = set().union(*(labels.get(n, set()) for n in names)) | {"le"}
            for group in re.findall(r"\bby \(([^)]*)\)", expr):
                for label in (l.strip() for l in group.split(",")):
                    if label not in known:
                        problems.append("panel %r groups by %r, a label %s does not carry"
                                        % (panel["title"], label, "/".join(names)))
    return problems


def check_cloudwatch(template, emf, dims):
    problems = []
    fn = template["Resources"]["ProactFunction"]["Properties"]["Environment"]["Variables"]
    namespace, service = fn["PROACT_METRICS_NAMESPACE"], fn["POWERTOOLS_SERVICE_NAME"]
    body = template["Resources"]["ProactDashboard"]["Properties"]["DashboardBody"]
    body = body.replace("${!", "${")
    body = re.sub(r"\$\{([^}]*)\}", lambda m: "SUB_" + re.sub(r"\W", "_", m.group(1)), body)
    dashboard = json.loads(body)
    seen = 0
    for widget in dashboard["widgets"]:
        for row in widget.get("properties", {}).get("metrics", []):
            if isinstance(row[0], dict):
                for ns, dimset, name in re.findall(r"\{(\w+),([\w,]+)\} MetricName=\"(\w+)\"",
                                                   row[0].get("expression", "")):
                    seen += 1
                    if ns != namespace:
                        problems.append("SEARCH in namespace %s, the function writes %s" % (ns, namespace))
                    if name not in emf:
                        problems.append("SEARCH for %s, which proact does not emit" % name)
                    if not set(dimset.split(",")) <= dims:
                        problems.append("SEARCH by dimensions %s; proact's are %s" % (dimset, sorted(dims)))
                continue
            ns, name = row[0], row[1]
            if ns.startswith("AWS/"):
                continue  # the platform's own metrics
            seen += 1
            if ns != namespace:
                problems.append("metric %s in namespace %s, the function writes %s" % (name, ns, namespace))
            if name not in emf:
                problems.append("metric %s, which proact does not emit" % name)
            pairs = [x for x in row[2:] if not isinstance(x, dict)]
            for key, value in zip(pairs[0::2], pairs[1::2]):
                if key not in dims:
                    problems.append("metric %s by dimension %s; proact's are %s" % (name, key, sorted(dims)))
                if key == "service" and value != service:
                    problems.append("metric %s for service %s, the function is %s" % (name, value, service))
    if seen == 0:
        problems.append("the CloudWatch dashboard queries no Proact metric")
    return problems


def main():
    src = sys.argv[1]
    prom, labels, emf, dims = emitted(src)
    # The readers above must still find the emission points.
    sanity = {"proact_events_evaluated_total", "proact_policy_savings_usd_total"} <= prom and \
        {"EventsEvaluated", "SavingsUSD", "Remediations"} <= emf and dims == {"service", "policy"} and \
        labels.get("proact_policy_actions_total") == {"policy", "outcome"}
    if not sanity:
        print("FAIL: cannot read the emission points of observability.cc: %s %s %s %s" % (prom, emf, dims, labels))
        return 1
    print("emitted: %d Prometheus families, %d EMF metrics" % (len(prom), len(emf)))
    grafana = json.load(open(os.path.join(src, "examples/grafana/proact-serve.json"), encoding="utf-8"))
    with open(os.path.join(src, "examples/aws-lambda/template.yaml"), encoding="utf-8") as f:
        template = yaml.load(f, Loader=CfnLoader)
    problems = check_grafana(grafana, prom, labels) + check_cloudwatch(template, emf, dims)
    # The checks catch a misspelt name.
    bad = {"panels": [{"title": "t", "targets": [{"expr": "sum by (policy) (proact_policy_remediation_total)"}]}]}
    if not check_grafana(bad, prom, labels):
        problems.append("self-test: a misspelt Prometheus name went unnoticed")
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print("ok: every metric the Grafana and CloudWatch dashboards query is emitted")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
