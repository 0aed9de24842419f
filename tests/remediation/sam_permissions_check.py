#!/usr/bin/python3
"""The AWS deployment example grants exactly what the pack needs.

`proact permissions rules/` computes the IAM policy of the remediation role
and the function's AssumeRole and AssumeRoot statements from the declared
action types; examples/aws-lambda/remediator-role.yaml and template.yaml must
say the same (no action missing, none extra, the same task policies).
Usage: sam_permissions_check.py PROACT_CLI SOURCE_DIR
"""
import json
import os
import subprocess
import sys

import yaml


class CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short tags (!Ref, !GetAtt...) as plain values."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    return {suffix: loader.construct_mapping(node)}


CfnLoader.add_multi_constructor("!", _tag)


def as_list(v):
    return v if isinstance(v, list) else [v]


def main():
    cli, src = sys.argv[1], sys.argv[2]
    perm = json.loads(subprocess.check_output([cli, "permissions", os.path.join(src, "rules")]))
    want_actions = sorted(perm["aws"]["remediation_policy"]["Statement"][0]["Action"])
    want_roles = sorted(perm["aws"]["assume_role_policy"]["Statement"][0]["Resource"])
    with open(os.path.join(src, "examples/aws-lambda/remediator-role.yaml")) as f:
        role = yaml.load(f, Loader=CfnLoader)
    statements = role["Resources"]["ProactRemediatorRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    got_actions = sorted(a for s in statements for a in as_list(s["Action"]))
    with open(os.path.join(src, "examples/aws-lambda/template.yaml")) as f:
        sam = yaml.load(f, Loader=CfnLoader)
    fn = sam["Resources"]["ProactFunction"]["Properties"]
    got_roles = sorted(r for p in fn["Policies"] for s in p["Statement"] if "sts:AssumeRole" in as_list(s["Action"])
                       for r in as_list(s["Resource"]))
    def normal(statement):
        return json.dumps({k: (sorted(as_list(v)) if k in ("Action", "Resource") else v)
                           for k, v in statement.items()}, sort_keys=True)

    want_root = sorted(normal(s) for s in perm["aws"].get("assume_root_policy", {}).get("Statement", []))
    got_root = sorted(normal(s) for p in fn["Policies"] for s in p["Statement"]
                      if "sts:AssumeRoot" in as_list(s["Action"]))
    role_name = role["Resources"]["ProactRemediatorRole"]["Properties"]["RoleName"]
    failures = []
    if got_actions != want_actions:
        failures.append("remediator-role.yaml grants %s; proact permissions rules/ says %s"
                        % (sorted(set(got_actions) ^ set(want_actions)), want_actions))
    if got_roles != want_roles:
        failures.append("template.yaml may assume %s; proact permissions rules/ says %s" % (got_roles, want_roles))
    if got_root != want_root:
        failures.append("template.yaml's sts:AssumeRoot statements are %s; proact permissions rules/ says %s"
                        % (got_root, want_root))
    if not all(r.endswith(":role/" + role_name) for r in want_roles):
        failures.append("the role the types assume is not named %s" % role_name)
    print("sam permissions: %d IAM actions, %d assumable role pattern(s), %d AssumeRoot statement(s), %d failures"
          % (len(want_actions), len(want_roles), len(want_root), len(failures)))
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
