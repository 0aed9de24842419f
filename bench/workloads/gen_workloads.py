#!/usr/bin/env python3
"""Benchmark workloads W1-W3 for proact (see README.md in this folder).

Writes <out>/w1, <out>/w2 and <out>/w3, each holding patterns.json,
events.jsonl, expected.jsonl and manifest.json. Standard library only. The
output depends on --seed and --events alone: the random numbers come from a
splitmix64 generator written here, all arithmetic that shapes the data is
integer arithmetic, and nothing iterates a set or depends on hashing, so a
given seed gives the same bytes on any machine and Python 3 version.

The expected match sets come from reference_match.py (a naive matcher in
this folder), applied to each event line as written.
"""

import argparse
import bisect
import datetime
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_match  # noqa: E402

DEFAULT_SEED = 20240601
DEFAULT_EVENTS = 50000
HIT_PERCENT = 1

U64 = (1 << 64) - 1


# ---------------------------------------------------------------------------
# Random numbers
# ---------------------------------------------------------------------------

class SplitMix64:
    """The splitmix64 generator; every draw below is built on next()."""

    GAMMA = 0x9E3779B97F4A7C15

    def __init__(self, seed):
        self.state = seed & U64

    def next(self):
        self.state = (self.state + self.GAMMA) & U64
        x = self.state
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & U64
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & U64
        return x ^ (x >> 31)

    def below(self, n):
        """Uniform integer in [0, n), without modulo bias."""
        if n <= 0:
            raise ValueError("below(%d)" % n)
        limit = (1 << 64) - (1 << 64) % n
        while True:
            x = self.next()
            if x < limit:
                return x % n

    def between(self, lo, hi):
        """Uniform integer in [lo, hi]."""
        return lo + self.below(hi - lo + 1)

    def pick(self, seq):
        return seq[self.below(len(seq))]

    def chance(self, percent):
        return self.below(100) < percent

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]

    def chars(self, alphabet, n):
        """n characters from an alphabet of 16 or 32 symbols, 4 or 5 bits each."""
        bits = {16: 4, 32: 5}[len(alphabet)]
        per_draw = 64 // bits
        mask = (1 << bits) - 1
        out = []
        while len(out) < n:
            x = self.next()
            for _ in range(min(per_draw, n - len(out))):
                out.append(alphabet[x & mask])
                x >>= bits
        return "".join(out)

    def hex(self, n):
        return self.chars("0123456789abcdef", n)


def stream(seed, label):
    """An independent generator for one purpose, derived from the seed."""
    mixer = SplitMix64(seed)
    key = mixer.next()
    for ch in label.encode("ascii"):
        key = SplitMix64(key ^ ch).next()
    return SplitMix64(key)


def int_root(x, k):
    """floor(x ** (1/k)) for integers x >= 0, k >= 1, exactly."""
    if x < 2:
        return x
    r = 1 << ((x.bit_length() + k - 1) // k)  # r**k >= x
    while True:
        s = ((k - 1) * r + x // r ** (k - 1)) // k
        if s >= r:
            break
        r = s
    while r ** k > x:
        r -= 1
    while (r + 1) ** k <= x:
        r += 1
    return r


class Zipf:
    """Rank i (0-based) is drawn with weight 1 / (i + 1) ** (num / den).

    Weights are floor(2**40 / (i + 1) ** s) computed with integers only, so
    the table is the same everywhere."""

    SCALE = 1 << 40

    def __init__(self, n, num, den):
        self.cumulative = []
        total = 0
        for i in range(n):
            weight = max(1, int_root(self.SCALE ** den // (i + 1) ** num, den))
            total += weight
            self.cumulative.append(total)
        self.total = total

    def draw(self, rng):
        return bisect.bisect_right(self.cumulative, rng.below(self.total))


# ---------------------------------------------------------------------------
# Vocabulary: 24 services in rough order of CloudTrail volume, ~20 APIs
# each, most frequent first (the order sets the Zipf ranks of events).
# ---------------------------------------------------------------------------

SERVICES = [
    ("aws.sts", [
        "AssumeRole", "GetCallerIdentity", "AssumeRoleWithWebIdentity", "GetSessionToken",
        "AssumeRoleWithSAML", "GetFederationToken", "GetAccessKeyInfo",
        "DecodeAuthorizationMessage", "TagSession", "SetSourceIdentity"]),
    ("aws.s3", [
        "GetObject", "HeadObject", "PutObject", "ListObjectsV2", "GetBucketLocation",
        "HeadBucket", "ListBuckets", "DeleteObject", "CopyObject", "ListObjects",
        "GetBucketAcl", "GetBucketPolicy", "CreateMultipartUpload", "UploadPart",
        "CompleteMultipartUpload", "DeleteObjects", "GetBucketVersioning",
        "GetBucketEncryption", "GetObjectAcl", "PutObjectAcl", "PutBucketPolicy",
        "DeleteBucketPolicy", "PutBucketAcl", "CreateBucket", "DeleteBucket",
        "PutBucketVersioning", "PutBucketEncryption", "PutBucketPublicAccessBlock",
        "PutBucketLifecycle", "RestoreObject"]),
    ("aws.kms", [
        "Decrypt", "GenerateDataKey", "Encrypt", "DescribeKey",
        "GenerateDataKeyWithoutPlaintext", "ReEncrypt", "Sign", "Verify", "ListAliases",
        "ListKeys", "GetKeyPolicy", "CreateGrant", "RetireGrant", "CreateKey", "CreateAlias",
        "DeleteAlias", "PutKeyPolicy", "EnableKeyRotation", "DisableKey", "ScheduleKeyDeletion",
        "CancelKeyDeletion"]),
    ("aws.ec2", [
        "DescribeInstances", "DescribeSecurityGroups", "DescribeVolumes",
        "DescribeNetworkInterfaces", "DescribeSubnets", "DescribeVpcs", "DescribeImages",
        "DescribeSnapshots", "DescribeTags", "CreateTags", "DeleteTags", "RunInstances",
        "StartInstances", "StopInstances", "TerminateInstances", "ModifyInstanceAttribute",
        "CreateSecurityGroup", "DeleteSecurityGroup", "AuthorizeSecurityGroupIngress",
        "RevokeSecurityGroupIngress", "CreateVolume", "AttachVolume", "DetachVolume",
        "DeleteVolume", "CreateSnapshot", "DeleteSnapshot", "ModifySnapshotAttribute",
        "CreateImage", "ModifyImageAttribute", "CreateKeyPair", "AllocateAddress", "CreateVpc",
        "DeleteVpc", "CreateSubnet", "CreateRoute", "CreateFlowLogs", "DeleteFlowLogs",
        "GetConsoleOutput"]),
    ("aws.logs", [
        "CreateLogStream", "DescribeLogGroups", "DescribeLogStreams", "FilterLogEvents",
        "GetLogEvents", "StartQuery", "GetQueryResults", "StopQuery", "CreateLogGroup",
        "DeleteLogGroup", "DeleteLogStream", "PutRetentionPolicy", "DeleteRetentionPolicy",
        "PutSubscriptionFilter", "DeleteSubscriptionFilter", "DescribeSubscriptionFilters",
        "PutMetricFilter", "DeleteMetricFilter", "AssociateKmsKey", "DisassociateKmsKey",
        "PutResourcePolicy", "TagLogGroup"]),
    ("aws.lambda", [
        "GetFunction", "ListFunctions20150331", "GetFunctionConfiguration",
        "GetPolicy20150331v2", "ListAliases", "ListEventSourceMappings",
        "CreateFunction20150331", "UpdateFunctionCode20150331v2",
        "UpdateFunctionConfiguration20150331v2", "DeleteFunction20150331",
        "PublishVersion20150331", "AddPermission20150331v2", "RemovePermission20150331v2",
        "CreateEventSourceMapping20150331", "DeleteEventSourceMapping20150331",
        "PutFunctionConcurrency20171031", "CreateAlias20150331", "UpdateAlias20150331",
        "PublishLayerVersion20181031", "CreateFunctionUrlConfig", "TagResource"]),
    ("aws.dynamodb", [
        "DescribeTable", "ListTables", "DescribeTimeToLive", "DescribeContinuousBackups",
        "ListTagsOfResource", "DescribeGlobalTable", "ListBackups", "CreateTable",
        "UpdateTable", "DeleteTable", "UpdateTimeToLive", "UpdateContinuousBackups",
        "CreateBackup", "DeleteBackup", "RestoreTableFromBackup", "RestoreTableToPointInTime",
        "ExportTableToPointInTime", "TagResource", "UntagResource", "CreateGlobalTable"]),
    ("aws.ssm", [
        "UpdateInstanceInformation", "GetParameter", "GetParameters", "GetParametersByPath",
        "DescribeInstanceInformation", "ListAssociations", "DescribeParameters", "ListCommands",
        "PutParameter", "DeleteParameter", "DeleteParameters", "SendCommand", "StartSession",
        "TerminateSession", "CreateDocument", "UpdateDocument", "DeleteDocument",
        "ModifyDocumentPermission", "CreateAssociation", "StartAutomationExecution",
        "PutComplianceItems"]),
    ("aws.iam", [
        "GetRole", "ListRoles", "GetUser", "ListUsers", "ListAttachedRolePolicies", "GetPolicy",
        "ListAccessKeys", "GetAccountAuthorizationDetails", "GetCredentialReport", "CreateUser",
        "DeleteUser", "CreateAccessKey", "DeleteAccessKey", "CreateRole", "DeleteRole",
        "UpdateAssumeRolePolicy", "AttachRolePolicy", "DetachRolePolicy", "PutRolePolicy",
        "AttachUserPolicy", "DetachUserPolicy", "CreatePolicy", "CreatePolicyVersion",
        "DeletePolicy", "AddUserToGroup", "CreateLoginProfile", "UpdateLoginProfile",
        "EnableMFADevice", "DeactivateMFADevice", "CreateServiceLinkedRole", "TagRole",
        "CreateOpenIDConnectProvider", "UpdateAccountPasswordPolicy"]),
    ("aws.monitoring", [
        "GetMetricData", "ListMetrics", "GetMetricStatistics", "DescribeAlarms",
        "DescribeAlarmHistory", "DescribeAlarmsForMetric", "GetDashboard", "ListDashboards",
        "PutMetricAlarm", "DeleteAlarms", "SetAlarmState", "EnableAlarmActions",
        "DisableAlarmActions", "PutDashboard", "DeleteDashboards", "PutCompositeAlarm",
        "PutMetricStream", "DeleteMetricStream", "TagResource"]),
    ("aws.ecr", [
        "GetAuthorizationToken", "BatchGetImage", "GetDownloadUrlForLayer",
        "BatchCheckLayerAvailability", "DescribeImages", "DescribeRepositories",
        "DescribeImageScanFindings", "PutImage", "InitiateLayerUpload", "UploadLayerPart",
        "CompleteLayerUpload", "CreateRepository", "DeleteRepository", "BatchDeleteImage",
        "SetRepositoryPolicy", "DeleteRepositoryPolicy", "PutLifecyclePolicy",
        "PutImageScanningConfiguration"]),
    ("aws.secretsmanager", [
        "GetSecretValue", "DescribeSecret", "ListSecrets", "GetResourcePolicy", "CreateSecret",
        "PutSecretValue", "UpdateSecret", "RotateSecret", "CancelRotateSecret", "DeleteSecret",
        "RestoreSecret", "PutResourcePolicy", "DeleteResourcePolicy", "TagResource",
        "UntagResource", "ReplicateSecretToRegions"]),
    ("aws.sqs", [
        "GetQueueAttributes", "GetQueueUrl", "ListQueues", "ListQueueTags",
        "ListDeadLetterSourceQueues", "CreateQueue", "DeleteQueue", "SetQueueAttributes",
        "PurgeQueue", "AddPermission", "RemovePermission", "TagQueue", "UntagQueue",
        "StartMessageMoveTask", "CancelMessageMoveTask"]),
    ("aws.ecs", [
        "DescribeTasks", "ListTasks", "DescribeServices", "ListServices", "DescribeClusters",
        "DescribeTaskDefinition", "SubmitTaskStateChange", "RunTask", "StartTask", "StopTask",
        "RegisterTaskDefinition", "DeregisterTaskDefinition", "CreateService", "UpdateService",
        "DeleteService", "CreateCluster", "DeleteCluster", "ExecuteCommand",
        "UpdateContainerInstancesState"]),
    ("aws.sns", [
        "GetTopicAttributes", "ListTopics", "ListSubscriptions", "ListSubscriptionsByTopic",
        "ListTagsForResource", "CreateTopic", "DeleteTopic", "SetTopicAttributes", "Subscribe",
        "Unsubscribe", "ConfirmSubscription", "SetSubscriptionAttributes", "AddPermission",
        "RemovePermission", "TagResource"]),
    ("aws.cloudformation", [
        "DescribeStacks", "ListStacks", "DescribeStackEvents", "DescribeStackResources",
        "GetTemplate", "DescribeChangeSet", "ValidateTemplate", "CreateStack", "UpdateStack",
        "DeleteStack", "CreateChangeSet", "ExecuteChangeSet", "DeleteChangeSet",
        "CreateStackSet", "UpdateStackSet", "DeleteStackSet", "CreateStackInstances",
        "SetStackPolicy", "DetectStackDrift"]),
    ("aws.eks", [
        "DescribeCluster", "ListClusters", "ListNodegroups", "DescribeNodegroup", "ListAddons",
        "DescribeAddon", "CreateCluster", "DeleteCluster", "UpdateClusterConfig",
        "UpdateClusterVersion", "CreateNodegroup", "DeleteNodegroup", "UpdateNodegroupConfig",
        "CreateAddon", "CreateAccessEntry", "DeleteAccessEntry", "AssociateAccessPolicy",
        "CreateFargateProfile"]),
    ("aws.rds", [
        "DescribeDBInstances", "DescribeDBClusters", "DescribeDBSnapshots",
        "DescribeDBClusterSnapshots", "DescribeEvents", "CreateDBInstance", "ModifyDBInstance",
        "DeleteDBInstance", "StopDBInstance", "CreateDBSnapshot", "DeleteDBSnapshot",
        "CopyDBSnapshot", "ModifyDBSnapshotAttribute", "RestoreDBInstanceFromDBSnapshot",
        "CreateDBCluster", "ModifyDBCluster", "DeleteDBCluster", "CreateDBClusterSnapshot",
        "ModifyDBParameterGroup", "AddTagsToResource"]),
    ("aws.kinesis", [
        "DescribeStream", "DescribeStreamSummary", "ListStreams", "ListShards", "CreateStream",
        "DeleteStream", "UpdateShardCount", "MergeShards", "SplitShard",
        "StartStreamEncryption", "StopStreamEncryption", "RegisterStreamConsumer",
        "DeregisterStreamConsumer", "IncreaseStreamRetentionPeriod", "AddTagsToStream",
        "PutResourcePolicy"]),
    ("aws.elasticloadbalancing", [
        "DescribeLoadBalancers", "DescribeTargetGroups", "DescribeTargetHealth",
        "DescribeListeners", "DescribeLoadBalancerAttributes", "RegisterTargets",
        "DeregisterTargets", "CreateLoadBalancer", "DeleteLoadBalancer",
        "ModifyLoadBalancerAttributes", "CreateListener", "ModifyListener", "DeleteListener",
        "CreateTargetGroup", "DeleteTargetGroup", "CreateRule", "DeleteRule",
        "SetSecurityGroups", "AddTags"]),
    ("aws.autoscaling", [
        "DescribeAutoScalingGroups", "DescribeAutoScalingInstances",
        "DescribeScalingActivities", "DescribeLaunchConfigurations", "DescribePolicies",
        "CompleteLifecycleAction", "SetDesiredCapacity", "UpdateAutoScalingGroup",
        "CreateAutoScalingGroup", "DeleteAutoScalingGroup", "CreateLaunchConfiguration",
        "PutScalingPolicy", "DeletePolicy", "PutLifecycleHook", "SuspendProcesses",
        "ResumeProcesses", "TerminateInstanceInAutoScalingGroup", "StartInstanceRefresh"]),
    ("aws.cloudtrail", [
        "LookupEvents", "DescribeTrails", "GetTrailStatus", "GetEventSelectors", "ListTrails",
        "GetQueryResults", "StartQuery", "CreateTrail", "UpdateTrail", "DeleteTrail",
        "StartLogging", "StopLogging", "PutEventSelectors", "PutInsightSelectors",
        "CreateEventDataStore", "DeleteEventDataStore", "AddTags"]),
    ("aws.athena", [
        "GetQueryExecution", "GetQueryResults", "StartQueryExecution", "StopQueryExecution",
        "ListQueryExecutions", "GetWorkGroup", "ListWorkGroups", "GetDatabase", "ListDatabases",
        "GetTableMetadata", "ListTableMetadata", "CreateWorkGroup", "UpdateWorkGroup",
        "DeleteWorkGroup", "CreateNamedQuery", "CreateDataCatalog"]),
    ("aws.organizations", [
        "DescribeOrganization", "ListAccounts", "DescribeAccount",
        "ListOrganizationalUnitsForParent", "ListPolicies", "DescribePolicy", "CreateAccount",
        "InviteAccountToOrganization", "RemoveAccountFromOrganization", "LeaveOrganization",
        "MoveAccount", "CreateOrganizationalUnit", "CreatePolicy", "UpdatePolicy",
        "DeletePolicy", "AttachPolicy", "DetachPolicy", "EnablePolicyType",
        "EnableAWSServiceAccess", "RegisterDelegatedAdministrator"]),
]

# Most used first (Zipf ranks).
REGIONS = [
    "us-east-1", "eu-west-1", "us-west-2", "eu-central-1", "ap-northeast-1", "us-east-2",
    "ap-southeast-2", "ap-southeast-1", "eu-west-2", "ca-central-1", "ap-south-1", "eu-north-1",
    "sa-east-1", "us-west-1", "ap-northeast-2", "eu-west-3", "af-south-1",
]

READ_VERBS = ("Get", "List", "Describe", "Head", "Lookup", "Filter", "BatchGet",
              "BatchCheck", "Validate", "Decrypt", "Verify", "Generate")

ROLE_NAMES = ["OrganizationAccountAccessRole", "PlatformAdmin", "ReadOnlyAccess", "Developer",
              "DeployPipeline", "BuildRunner", "EtlJob", "BillingViewer", "SecurityAudit",
              "LambdaExecution", "EcsTaskRole", "OnCall", "BackupOperator", "TerraformApply",
              "GitHubOIDC", "ObservabilityAgent", "DataScience", "BreakGlass"]
PEOPLE = ["ana", "ben", "chen", "dmitri", "elif", "fatima", "gustavo", "hana", "ines", "jonas",
          "kwame", "lena", "mateo", "nora", "oskar", "priya", "quinn", "rosa", "sven", "tariq",
          "uma", "viktor", "wen", "yusuf", "zoe"]
INVOKING_SERVICES = ["events.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com",
                     "autoscaling.amazonaws.com", "config.amazonaws.com",
                     "cloudformation.amazonaws.com", "backup.amazonaws.com"]
USER_AGENTS = [  # Zipf ranks: SDKs dominate, console and tooling follow
    "Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux lang/python#3.11.8",
    "AWS Internal",
    "aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOARCH#amd64",
    "aws-cli/2.15.38 Python/3.11.8 Linux/6.1.82 exe/x86_64.amzn.2023",
    "aws-sdk-java/2.25.31 Linux/5.10.214 OpenJDK_64-Bit_Server_VM/21.0.2+13-LTS",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0.0.0",
    "Terraform/1.8.1 terraform-provider-aws/5.46.0 aws-sdk-go-v2/1.26.1",
    "aws-sdk-js/3.556.0 ua/2.0 os/linux lang/js md/nodejs#20.12.2",
    "console.amazonaws.com",
]
TLS_SUITES = ["TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_256_GCM_SHA384"]
ERRORS = [("AccessDenied", "User is not authorized to perform this operation"),
          ("ThrottlingException", "Rate exceeded"),
          ("ResourceNotFoundException", "The requested resource was not found"),
          ("ValidationException", "1 validation error detected")]

N_ACCOUNTS = 300
N_PRINCIPALS = 2000

# Zipf exponents as num/den.
SERVICE_SKEW = (1, 1)
API_SKEW = (11, 10)
PRINCIPAL_SKEW = (4, 5)
ACCOUNT_SKEW = (9, 10)
REGION_SKEW = (6, 5)
AGENT_SKEW = (1, 1)


def host_of(source):
    return source[len("aws."):] + ".amazonaws.com"


def is_read_only(api):
    return api.startswith(READ_VERBS)


# ---------------------------------------------------------------------------
# The world: accounts and principals shared by all three workloads
# ---------------------------------------------------------------------------

class Principal:
    __slots__ = ("type", "arn", "account", "key_id", "principal_id", "role", "session", "name",
                 "service")

    def __init__(self, **kw):
        for slot in self.__slots__:
            setattr(self, slot, kw.get(slot))


def make_world(seed):
    rng = stream(seed, "world")
    accounts, seen = [], set()
    while len(accounts) < N_ACCOUNTS:
        acct = "%012d" % rng.between(10 ** 10, 10 ** 12 - 1)
        if acct not in seen:
            seen.add(acct)
            accounts.append(acct)
    account_zipf = Zipf(N_ACCOUNTS, *ACCOUNT_SKEW)
    principals, seen = [], set()
    upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    while len(principals) < N_PRINCIPALS:
        # The first principal of every account comes in account order, so
        # every account has one; the rest go to accounts by Zipf weight.
        acct = accounts[len(principals)] if len(principals) < N_ACCOUNTS else accounts[account_zipf.draw(rng)]
        roll = rng.below(100)
        if roll < 50:
            role = "%s-%s" % (rng.pick(ROLE_NAMES), rng.hex(6))
            session = rng.pick(PEOPLE) if rng.chance(60) else "%d" % rng.between(1717000000, 1719999999)
            p = Principal(type="AssumedRole", account=acct, role=role, session=session,
                          arn="arn:aws:sts::%s:assumed-role/%s/%s" % (acct, role, session),
                          principal_id="AROA" + rng.chars(upper, 17), key_id="ASIA" + rng.chars(upper, 16))
        elif roll < 84:
            name = "%s.%s" % (rng.pick(PEOPLE), rng.hex(4)) if rng.chance(70) else "svc-%s" % rng.hex(6)
            p = Principal(type="IAMUser", account=acct, name=name, arn="arn:aws:iam::%s:user/%s" % (acct, name),
                          principal_id="AIDA" + rng.chars(upper, 17), key_id="AKIA" + rng.chars(upper, 16))
        elif roll < 92:
            # Calls made by a service on the account's behalf: no arn.
            p = Principal(type="AWSService", account=acct, service=rng.pick(INVOKING_SERVICES))
        elif roll < 95:
            p = Principal(type="Root", account=acct, arn="arn:aws:iam::%s:root" % acct,
                          principal_id=acct, key_id="ASIA" + rng.chars(upper, 16))
        elif roll < 98:
            name = rng.pick(PEOPLE)
            p = Principal(type="FederatedUser", account=acct, name=name,
                          arn="arn:aws:sts::%s:federated-user/%s" % (acct, name),
                          principal_id="%s:%s" % (acct, name), key_id="ASIA" + rng.chars(upper, 16))
        else:
            # Another account acting through a resource policy: no arn.
            p = Principal(type="AWSAccount", account=acct, principal_id="AIDA" + rng.chars(upper, 17))
        ident = (p.type, p.account, p.arn, p.service)
        if ident in seen:
            continue
        seen.add(ident)
        principals.append(p)
    return World(accounts, principals)


class World:
    def __init__(self, accounts, principals):
        self.accounts = accounts
        self.principals = principals
        self.with_arn = [p for p in principals if p.arn is not None]
        self.service_zipf = Zipf(len(SERVICES), *SERVICE_SKEW)
        self.api_zipf = [Zipf(len(apis), *API_SKEW) for _, apis in SERVICES]
        self.principal_zipf = Zipf(N_PRINCIPALS, *PRINCIPAL_SKEW)
        self.region_zipf = Zipf(len(REGIONS), *REGION_SKEW)
        self.agent_zipf = Zipf(len(USER_AGENTS), *AGENT_SKEW)
        self.service_index = {src: i for i, (src, _) in enumerate(SERVICES)}


# ---------------------------------------------------------------------------
# Calls: the matchable facts of one event, before rendering
# ---------------------------------------------------------------------------

class Call:
    __slots__ = ("service", "api", "principal", "region", "bytes_in")

    def __init__(self, service, api, principal, region, bytes_in):
        self.service, self.api, self.principal = service, api, principal
        self.region, self.bytes_in = region, bytes_in


def draw_bytes(rng):
    """Log-uniform-ish: the decade is uniform in 0..9, the value uniform in it."""
    decade = rng.below(10)
    if decade == 0:
        return 0
    return rng.between(10 ** (decade - 1), 10 ** decade - 1)


def draw_call(world, rng):
    """One call from the event distribution (Zipf-skewed everywhere)."""
    service = world.service_zipf.draw(rng)
    api = SERVICES[service][1][world.api_zipf[service].draw(rng)]
    principal = world.principals[world.principal_zipf.draw(rng)]
    region = REGIONS[world.region_zipf.draw(rng)]
    return Call(service, api, principal, region, draw_bytes(rng))


# ---------------------------------------------------------------------------
# Rendering a call as an EventBridge event around a CloudTrail record
# ---------------------------------------------------------------------------

EPOCH = datetime.datetime(2024, 6, 1, 0, 0, 0)


def timestamp(seconds):
    t = EPOCH + datetime.timedelta(seconds=seconds)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (t.year, t.month, t.day, t.hour, t.minute, t.second)


def uuid4(rng):
    h = rng.hex(32)
    return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], "89ab"[rng.below(4)], h[17:20], h[20:])


def user_identity(p, rng, when):
    if p.type == "AWSService":
        return {"type": "AWSService", "invokedBy": p.service}
    if p.type == "AWSAccount":
        return {"type": "AWSAccount", "principalId": p.principal_id, "accountId": p.account}
    ident = {"type": p.type}
    if p.type == "AssumedRole":
        ident["principalId"] = "%s:%s" % (p.principal_id, p.session)
    else:
        ident["principalId"] = p.principal_id
    ident["arn"] = p.arn
    ident["accountId"] = p.account
    ident["accessKeyId"] = p.key_id
    if p.type == "IAMUser":
        ident["userName"] = p.name
    if p.type in ("AssumedRole", "FederatedUser"):
        if p.type == "AssumedRole":
            issuer = {"type": "Role", "principalId": p.principal_id,
                      "arn": "arn:aws:iam::%s:role/%s" % (p.account, p.role),
                      "accountId": p.account, "userName": p.role}
        else:
            issuer = {"type": "IAMUser", "principalId": p.principal_id,
                      "arn": "arn:aws:iam::%s:user/%s" % (p.account, p.name),
                      "accountId": p.account, "userName": p.name}
        ident["sessionContext"] = {
            "sessionIssuer": issuer,
            "attributes": {"creationDate": timestamp(when - rng.below(3600)),
                           "mfaAuthenticated": "true" if rng.chance(15) else "false"},
        }
    return ident


def request_parameters(call, rng):
    src = SERVICES[call.service][0]
    stem = call.api[:14].lower()
    if src == "aws.s3":
        bucket = "%s-%s" % (rng.pick(["logs", "artifacts", "data-lake", "backups", "static-site"]), call.principal.account)
        params = {"bucketName": bucket, "Host": "%s.s3.%s.amazonaws.com" % (bucket, call.region)}
        if "Object" in call.api or call.api == "UploadPart":
            params["key"] = "%s/%s/%s.json" % (rng.pick(["raw", "curated", "tmp"]), timestamp(-86400 * rng.below(365))[:10], rng.hex(12))
        return params
    if src == "aws.kms":
        return {"keyId": "arn:aws:kms:%s:%s:key/%s" % (call.region, call.principal.account, uuid4(rng)),
                "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}
    if src == "aws.sts":
        return {"roleArn": "arn:aws:iam::%s:role/%s" % (call.principal.account, rng.pick(ROLE_NAMES)),
                "roleSessionName": "%s-%s" % (rng.pick(PEOPLE), rng.hex(8))}
    params = {"name": "%s-%s" % (stem, rng.hex(8))}
    if rng.chance(10):
        params["tags"] = [{"key": "team", "value": rng.pick(PEOPLE)},
                          {"key": "env", "value": rng.pick(["prod", "staging", "dev"])}]
    return params


def render(world, rng, call, seq):
    """The event (a dict, keys in CloudTrail order) for a call."""
    src = SERVICES[call.service][0]
    p = call.principal
    when = seq * 2 + rng.below(2)
    ts = timestamp(when)
    if p.type == "AWSService":
        ip, agent = p.service, p.service
    else:
        ip = "%d.%d.%d.%d" % (rng.between(3, 223), rng.below(256), rng.below(256), rng.between(1, 254))
        agent = USER_AGENTS[world.agent_zipf.draw(rng)]
    read_only = is_read_only(call.api)
    detail = {
        "eventVersion": "1.09",
        "userIdentity": user_identity(p, rng, when),
        "eventTime": ts,
        "eventSource": host_of(src),
        "eventName": call.api,
        "awsRegion": call.region,
        "sourceIPAddress": ip,
        "userAgent": agent,
    }
    if rng.chance(4):
        code, message = rng.pick(ERRORS)
        detail["errorCode"] = code
        detail["errorMessage"] = message
    detail["requestParameters"] = request_parameters(call, rng)
    detail["responseElements"] = None
    if src == "aws.s3":
        detail["additionalEventData"] = {"SignatureVersion": "SigV4",
                                         "bytesTransferredIn": call.bytes_in,
                                         "bytesTransferredOut": draw_bytes(rng)}
    else:
        detail["additionalEventData"] = {"bytesTransferredIn": call.bytes_in}
    detail["requestID"] = rng.chars("ABCDEFGHJKMNPQRSTVWXYZ0123456789", 16)
    detail["eventID"] = uuid4(rng)
    detail["readOnly"] = read_only
    detail["eventType"] = "AwsApiCall"
    detail["managementEvent"] = src != "aws.s3"
    detail["recipientAccountId"] = p.account
    detail["eventCategory"] = "Data" if src == "aws.s3" else "Management"
    if p.type != "AWSService" and rng.chance(5):
        detail["tlsDetails"] = {"tlsVersion": "TLSv1.3" if rng.chance(70) else "TLSv1.2",
                                "cipherSuite": rng.pick(TLS_SUITES),
                                "clientProvidedHostHeader": "%s.%s.amazonaws.com" % (src[4:], call.region)}
    return {
        "version": "0",
        "id": uuid4(rng),
        "detail-type": "AWS API Call via CloudTrail",
        "source": src,
        "account": p.account,
        "time": ts,
        "region": call.region,
        "resources": [],
        "detail": detail,
    }


def principal_field(p, path):
    """What the rendered event holds at path for principal p (None: absent)."""
    if path == ("account",):
        return p.account
    if path == ("detail", "userIdentity", "arn"):
        return p.arn
    if path == ("detail", "userIdentity", "type"):
        return p.type
    raise KeyError(path)


PRINCIPAL_PATHS = (("account",), ("detail", "userIdentity", "arn"), ("detail", "userIdentity", "type"))


# ---------------------------------------------------------------------------
# Patterns
# ---------------------------------------------------------------------------

def exact_patterns(world, rng, count):
    """W1/W2: source + detail.eventName (1 name, or 2-3 for 20%) + account
    (55%) or detail.userIdentity.arn (45%), all exact, all distinct. Targets
    are uniform over services, APIs, accounts and principals."""
    patterns, seen = [], set()
    while len(patterns) < count:
        service = rng.below(len(SERVICES))
        src, apis = SERVICES[service]
        names = [rng.pick(apis)]
        if rng.chance(20):
            want = rng.between(2, 3)
            while len(names) < want:
                name = rng.pick(apis)
                if name not in names:
                    names.append(name)
        if rng.chance(55):
            third_key, third = "account", rng.pick(world.accounts)
        else:
            third_key, third = "arn", rng.pick(world.with_arn).arn
        key = (src, tuple(sorted(names)), third_key, third)
        if key in seen:
            continue
        seen.add(key)
        pattern = {"source": [src], "detail": {"eventName": names}}
        if third_key == "account":
            pattern["account"] = [third]
        else:
            pattern["detail"]["userIdentity"] = {"arn": [third]}
        patterns.append(pattern)
    return patterns


# W3 operator mix: exact counts per 100 patterns.
W3_KINDS = [("prefix-name", 20), ("prefix-arn", 15), ("anything-but-type", 20),
            ("anything-but-region", 15), ("numeric-bytes", 30)]
NAME_PREFIXES = ["Get", "List", "Describe", "Create", "Delete", "Put", "Update", "Start", "Stop",
                 "Attach", "Detach", "Modify", "Assume", "Enable", "Disable", "Tag", "Batch"]
IDENTITY_TYPES = ["AssumedRole", "IAMUser", "AWSService", "Root", "FederatedUser", "AWSAccount"]


def operator_pattern(world, rng, kind):
    service = rng.below(len(SERVICES))
    src, apis = SERVICES[service]
    api = rng.pick(apis)
    pattern = {"source": [src]}
    if kind == "prefix-name":
        usable = [pf for pf in NAME_PREFIXES if any(a.startswith(pf) for a in apis)]
        pattern["detail"] = {"eventName": [{"prefix": rng.pick(usable)}],
                             "awsRegion": [rng.pick(REGIONS)]}
    elif kind == "prefix-arn":
        p = rng.pick(world.with_arn)
        cut = rng.below(3)
        if cut == 0:  # everything of this kind in the account: ...:user/ or ...:assumed-role/
            prefix = p.arn[:p.arn.index("/") + 1] if "/" in p.arn else p.arn
        elif cut == 1 and p.role:  # one role family, any suffix and session
            prefix = "arn:aws:sts::%s:assumed-role/%s" % (p.account, p.role.rsplit("-", 1)[0])
        else:  # the account's principals in one partition/service namespace
            prefix = p.arn[:p.arn.index(p.account) + len(p.account) + 1]
        pattern["detail"] = {"eventName": [api], "userIdentity": {"arn": [{"prefix": prefix}]}}
    elif kind == "anything-but-type":
        excluded = ["AWSService"] if rng.chance(50) else ["AWSService", rng.pick(["AssumedRole", "IAMUser", "Root"])]
        pattern["detail"] = {"eventName": [api], "userIdentity": {"type": [{"anything-but": excluded}]}}
    elif kind == "anything-but-region":
        excluded = []
        for _ in range(rng.between(1, 3)):
            region = REGIONS[rng.below(4)]
            if region not in excluded:
                excluded.append(region)
        pattern["account"] = [rng.pick(world.accounts)]
        pattern["detail"] = {"eventName": [api], "awsRegion": [{"anything-but": excluded}]}
    elif kind == "numeric-bytes":
        lo = rng.between(1, 9) * 10 ** rng.between(2, 7)
        form = rng.below(3)
        if form == 0:
            spec = [">", lo]
        elif form == 1:
            spec = [">=", lo, "<", lo * rng.between(2, 40)]
        else:
            spec = [">", lo, "<=", lo * rng.between(2, 40)]
        pattern["detail"] = {"eventName": [api],
                             "additionalEventData": {"bytesTransferredIn": [{"numeric": spec}]}}
    else:
        raise ValueError(kind)
    return pattern


def operator_patterns(world, rng, count):
    """W3: count patterns in the W3_KINDS proportions, shuffled, distinct."""
    kinds = []
    for kind, per100 in W3_KINDS:
        kinds.extend([kind] * (count * per100 // 100))
    while len(kinds) < count:
        kinds.append(W3_KINDS[len(kinds) % len(W3_KINDS)][0])
    rng.shuffle(kinds)
    patterns, seen = [], set()
    for kind in kinds:
        while True:
            pattern = operator_pattern(world, rng, kind)
            key = json.dumps(pattern, sort_keys=True)
            if key not in seen:
                seen.add(key)
                patterns.append(pattern)
                break
    return patterns, kinds


# ---------------------------------------------------------------------------
# Building a call that a given pattern matches
# ---------------------------------------------------------------------------

def integer_range(spec):
    """The integers [lo, hi] satisfying a numeric spec (integer bounds)."""
    lo, hi = 0, None
    for i in range(0, len(spec), 2):
        op, n = spec[i], spec[i + 1]
        if op == ">":
            lo = max(lo, n + 1)
        elif op == ">=":
            lo = max(lo, n)
        elif op == "<":
            hi = n - 1 if hi is None else min(hi, n - 1)
        elif op == "<=":
            hi = n if hi is None else min(hi, n)
        elif op == "=":
            lo, hi = max(lo, n), n if hi is None else min(hi, n)
    if hi is None:
        hi = lo * 20 + 1000
    return lo, hi


def call_for(world, rng, pattern):
    """A call built to satisfy pattern: drawn from the distribution, then each
    constrained field is set to a value chosen among those one (randomly
    picked) entry of the pattern accepts."""
    fields = reference_match.pattern_fields(pattern)
    for _ in range(1000):
        call = draw_call(world, rng)
        constraints = {}
        for path, entries in fields:
            constraints[path] = rng.pick(entries)
        src = constraints.pop(("source",))
        call.service = world.service_index[src]
        apis = SERVICES[call.service][1]
        entry = constraints.pop(("detail", "eventName"), None)
        if entry is None:
            call.api = apis[world.api_zipf[call.service].draw(rng)]
        else:
            call.api = rng.pick([a for a in apis if reference_match.entry_matches(entry, a)])
        entry = constraints.pop(("detail", "awsRegion"), None)
        if entry is not None:
            call.region = rng.pick([r for r in REGIONS if reference_match.entry_matches(entry, r)])
        entry = constraints.pop(("detail", "additionalEventData", "bytesTransferredIn"), None)
        if entry is not None:
            lo, hi = integer_range(entry["numeric"])
            call.bytes_in = rng.between(lo, hi)
        on_principal = [(path, constraints.pop(path)) for path in PRINCIPAL_PATHS if path in constraints]
        if constraints:
            raise ValueError("cannot build events for fields %r" % sorted(constraints))
        if on_principal:
            fits = [p for p in world.principals
                    if all(principal_field(p, path) is not None
                           and reference_match.entry_matches(e, principal_field(p, path))
                           for path, e in on_principal)]
            if not fits:
                continue
            call.principal = rng.pick(fits)
        return call
    raise RuntimeError("no call satisfies %s" % json.dumps(pattern))


# ---------------------------------------------------------------------------
# Writing a workload
# ---------------------------------------------------------------------------

def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_workload(out, name, seed, n_events, world, rng, patterns, extra):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "patterns.json"), "w", newline="\n") as f:
        f.write("[\n" + ",\n".join(compact(p) for p in patterns) + "\n]\n")
    matcher = reference_match.ReferenceMatcher(patterns)

    # Exactly HIT_PERCENT% of the positions (rounded) get a built match.
    n_hits = (n_events * HIT_PERCENT + 50) // 100
    order = list(range(n_events))
    for i in range(n_hits):  # partial Fisher-Yates
        j = rng.between(i, n_events - 1)
        order[i], order[j] = order[j], order[i]
    is_hit = bytearray(n_events)
    for pos in order[:n_hits]:
        is_hit[pos] = 1

    total_bytes = matching_events = matching_pairs = redraws = 0
    with open(os.path.join(folder, "events.jsonl"), "w", newline="\n") as fe, \
            open(os.path.join(folder, "expected.jsonl"), "w", newline="\n") as fx:
        for seq in range(n_events):
            while True:
                if is_hit[seq]:
                    target = rng.below(len(patterns))
                    call = call_for(world, rng, patterns[target])
                else:
                    target = None
                    call = draw_call(world, rng)
                line = compact(render(world, rng, call, seq))
                matched = matcher.match(json.loads(line))
                if target is not None:
                    if target not in matched:
                        raise AssertionError("event built for pattern %d does not match it: %s" % (target, line))
                    break
                if not matched:
                    break
                redraws += 1  # a background event matched by chance: draw again
            fe.write(line + "\n")
            fx.write(compact(matched) + "\n")
            total_bytes += len(line) + 1
            if matched:
                matching_events += 1
                matching_pairs += len(matched)

    tenths = (total_bytes * 10 + n_events // 2) // n_events if n_events else 0
    manifest = {
        "name": name,
        "generator": "bench/workloads/gen_workloads.py",
        "seed": seed,
        "patterns": len(patterns),
        "events": n_events,
        "events_bytes": total_bytes,
        "mean_event_bytes": tenths / 10,
        "built_hits": n_hits,
        "matching_events": matching_events,
        "matching_pairs": matching_pairs,
        "miss_redraws": redraws,
    }
    manifest.update(extra)
    manifest["sha256"] = {fn: sha256_of(os.path.join(folder, fn))
                          for fn in ("patterns.json", "events.jsonl", "expected.jsonl")}
    with open(os.path.join(folder, "manifest.json"), "w", newline="\n") as f:
        f.write("{\n" + ",\n".join(" %s: %s" % (compact(k), compact(v)) for k, v in manifest.items()) + "\n}\n")
    return manifest


WORKLOADS = ("w1", "w2", "w3")


def generate(out, name, seed, n_events, world=None, w2_patterns=10000):
    if world is None:
        world = make_world(seed)
    rng = stream(seed, name)
    extra = {}
    if name == "w1":
        patterns = exact_patterns(world, rng, 1000)
    elif name == "w2":
        patterns = exact_patterns(world, rng, w2_patterns)
    else:
        patterns, kinds = operator_patterns(world, rng, 100)
        extra["pattern_kinds"] = {k: kinds.count(k) for k, _ in sorted(W3_KINDS)}
        extra["numeric_pattern_ids"] = [i for i, k in enumerate(kinds) if k == "numeric-bytes"]
    return write_workload(out, name, seed, n_events, world, rng, patterns, extra)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate the W1-W3 benchmark workloads (see README.md).")
    ap.add_argument("--out", required=True, help="output folder; w1/, w2/, w3/ are written inside")
    ap.add_argument("--events", type=int, default=DEFAULT_EVENTS, help="events per workload (default %(default)s)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed (default %(default)s)")
    ap.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated subset of w1,w2,w3")
    ap.add_argument("--jobs", type=int, default=0,
                    help="workloads generated at once, one process each (default: one per CPU);"
                         " the output does not depend on it")
    ap.add_argument("--w2-patterns", type=int, default=10000,
                    help="patterns in w2 (default %(default)s; 100000 for the compile-scaling figure)")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown or not names:
        ap.error("--only takes a comma-separated subset of w1,w2,w3")
    if args.w2_patterns < 1:
        ap.error("--w2-patterns must be at least 1")
    if args.events < 1:
        ap.error("--events must be at least 1")
    names = [n for n in WORKLOADS if n in names]
    jobs = min(len(names), args.jobs if args.jobs > 0 else (os.cpu_count() or 1))
    if jobs > 1:
        # Each workload has its own random stream, so running them in
        # separate processes gives the same bytes as running them in turn.
        import concurrent.futures
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(generate, args.out, n, args.seed, args.events, None, args.w2_patterns) for n in names]
            manifests = [f.result() for f in futures]
    else:
        world = make_world(args.seed)
        manifests = [generate(args.out, n, args.seed, args.events, world, args.w2_patterns) for n in names]
    for m in manifests:
        print(compact({k: m[k] for k in ("name", "patterns", "events", "mean_event_bytes",
                                         "matching_events", "matching_pairs", "miss_redraws")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
