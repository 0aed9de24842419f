#!/usr/bin/env python3
"""Writes catalogues/gcp_audit.json: a Cloud Audit Logs LogEntry whose
protoPayload is an AuditLog, as proact's normalizer puts it in `detail`
(source gcp.<service>, detail-type "GCP API Call via Cloud Audit Logs").

Run once by hand:  python3 tools/catalogues/gcp_audit.py > catalogues/gcp_audit.json

Transcribed by hand from Google's published references (no package holds a
JSON schema of them):
  * LogEntry: https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry
    (google/logging/v2/log_entry.proto)
  * AuditLog: https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog
    (google/cloud/audit/audit_log.proto), with AuthenticationInfo,
    AuthorizationInfo, RequestMetadata, ResourceLocation,
    ServiceAccountDelegationInfo, PolicyViolationInfo
  * google.rpc.Status (status), google.rpc.context.AttributeContext
    (requestAttributes, destinationAttributes).
Types follow proto3's JSON mapping: int64/uint64 (numResponseItems,
sourceLocation.line, httpRequest sizes) are strings, int32 numbers,
Timestamp/Duration strings, Struct/Any objects, enums strings.
request, response, metadata, serviceData, resourceOriginalState,
status.details, jsonPayload and labels are "any" or open maps.
Every object is open except the LogEntry and AuditLog top levels, whose
member lists are the published messages (a policy can vouch for a field the
catalogue misses).
"""
import json
import sys

S, N, B = "string", "number", "boolean"


def obj(m, open_=True):
    return {"object": m, "open": open_}


MAP = obj({})

shapes = {
    "AuditLog": obj({
        "@type": S,
        "serviceName": S,
        "methodName": S,
        "resourceName": S,
        "resourceLocation": obj({"currentLocations": {"array": S}, "originalLocations": {"array": S}}),
        "resourceOriginalState": "any",
        "numResponseItems": S,
        "status": obj({"code": N, "message": S, "details": {"array": "any"}}),
        "authenticationInfo": {"$ref": "AuthenticationInfo"},
        "authorizationInfo": {"array": {"$ref": "AuthorizationInfo"}},
        "policyViolationInfo": obj({"orgPolicyViolationInfo": obj({
            "payload": "any", "resourceType": S, "resourceTags": MAP,
            "violationInfo": {"array": obj({"constraint": S, "errorMessage": S,
                                            "checkedValue": S, "policyType": S})}})}),
        "requestMetadata": {"$ref": "RequestMetadata"},
        "request": "any",
        "response": "any",
        "metadata": "any",
        "serviceData": "any",
    }, False),
    "AuthenticationInfo": obj({
        "principalEmail": S,
        "authoritySelector": S,
        "thirdPartyPrincipal": MAP,
        "serviceAccountKeyName": S,
        "serviceAccountDelegationInfo": {"array": obj({
            "principalSubject": S,
            "firstPartyPrincipal": obj({"principalEmail": S, "serviceMetadata": MAP}),
            "thirdPartyPrincipal": obj({"thirdPartyClaims": MAP}),
        })},
        "principalSubject": S,
        "oauthInfo": obj({"oauthClientId": S}),
        "loggableShortLivedCredential": MAP,
        "serviceDelegationHistory": MAP,
    }),
    "AuthorizationInfo": obj({
        "resource": S,
        "permission": S,
        "granted": B,
        "resourceAttributes": {"$ref": "Resource"},
        "permissionType": S,
    }),
    "Resource": obj({"service": S, "name": S, "type": S, "labels": MAP, "uid": S,
                     "annotations": MAP, "displayName": S, "createTime": S, "updateTime": S,
                     "deleteTime": S, "etag": S, "location": S}),
    "Peer": obj({"ip": S, "port": S, "labels": MAP, "principal": S, "regionCode": S}),
    "RequestMetadata": obj({
        "callerIp": S,
        "callerSuppliedUserAgent": S,
        "callerNetwork": S,
        "requestAttributes": obj({"id": S, "method": S, "headers": MAP, "path": S, "host": S,
                                  "scheme": S, "query": S, "time": S, "size": S, "protocol": S,
                                  "reason": S, "auth": MAP}),
        "destinationAttributes": {"$ref": "Peer"},
    }),
}

detail = obj({
    "logName": S,
    "resource": obj({"type": S, "labels": MAP}),
    "protoPayload": {"$ref": "AuditLog"},
    "textPayload": S,
    "jsonPayload": MAP,
    "timestamp": S,
    "receiveTimestamp": S,
    "severity": S,
    "insertId": S,
    "httpRequest": obj({"requestMethod": S, "requestUrl": S, "requestSize": S, "status": N,
                        "responseSize": S, "userAgent": S, "remoteIp": S, "serverIp": S,
                        "referer": S, "latency": S, "cacheLookup": B, "cacheHit": B,
                        "cacheValidatedWithOriginServer": B, "cacheFillBytes": S, "protocol": S}),
    "labels": MAP,
    "metadata": MAP,
    "operation": obj({"id": S, "producer": S, "first": B, "last": B}),
    "trace": S,
    "spanId": S,
    "traceSampled": B,
    "sourceLocation": obj({"file": S, "line": S, "function": S}),
    "split": obj({"uid": S, "index": N, "totalSplits": N}),
    "errorGroups": {"array": obj({"id": S})},
    "apphub": MAP,
    "apphubDestination": MAP,
}, False)

doc = {
    "_provenance": {
        "what": "Cloud Audit Logs LogEntry with an AuditLog protoPayload (detail of "
                "'GCP API Call via Cloud Audit Logs')",
        "from": "Google Cloud Logging API reference: LogEntry "
                "(cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry) and AuditLog "
                "(cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog), "
                "proto3 JSON mapping; transcribed by hand into tools/catalogues/gcp_audit.py",
        "extracted_by": "tools/catalogues/gcp_audit.py",
        "date": "2026-11-29",
        "licence": "Field names and types are facts from Google's documentation (CC-BY-4.0 docs, "
                   "Apache-2.0 protos); this file is the project's own transcription",
        "notes": "LogEntry and AuditLog top levels closed, everything below open; request, response, "
                 "metadata, serviceData, resourceOriginalState are 'any'. Log stores that lower-case "
                 "the LogEntry keys (proact's normalizer accepts insertid, logname...) are not "
                 "described: those are not Google's field names.",
    },
    "applies_to": [{"source": {"prefix": "gcp."}, "detail-type": "GCP API Call via Cloud Audit Logs"}],
    "shapes": shapes,
    "detail": detail,
}
json.dump(doc, sys.stdout, indent=1)
sys.stdout.write("\n")
