#!/usr/bin/env python3
"""Writes catalogues/azure.json: Azure Event Grid events (Event Grid schema
and CloudEvents schema) for Azure Resource Manager resource events, and
Azure Monitor activity log records, as proact's normalizer puts them in
`detail`.

Run once by hand:  python3 tools/catalogues/azure.py > catalogues/azure.json

Transcribed by hand from Microsoft's published documentation:
  * Event Grid event schema: https://learn.microsoft.com/azure/event-grid/event-schema
    (id, topic, subject, eventType, eventTime, data, dataVersion, metadataVersion)
  * CloudEvents v1.0 schema with Event Grid:
    https://learn.microsoft.com/azure/event-grid/cloud-event-schema
    (specversion, type, source, subject, id, time, data, datacontenttype,
    dataschema; extension attributes allowed, so open)
  * Azure Resource Manager (resource group / subscription) events, data
    properties: https://learn.microsoft.com/azure/event-grid/event-schema-resource-groups
    (authorization, claims, correlationId, httpRequest, resourceProvider,
    resourceUri, operationName, status, subscriptionId, tenantId)
  * Azure Monitor activity log schema, "Schema from storage account and
    event hubs": https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema
How proact names them (src/normalize/sources.cc): Event Grid / CloudEvents
-> source azure.<provider> from the event type, detail-type = the event type
(e.g. Microsoft.Resources.ResourceWriteSuccess); activity log -> source
azure.<provider> from operationName, detail-type "Azure Activity Log".
Only the Microsoft.Resources.* event types are described (the pack's); other
Event Grid event types are not checked. The Event Grid schema's top level is
closed (its field list is the whole schema); the CloudEvents form, `data`
and the activity log record are open (extensions; per-category members).
"""
import json
import sys

S, N = "string", "number"


def obj(m, open_=True):
    return {"object": m, "open": open_}


MAP = obj({})

resource_data = obj({
    "authorization": obj({"scope": S, "action": S, "evidence": MAP}),
    "claims": MAP,
    "correlationId": S,
    "httpRequest": obj({"clientRequestId": S, "clientIpAddress": S, "method": S, "url": S}),
    "resourceProvider": S,
    "resourceUri": S,
    "operationName": S,
    "status": S,
    "subscriptionId": S,
    "tenantId": S,
})

shapes = {
    "ResourceData": resource_data,
    "ResourceEvent": [
        obj({"id": S, "topic": S, "subject": S, "eventType": S, "eventTime": S,
             "data": {"$ref": "ResourceData"}, "dataVersion": S, "metadataVersion": S}, False),
        obj({"specversion": S, "type": S, "source": S, "subject": S, "id": S, "time": S,
             "data": {"$ref": "ResourceData"}, "datacontenttype": S, "dataschema": S}, True),
    ],
    "ActivityLog": obj({
        "time": S,
        "resourceId": S,
        "operationName": S,
        "category": S,
        "resultType": S,
        "resultSignature": S,
        "resultDescription": S,
        "durationMs": [N, S],
        "callerIpAddress": S,
        "correlationId": S,
        "identity": obj({
            "authorization": obj({"scope": S, "action": S, "evidence": obj({
                "role": S, "roleAssignmentScope": S, "roleAssignmentId": S,
                "roleDefinitionId": S, "principalId": S, "principalType": S})}),
            "claims": MAP,
        }),
        "level": S,
        "location": S,
        "properties": MAP,
        "tenantId": S,
        "operationVersion": S,
    }),
}

types = [f"Microsoft.Resources.Resource{op}{res}" for op in ("Write", "Delete", "Action")
         for res in ("Success", "Failure", "Cancel")]
applies = [{"source": "azure.resources", "detail-type": t, "shape": "ResourceEvent"} for t in types]
applies.append({"source": {"prefix": "azure"}, "detail-type": "Azure Activity Log",
                "shape": "ActivityLog"})

doc = {
    "_provenance": {
        "what": "Azure Event Grid Resource Manager events (Event Grid and CloudEvents schemas) and "
                "Azure Monitor activity log records (storage account / Event Hubs form)",
        "from": "Microsoft Learn: 'Azure Event Grid event schema', 'CloudEvents v1.0 schema with "
                "Azure Event Grid', 'Azure Resource Manager as an Event Grid source' (event "
                "properties), 'Azure activity log event schema' (schema from storage account and "
                "event hubs); transcribed by hand into tools/catalogues/azure.py",
        "extracted_by": "tools/catalogues/azure.py",
        "date": "2026-11-29",
        "licence": "Field names and types are facts from Microsoft's documentation (CC-BY-4.0); "
                   "this file is the project's own transcription",
        "notes": "Only Microsoft.Resources.* Event Grid types; Event Grid schema top level closed, "
                 "everything else open; activity log operationVersion is not in the schema page but "
                 "is in exported records (fixtures); durationMs number or string (exports differ).",
    },
    "applies_to": applies,
    "shapes": shapes,
    "detail": "any",
}
json.dump(doc, sys.stdout, indent=1)
sys.stdout.write("\n")
