"""STS AssumeRoot for botocore 1.29, which predates it.

sts_assume_root.json (beside this file) holds the operation and its shapes
as AWS's STS model describes them, with their provenance. This module
splices them into the STS model botocore ships (botocore's shapes win where
both have one) and gives a botocore session that knows the operation: its
query serializer, parameter validation, endpoint ruleset, SigV4 signer and
response parser then judge AssumeRoot requests and answers like any other.
Nothing is fetched.

  session()             a botocore session whose STS clients have assume_root
  operation_model()     the AssumeRoot OperationModel
  check_request(pairs)  "" when a received form (a list of (name, value)) is
                        what botocore serializes for the same parameters and
                        they are valid for the model; else why not
  parse_response(xml)   the parsed answer, as a client would return it
"""
import json
import os
import tempfile
import urllib.parse

import botocore.parsers
import botocore.serialize
import botocore.session
import botocore.validate

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "sts_assume_root.json")

_session = None


def _spliced(base, extra):
    merged = dict(base)
    merged["operations"] = dict(base["operations"])
    merged["shapes"] = dict(base["shapes"])
    for name, op in extra["operations"].items():
        merged["operations"][name] = op
    for name, shape in extra["shapes"].items():
        merged["shapes"].setdefault(name, shape)
    return merged


def session():
    """A fresh botocore session whose data path has the spliced STS model first."""
    global _session
    if _session is None:
        with open(DATA, encoding="utf-8") as f:
            extra = json.load(f)
        base = botocore.session.get_session().get_component("data_loader").load_service_model("sts", "service-2")
        tmp = tempfile.mkdtemp(prefix="sts_assume_root_model_")
        folder = os.path.join(tmp, "sts", base["metadata"]["apiVersion"])
        os.makedirs(folder)
        with open(os.path.join(folder, "service-2.json"), "w", encoding="utf-8") as f:
            json.dump(_spliced(base, extra), f)
        s = botocore.session.get_session()
        s.get_component("data_loader").search_paths.insert(0, tmp)
        # AssumeRoot has no global endpoint: resolve STS regionally.
        s.set_config_variable("sts_regional_endpoints", "regional")
        _session = s
    return _session


def operation_model():
    return session().get_service_model("sts").operation_model("AssumeRoot")


def _check_max(shape, value, path, problems):
    """botocore validates minimums only; the model's maximums are checked here."""
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                _check_max(member, value[name], path + "." + name, problems)
    limit = shape.metadata.get("max")
    if limit is None:
        return
    if shape.type_name in ("integer", "long") and isinstance(value, int) and value > limit:
        problems.append("%s is %d, above the model's maximum %d" % (path, value, limit))
    if shape.type_name == "string" and isinstance(value, str) and len(value) > limit:
        problems.append("%s is %d characters, above the model's maximum %d" % (path, len(value), limit))


def check_request(pairs):
    op = operation_model()
    form = {}
    for name, value in pairs:
        if name in form:
            return "%s is sent twice" % name
        form[name] = value
    if form.get("Action") != "AssumeRoot" or form.get("Version") != op.metadata["apiVersion"]:
        return "Action must be AssumeRoot and Version %s" % op.metadata["apiVersion"]
    params = {}
    if "TargetPrincipal" in form:
        params["TargetPrincipal"] = form["TargetPrincipal"]
    if "TaskPolicyArn.arn" in form:
        params["TaskPolicyArn"] = {"arn": form["TaskPolicyArn.arn"]}
    if "DurationSeconds" in form:
        try:
            params["DurationSeconds"] = int(form["DurationSeconds"])
        except ValueError:
            return "DurationSeconds is not an integer"
    report = botocore.validate.ParamValidator().validate(params, op.input_shape)
    if report.has_errors():
        return "not valid for the model: " + report.generate_report()
    problems = []
    _check_max(op.input_shape, params, "AssumeRootRequest", problems)
    if problems:
        return "; ".join(problems)
    expected = botocore.serialize.create_serializer("query").serialize_to_request(params, op)["body"]
    want = sorted((k, str(v)) for k, v in expected.items())
    got = sorted(pairs)
    if want != got:
        return "botocore serializes %s for these parameters; received %s" % (
            urllib.parse.urlencode(want), urllib.parse.urlencode(got))
    return ""


def parse_response(xml, status=200):
    op = operation_model()
    parser = botocore.parsers.create_parser("query")
    return parser.parse({"status_code": status, "headers": {}, "body": xml.encode()}, op.output_shape)
