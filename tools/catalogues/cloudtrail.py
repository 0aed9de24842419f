#!/usr/bin/env python3
"""Writes catalogues/cloudtrail.json: the CloudTrail record, as EventBridge
delivers it in `detail` of "AWS API Call via CloudTrail" (and the other
CloudTrail detail-types proact's normalizer gives a raw record).

Run once by hand:  python3 tools/catalogues/cloudtrail.py > catalogues/cloudtrail.json

There is no machine-readable schema of the CloudTrail record; the fields below
are transcribed from AWS's published documentation (AWS CloudTrail User
Guide), pages:
  * "CloudTrail record contents for management, data, and network activity
    events"  https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
    (record fields up to eventVersion 1.11)
  * "CloudTrail userIdentity element"
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
  * "AWS Management Console sign-in events"
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html
    (responseElements.ConsoleLogin, additionalEventData members)
Types follow the documentation and its examples: readOnly and
managementEvent are JSON booleans; sessionCredentialFromConsole and
sessionContext.attributes.mfaAuthenticated are the strings "true"/"false".

Closed vs open: the record's top level and userIdentity are closed: the
documentation lists every field for the current eventVersion, and a name
outside it is far more likely a typo than a new field (CloudTrail bumps the
minor eventVersion when it adds one; a policy can vouch for a field the
catalogue misses). Nested documented objects whose members AWS has been
extending (sessionContext, tlsDetails, addendum, resources[]) are open.
requestParameters, responseElements, additionalEventData,
serviceEventDetails, edgeDeviceDetails, eventContext and insightDetails are
"any" (per-API or per-service contents), except for console sign-ins, whose
responseElements and additionalEventData are documented (and open).
"""
import json
import sys

S = "string"
NS = ["string", "null"]


def obj(members, open_=False):
    return {"object": members, "open": open_}


shapes = {
    "SessionIssuer": obj({"type": S, "principalId": S, "arn": S, "accountId": S, "userName": S}, True),
    "SessionContext": obj({
        "sessionIssuer": {"$ref": "SessionIssuer"},
        "webIdFederationData": obj({"federatedProvider": S, "attributes": obj({}, True)}, True),
        "attributes": obj({"creationDate": S, "mfaAuthenticated": S}, True),
        "sourceIdentity": S,
        "ec2RoleDelivery": S,
        "assumedRoot": S,
    }, True),
    "UserIdentity": obj({
        "type": S,
        "principalId": S,
        "arn": S,
        "accountId": S,
        "accessKeyId": S,
        "userName": S,
        "sessionContext": {"$ref": "SessionContext"},
        "invokedBy": S,
        "identityProvider": S,
        "credentialId": S,
        "onBehalfOf": obj({"userId": S, "identityStoreArn": S}, True),
        "inScopeOf": obj({"sourceArn": S, "sourceAccount": S, "issuerType": S,
                          "credentialsIssuedTo": S}, True),
    }, False),
    "Resource": obj({"ARN": S, "arn": S, "accountId": S, "type": S}, True),
}


def record(response_elements, additional_event_data):
    return obj({
        "eventTime": S,
        "eventVersion": S,
        "userIdentity": {"$ref": "UserIdentity"},
        "eventSource": S,
        "eventName": S,
        "awsRegion": S,
        "sourceIPAddress": S,
        "userAgent": S,
        "errorCode": S,
        "errorMessage": S,
        "requestParameters": "any",
        "responseElements": response_elements,
        "additionalEventData": additional_event_data,
        "requestID": S,
        "eventID": S,
        "eventType": S,
        "apiVersion": S,
        "managementEvent": "boolean",
        "readOnly": "boolean",
        "resources": {"array": {"$ref": "Resource"}},
        "recipientAccountId": S,
        "serviceEventDetails": "any",
        "sharedEventID": S,
        "vpcEndpointId": S,
        "vpcEndpointAccountId": S,
        "eventCategory": S,
        "addendum": obj({"reason": S, "updatedFields": S, "originalRequestID": S,
                         "originalEventID": S}, True),
        "sessionCredentialFromConsole": S,
        "edgeDeviceDetails": "any",
        "tlsDetails": obj({"tlsVersion": S, "cipherSuite": S, "clientProvidedHostHeader": S}, True),
        "eventContext": "any",
        "insightDetails": "any",
    }, False)


shapes["ConsoleSignIn"] = record(
    [obj({"ConsoleLogin": S}, True), "null"],
    [obj({"LoginTo": S, "MobileVersion": S, "MFAUsed": S, "MFAIdentifier": S,
          "CredentialType": S, "SamlProviderArn": S, "HasPermissionBoundary": S}, True), "null"])

doc = {
    "_provenance": {
        "what": "CloudTrail record (management, data and console sign-in events) as the detail of "
                "EventBridge's CloudTrail detail-types",
        "from": "AWS CloudTrail User Guide (docs.aws.amazon.com/awscloudtrail/latest/userguide/): "
                "'CloudTrail record contents for management, data, and network activity events' "
                "(eventVersion 1.11), 'CloudTrail userIdentity element', 'AWS Management Console "
                "sign-in events'; transcribed by hand into tools/catalogues/cloudtrail.py",
        "extracted_by": "tools/catalogues/cloudtrail.py",
        "date": "2026-11-29",
        "licence": "Field names and types are facts from AWS documentation (docs CC-BY-SA-4.0); "
                   "this file is the project's own transcription",
        "notes": "Top level and userIdentity closed (documented list complete for eventVersion 1.11); "
                 "per-API parts are 'any'. Insight events (AWS Insight via CloudTrail) are not covered.",
    },
    "applies_to": [
        {"source": {"prefix": "aws."}, "detail-type": "AWS API Call via CloudTrail"},
        {"source": {"prefix": "aws."}, "detail-type": "AWS Service Event via CloudTrail"},
        {"source": {"prefix": "aws."}, "detail-type": "AWS Console Action via CloudTrail"},
        {"source": "aws.signin", "detail-type": "AWS Console Sign In via CloudTrail",
         "shape": "ConsoleSignIn"},
    ],
    "shapes": shapes,
    "detail": record("any", "any"),
}
json.dump(doc, sys.stdout, indent=1)
sys.stdout.write("\n")
