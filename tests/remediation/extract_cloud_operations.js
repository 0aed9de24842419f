#!/usr/bin/env node
// Extracts, once, the operation definitions the Okta, GCP and Azure action
// types (rules/actions/*.yaml) need from the providers' published SDKs, into
// tests/remediation/cloud_operations.json. Never run by the tests: the JSON
// is checked in, so the reference check works offline.
//
//   mkdir /tmp/ref && cd /tmp/ref && npm init -y && npm install --no-save \
//     @okta/okta-sdk-nodejs @googleapis/compute @googleapis/iam \
//     @googleapis/storage @googleapis/cloudresourcemanager \
//     @azure/arm-network @azure/arm-storage @azure/arm-authorization
//   node tests/remediation/extract_cloud_operations.js /tmp/ref/node_modules \
//     > tests/remediation/cloud_operations.json
//
// Pin the versions recorded in the JSON's _provenance (@okta/okta-sdk-nodejs@8.1.0
// @googleapis/compute@42.0.0 @googleapis/iam@38.0.1 @googleapis/storage@21.2.0
// @googleapis/cloudresourcemanager@7.0.0 @azure/arm-network@36.0.0
// @azure/arm-storage@20.0.0 @azure/arm-authorization@9.0.0) to regenerate it
// without changing what is already there.
'use strict';
const fs = require('fs');
const path = require('path');

const root = process.argv[2];
if (!root) {
  console.error('usage: extract_cloud_operations.js NODE_MODULES');
  process.exit(2);
}
const packages = {};
function pkg(name) {
  if (!packages[name]) {
    const p = JSON.parse(fs.readFileSync(path.join(root, name, 'package.json'), 'utf8'));
    packages[name] = {version: p.version, files: []};
  }
  return packages[name];
}
function read(name, file) {
  const p = pkg(name);
  if (!p.files.includes(file)) p.files.push(file);
  return fs.readFileSync(path.join(root, name, file), 'utf8');
}
function fail(msg) {
  console.error('extract: ' + msg);
  process.exit(1);
}

// --- Okta: generated RequestFactory methods ------------------------------
const OKTA = '@okta/okta-sdk-nodejs';
function oktaOps(file, names) {
  const text = read(OKTA, file);
  const out = {};
  for (const name of names) {
    const start = text.indexOf(`  async ${name}(`);
    if (start < 0) fail(`${file}: no method ${name}`);
    const end = text.indexOf('\n  }\n', start);
    const body = text.slice(start, end);
    const doc = text.slice(text.lastIndexOf('/**', start), start);
    const p = body.match(/const path = '([^']+)'/);
    const m = body.match(/HttpMethodEnum\.(\w+)/);
    if (!p || !m) fail(`${file}: ${name} has no path or method`);
    const query = [...body.matchAll(/setQueryParam\('([^']+)'/g)].map(x => x[1]);
    const required = [...body.matchAll(/throw new baseapi_1\.RequiredError\('[^']*', '[^']*', '([^']+)'\)/g)].map(x => x[1]);
    const op = {method: m[1], path: p[1], query, required_params: required,
                source: {package: OKTA, file}};
    if (/deprecated/i.test(doc)) op.deprecated = doc.match(/[^*\n]*deprecated[^*\n]*/i)[0].trim();
    out[name] = op;
  }
  return out;
}
function oktaEnum(file) {
  const text = read(OKTA, file);
  const m = text.match(/export type \w+ = ([^;]+);/);
  if (!m) fail(`${file}: no enum`);
  return [...m[1].matchAll(/'([^']+)'/g)].map(x => x[1]);
}

// --- Google: googleapis generated clients --------------------------------
function googleOps(name, file, wanted) {
  const text = read(name, file);
  const out = {};
  for (const [cls, methods] of Object.entries(wanted)) {
    const start = text.indexOf(`class Resource$${cls} {`);
    if (start < 0) fail(`${file}: no class ${cls}`);
    const next = text.indexOf('\n    class Resource$', start + 10);
    const section = text.slice(start, next < 0 ? undefined : next);
    for (const method of methods) {
      const at = section.indexOf(`        ${method}(paramsOrCallback`);
      if (at < 0) fail(`${file}: ${cls}.${method} not found`);
      const body = section.slice(at, section.indexOf('\n        }\n', at));
      const url = body.match(/rootUrl \+\s*'([^']+)'/);
      const m = body.match(/method: '(\w+)'/);
      const req = body.match(/requiredParams: \[([^\]]*)\]/);
      const pp = body.match(/pathParams: \[([^\]]*)\]/);
      const root = section.match(/const rootUrl = options\.rootUrl \|\| '([^']+)'/);
      if (!url || !m || !root) fail(`${file}: ${cls}.${method} incomplete`);
      const list = s => (s ? [...s[1].matchAll(/'([^']+)'/g)].map(x => x[1]) : []);
      const dts = read(name, file.replace(/\.js$/, '.d.ts'));
      const fieldsOf = iface => {
        const at = dts.search(new RegExp(`interface ${iface.replace(/\$/g, '\\$')} `, 'i'));
        if (at < 0) fail(`${file}: no ${iface}`);
        const body = dts.slice(at, dts.indexOf('\n    }\n', at));
        return [...body.matchAll(/\n\s+'?([$\w.]+)'?\?:/g)].map(x => x[1]);
      };
      const standard = fieldsOf('StandardParameters').filter(f => !['auth'].includes(f));
      const own = fieldsOf(`Params$Resource$${cls}$${method}`);
      const pathParams = list(pp);
      out[`${cls.replace(/\$/g, '.').toLowerCase()}.${method}`] = {
        method: m[1], root_url: root[1].replace(/\/$/, ''), path: url[1],
        required_params: list(req), path_params: pathParams,
        query: own.filter(f => f !== 'requestBody' && !pathParams.includes(f)).concat(standard),
        source: {package: name, file}};
    }
  }
  return out;
}
// Fields of a generated Schema$ interface; REQUIRED when its comment says so.
function googleSchema(name, file, schema) {
  const text = read(name, file);
  const start = text.indexOf(`export interface Schema$${schema} {`);
  if (start < 0) fail(`${file}: no schema ${schema}`);
  const body = text.slice(start, text.indexOf('\n    }\n', start));
  const fields = {};
  for (const m of body.matchAll(/\/\*\*\s*\n\s*\* ([^\n]*)[\s\S]*?\*\/\s*\n\s*(\w+)\?:/g)) {
    fields[m[2]] = {required: /^REQUIRED:/.test(m[1])};
  }
  return {fields, source: {package: name, file}};
}

// The declared TypeScript type of some fields of an interface (boolean,
// string...), for the fields compliant_if tests in answers. `iface` is the
// interface's name, `prefix` where its fields sit in the answer.
function tsFieldTypes(name, file, iface, fields, prefix, operations) {
  const text = read(name, file);
  const start = text.search(new RegExp(`export interface ${iface.replace(/\$/g, '\\$')} (?:extends [\\w, ]+)?\\{`));
  if (start < 0) fail(`${file}: no interface ${iface}`);
  const body = text.slice(start, text.indexOf('\n}\n', start) < 0 ? undefined : text.indexOf('\n}\n', start));
  const end = body.indexOf('\n    }\n');
  const own = end < 0 ? body : body.slice(0, end);
  return fields.map(f => {
    const m = own.match(new RegExp(`\\n\\s+(?:readonly )?${f}\\?: ([^;\\n]+);`));
    if (!m) fail(`${file}: ${iface} has no field ${f}`);
    return {operations, in: 'answer', field: prefix + f, type: m[1].replace(/ \| null$/, ''),
            source: {package: name, file, interface: iface}};
  });
}
// Values of an Azure "Known..." enum object (autorest, models/index.js).
function azureKnown(name, file, known) {
  const text = read(name, file);
  const out = [...text.matchAll(new RegExp(`\\b${known}\\["\\w+"\\] = "([^"]+)"`, 'g'))].map(x => x[1]);
  if (!out.length) fail(`${file}: no ${known}`);
  return out;
}

// --- Azure: operation specs (autorest) or URL templates (TypeSpec) ---------
function azureSpec(name, file, spec, paramsFile) {
  const text = read(name, file);
  const start = text.indexOf(`const ${spec} = {`);
  if (start < 0) fail(`${file}: no ${spec}`);
  const body = text.slice(start, text.indexOf('\n};\n', start));
  const p = body.match(/path: "([^"]+)"/);
  const m = body.match(/httpMethod: "(\w+)"/);
  const responses = [...body.matchAll(/\n        (\d{3}): \{/g)].map(x => Number(x[1]));
  const q = body.match(/queryParameters: \[([^\]]*)\]/);
  const params = read(name, paramsFile);
  let apiVersion = null;
  for (const ref of (q ? q[1].match(/Parameters\.(\w+)/g) || [] : [])) {
    const id = ref.split('.')[1];
    const at = params.search(new RegExp(`(?:export const |exports\\.)${id.replace('$', '\\$')} = \\{`));
    const def = params.slice(at, params.indexOf('\n};', at));
    if (/serializedName: "api-version"/.test(def)) apiVersion = def.match(/defaultValue: "([^"]+)"/)[1];
  }
  const skip = [...body.matchAll(/urlParameters: \[([^\]]*)\]/g)].flatMap(x => x[1].match(/Parameters\.(\w+)/g) || [])
      .map(r => r.split('.')[1]).filter(id => {
        const at = params.search(new RegExp(`(?:export const |exports\\.)${id.replace('$', '\\$')} = \\{`));
        return /skipEncoding: true/.test(params.slice(at, params.indexOf('\n};', at)));
      });
  return {method: m[1], path: p[1], api_version: apiVersion, responses,
          unencoded_path_params: skip, source: {package: name, file}};
}
function azureTemplate(name, file, fn) {
  const text = read(name, file);
  const start = text.indexOf(`function ${fn}(`);
  if (start < 0) fail(`${file}: no ${fn}`);
  const body = text.slice(start, text.indexOf('\n}\n', start));
  const t = body.match(/expandUrlTemplate\)\(\s*"([^"]+)"/);
  const v = body.match(/context\.apiVersion \?\? "([^"]+)"/);
  const m = body.match(/\.(get|put|patch|post|delete)\(/);
  return {method: m[1].toUpperCase(), path: t[1].replace(/\{\?[^}]*\}$/, ''), api_version: v[1],
          source: {package: name, file}};
}

const OKTA_API = 'src/generated/apis/';
const out = {
  _provenance: {
    what: 'Operation definitions (method, path template, query, api-version, required body fields, enums) extracted once from the providers\' published SDKs by tests/remediation/extract_cloud_operations.js; never fetched at test time.',
    packages,
  },
  okta: {
    operations: Object.assign(
        oktaOps(OKTA_API + 'UserApi.js', ['revokeUserSessions']),
        oktaOps(OKTA_API + 'ApiTokenApi.js', ['getApiToken', 'revokeApiToken']),
        oktaOps(OKTA_API + 'OrgSettingApi.js', ['getOrgOktaSupportSettings', 'revokeOktaSupport']),
        oktaOps(OKTA_API + 'AuthenticatorApi.js', ['getAuthenticator', 'activateAuthenticator']),
        oktaOps(OKTA_API + 'RoleAssignmentApi.js', ['listAssignedRolesForUser', 'unassignRoleFromUser',
                                                    'listGroupAssignedRoles', 'unassignRoleFromGroup'])),
    // Enumerated fields: `in` is the answer (tested by compliant_if) or the body.
    enums: [
      {operations: ['getOrgOktaSupportSettings'], in: 'answer', field: 'support',
       values: oktaEnum('src/types/generated/models/OrgOktaSupportSetting.d.ts'),
       source: {package: OKTA, file: 'src/types/generated/models/OrgOktaSupportSetting.d.ts'}},
      {operations: ['getAuthenticator'], in: 'answer', field: 'status',
       values: oktaEnum('src/types/generated/models/LifecycleStatus.d.ts'),
       source: {package: OKTA, file: 'src/types/generated/models/LifecycleStatus.d.ts'}},
    ],
  },
  gcp: {
    operations: Object.assign(
        googleOps('@googleapis/storage', 'build/v1.js', {Buckets: ['get', 'patch', 'getIamPolicy', 'setIamPolicy']}),
        googleOps('@googleapis/compute', 'build/v1.js', {
          Firewalls: ['get', 'patch'], Disks: ['getIamPolicy', 'setIamPolicy'],
          // gcp.iam.remove_primitive_role_bindings: the resource kinds whose
          // IAM policy it edits.
          Regiondisks: ['getIamPolicy', 'setIamPolicy'], Instances: ['getIamPolicy', 'setIamPolicy'],
          Images: ['getIamPolicy', 'setIamPolicy'], Snapshots: ['getIamPolicy', 'setIamPolicy']}),
        googleOps('@googleapis/iam', 'build/v1.js', {Projects$Serviceaccounts$Keys: ['get', 'disable']}),
        googleOps('@googleapis/cloudresourcemanager', 'build/v3.js', {
          Projects: ['getIamPolicy', 'setIamPolicy'], Folders: ['getIamPolicy', 'setIamPolicy'],
          Organizations: ['getIamPolicy', 'setIamPolicy']})),
    // Fields tested by compliant_if, with their declared types.
    answer_fields: [
      ...tsFieldTypes('@googleapis/compute', 'build/v1.d.ts', 'Schema$Firewall', ['disabled'], '', ['firewalls.get']),
      ...tsFieldTypes('@googleapis/iam', 'build/v1.d.ts', 'Schema$ServiceAccountKey', ['disabled'], '',
                      ['projects.serviceaccounts.keys.get']),
    ],
    schemas: {
      SetIamPolicyRequest: googleSchema('@googleapis/cloudresourcemanager', 'build/v3.d.ts', 'SetIamPolicyRequest'),
      // The IAM policy edits (gcp.iam.*, gcp.logging.restore_audit_config):
      // the read's options, the compute setIamPolicy bodies (zonal, regional,
      // global resources) and the Policy written.
      GetIamPolicyRequest: googleSchema('@googleapis/cloudresourcemanager', 'build/v3.d.ts', 'GetIamPolicyRequest'),
      GetPolicyOptions: googleSchema('@googleapis/cloudresourcemanager', 'build/v3.d.ts', 'GetPolicyOptions'),
      Policy: googleSchema('@googleapis/cloudresourcemanager', 'build/v3.d.ts', 'Policy'),
      ZoneSetPolicyRequest: googleSchema('@googleapis/compute', 'build/v1.d.ts', 'ZoneSetPolicyRequest'),
      RegionSetPolicyRequest: googleSchema('@googleapis/compute', 'build/v1.d.ts', 'RegionSetPolicyRequest'),
      GlobalSetPolicyRequest: googleSchema('@googleapis/compute', 'build/v1.d.ts', 'GlobalSetPolicyRequest'),
      ComputePolicy: googleSchema('@googleapis/compute', 'build/v1.d.ts', 'Policy'),
    },
    enums: [
      // Typed as a plain string in the SDK (build/v1.d.ts, Schema$Bucket);
      // the values are from the Cloud Storage JSON API reference (Bucket
      // resource, iamConfiguration.publicAccessPrevention).
      {operations: ['buckets.get', 'buckets.patch'], in: 'answer+body', field: 'iamConfiguration.publicAccessPrevention',
       values: ['inherited', 'enforced'],
       source: {document: 'https://cloud.google.com/storage/docs/json_api/v1/buckets (iamConfiguration.publicAccessPrevention)'}},
    ],
  },
  azure: {
    operations: {
      'securityRules.delete': azureSpec('@azure/arm-network', 'dist/commonjs/operations/securityRules.js',
                                        'deleteOperationSpec', 'dist/commonjs/models/parameters.js'),
      'securityRules.get': azureSpec('@azure/arm-network', 'dist/commonjs/operations/securityRules.js',
                                     'getOperationSpec', 'dist/commonjs/models/parameters.js'),
      'roleAssignments.deleteById': azureSpec('@azure/arm-authorization', 'dist-esm/src/operations/roleAssignments.js',
                                              'deleteByIdOperationSpec', 'dist-esm/src/models/parameters.js'),
      'roleAssignments.delete': azureSpec('@azure/arm-authorization', 'dist-esm/src/operations/roleAssignments.js',
                                          'deleteOperationSpec', 'dist-esm/src/models/parameters.js'),
      'storageAccounts.getProperties': azureTemplate('@azure/arm-storage', 'dist/commonjs/api/storageAccounts/operations.js',
                                                     '_getPropertiesSend'),
      'storageAccounts.update': azureTemplate('@azure/arm-storage', 'dist/commonjs/api/storageAccounts/operations.js',
                                              '_updateSend'),
    },
    answer_fields: [
      ...tsFieldTypes('@azure/arm-storage', 'dist/commonjs/models/models.d.ts', 'StorageAccountProperties',
                      ['allowBlobPublicAccess'], 'properties.', ['storageAccounts.getProperties']),
    ],
    enums: [
      {operations: ['securityRules.get'], in: 'answer', field: 'properties.access',
       values: azureKnown('@azure/arm-network', 'dist/commonjs/models/index.js', 'KnownSecurityRuleAccess'),
       source: {package: '@azure/arm-network', file: 'dist/commonjs/models/index.js'}},
      {operations: ['securityRules.get'], in: 'answer', field: 'properties.direction',
       values: azureKnown('@azure/arm-network', 'dist/commonjs/models/index.js', 'KnownSecurityRuleDirection'),
       source: {package: '@azure/arm-network', file: 'dist/commonjs/models/index.js'}},
    ],
  },
};
// Known defects of the references themselves (remediation-facts.md),
// confirmed in the extracted source: the check uses the documented REST shape.
out.azure.known_defects = {
  'storageAccounts.update': {
    defect: 'storageAccountUpdateParametersSerializer tests "AllowBlobPublicAccess" (capital A) in areAllPropsUndefined while it serializes item["allowBlobPublicAccess"], so an update setting only allowBlobPublicAccess sends {} (no properties).',
    rest_shape: {body_required: ['properties.allowBlobPublicAccess'], body_types: {'properties.allowBlobPublicAccess': 'boolean'}},
  },
  'roleAssignments.deleteById': {
    defect: 'the path template "/{roleAssignmentId}" with an unencoded id that itself starts with "/" produces "//subscriptions/...".',
    rest_shape: {path: '{roleAssignmentId}', note: 'one slash: the id is the path'},
  },
};
{
  const models = read('@azure/arm-storage', 'dist/commonjs/models/models.js');
  const ser = models.slice(models.indexOf('function storageAccountUpdateParametersSerializer('));
  if (!/"AllowBlobPublicAccess"/.test(ser.slice(0, 2000))) out.azure.known_defects['storageAccounts.update'].defect += ' (NOT FOUND in this version)';
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
