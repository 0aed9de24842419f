// Checks the requests the pack's GitHub, Slack and PagerDuty action types
// would send against references that are not ours.
//
//   node github_reference_check.mjs PROACT SOURCE_DIR [MODULES_DIR]
//
// It plans (`proact plan --rules rules/`) every GitHub fixture in
// rules/fixtures/github/ (delivered as a Lambda Function URL request, with
// the X-GitHub-Event header its file name gives) and every event of
// rules/github/*_test.yaml, then checks each planned request:
//   api.github.com  GitHub's REST description, npm @octokit/openapi
//                   (generated/api.github.com.deref.json): the operation is
//                   found by method + path template, its query parameters
//                   exist, the JSON body validates against the operation's
//                   schema (required fields, types, enums, and no unknown
//                   fields where the schema says additionalProperties false).
//   slack.com       chat.postMessage as documented (no offline package; the
//                   fields are written below as data).
//   events.pagerduty.com  Events API v2 as documented (likewise).
// Any other host, a planning error, a path with a `null` segment (a
// nullable param its request's `when` does not guard), or a declared
// request that no event sent (each request, so both branches of a type
// whose requests carry `when`) is a failure. The answer rules are checked
// too: compliant_if and failed_if fields and values against the answer's
// schema (Slack's documented chat.postMessage answer for notify.slack), and
// the statuses of success, already_done and proceed_on against the answers
// the operation documents. Prints "N requests checked".
//
// MODULES_DIR holds node_modules with the pinned packages of package.json
// beside this file (the ctest wrapper installs them with `npm ci`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {createRequire} from 'node:module';

const [proact, srcDir, modulesDir = path.dirname(new URL(import.meta.url).pathname)] = process.argv.slice(2);
if (!proact || !srcDir) {
  console.error('usage: github_reference_check.mjs PROACT SOURCE_DIR [MODULES_DIR]');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(modulesDir), 'package.json'));
const YAML = require('yaml');
const openapiFile = require.resolve('@octokit/openapi/generated/api.github.com.deref.json');
const api = JSON.parse(fs.readFileSync(openapiFile, 'utf8'));

const failures = [];
const fail = (msg) => failures.push(msg);

// ---------------------------------------------------------------- events
const rulesDir = path.join(srcDir, 'rules');
const fixturesDir = path.join(rulesDir, 'fixtures', 'github');
let delivery = 0;
function functionUrlEvent(body, headers) {
  const h = {'content-type': 'application/json'};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = String(v);
  if (!h['x-github-delivery']) h['x-github-delivery'] = `reference-check-${++delivery}`;
  return {
    version: '2.0', rawPath: '/', headers: h, body, isBase64Encoded: false,
    requestContext: {requestId: h['x-github-delivery'], accountId: 'anonymous', http: {method: 'POST', path: '/'}, timeEpoch: 0},
  };
}
const events = [];
for (const f of fs.readdirSync(fixturesDir).filter((f) => f.endsWith('.json')).sort()) {
  const kind = f.split('.')[0];  // branch_protection_rule.deleted.json -> branch_protection_rule
  events.push(functionUrlEvent(fs.readFileSync(path.join(fixturesDir, f), 'utf8'), {'X-GitHub-Event': kind}));
}
const githubRules = path.join(rulesDir, 'github');
for (const f of fs.readdirSync(githubRules).filter((f) => f.endsWith('_test.yaml')).sort()) {
  const doc = YAML.parse(fs.readFileSync(path.join(githubRules, f), 'utf8'));
  for (const t of doc.tests ?? []) {
    if (typeof t.event === 'string') {
      const body = fs.readFileSync(path.join(githubRules, t.event), 'utf8');
      events.push(functionUrlEvent(body, t.headers ?? {'X-GitHub-Event': path.basename(t.event).split('.')[0]}));
    } else if (t.event && typeof t.event === 'object') {
      events.push({id: `reference-check-${++delivery}`, ...t.event});
    }
  }
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'proact-refcheck-'));
const eventsFile = path.join(tmp, 'events.jsonl');
fs.writeFileSync(eventsFile, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
const run = spawnSync(proact, ['plan', '--rules', rulesDir, eventsFile], {encoding: 'utf8', maxBuffer: 64 << 20});
fs.rmSync(tmp, {recursive: true, force: true});
if (run.error) {
  console.error(`cannot run ${proact}: ${run.error.message}`);
  process.exit(1);
}
if (run.status !== 0) fail(`proact plan exited ${run.status}: ${run.stderr.trim()}`);
const plans = run.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));

// ---------------------------------------------------------- JSON schema
// A small validator for the parts of JSON Schema GitHub's description uses
// in request bodies. Values only known when sending (<steps.NAME...>) are
// not checked.
function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}
function validate(schema, v, where, errs) {
  if (!schema || typeof schema !== 'object') return;
  if (typeof v === 'string' && v.startsWith('<steps.')) return;
  const alts = schema.oneOf ?? schema.anyOf;
  if (alts) {
    const results = alts.map((s) => { const e = []; validate(s, v, where, e); return e; });
    if (!results.some((e) => e.length === 0)) {
      errs.push(...results.reduce((a, b) => (b.length < a.length ? b : a)));
    }
    return;
  }
  for (const s of schema.allOf ?? []) validate(s, v, where, errs);
  const t = typeOf(v);
  if (v === null) {
    if (schema.nullable || schema.type === 'null' || (Array.isArray(schema.type) && schema.type.includes('null'))) return;
    if (schema.type || schema.enum) errs.push(`${where}: null is not allowed`);
    return;
  }
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const ok = types.some((ty) => ty === t || (ty === 'number' && t === 'integer'));
    if (!ok) { errs.push(`${where}: ${t} where the schema wants ${types.join('|')}`); return; }
  }
  if (schema.enum && !schema.enum.includes(v)) errs.push(`${where}: ${JSON.stringify(v)} is not one of ${JSON.stringify(schema.enum)}`);
  if (t === 'string' && schema.maxLength !== undefined && v.length > schema.maxLength) errs.push(`${where}: longer than ${schema.maxLength}`);
  if (t === 'object') {
    for (const r of schema.required ?? []) if (!(r in v)) errs.push(`${where}: required field '${r}' missing`);
    for (const [k, sub] of Object.entries(v)) {
      const ps = schema.properties?.[k];
      if (ps) validate(ps, sub, `${where}.${k}`, errs);
      else if (schema.additionalProperties === false) errs.push(`${where}: unknown field '${k}'`);
      else if (schema.properties && typeof schema.additionalProperties !== 'object' && where === 'body') {
        // GitHub ignores unknown top-level fields; a typo would go unnoticed.
        errs.push(`${where}: field '${k}' is not in the operation's schema`);
      } else if (typeof schema.additionalProperties === 'object') validate(schema.additionalProperties, sub, `${where}.${k}`, errs);
    }
  }
  if (t === 'array' && schema.items) v.forEach((x, i) => validate(schema.items, x, `${where}[${i}]`, errs));
}

// --------------------------------------------------------------- GitHub
const templates = Object.keys(api.paths).map((p) => ({p, segs: p.split('/')}));
function findOperation(method, urlPath) {
  const segs = urlPath.split('/');
  let best = null, bestLiterals = -1;
  for (const {p, segs: ts} of templates) {
    if (ts.length !== segs.length || !api.paths[p][method]) continue;
    let literals = 0, ok = true;
    for (let i = 0; i < ts.length; i++) {
      if (/^\{[^}]+\}$/.test(ts[i])) { if (segs[i] === '') { ok = false; break; } }
      else if (ts[i] === segs[i]) literals++;
      else { ok = false; break; }
    }
    if (ok && literals > bestLiterals) { best = p; bestLiterals = literals; }
  }
  return best && {template: best, op: api.paths[best][method]};
}
function checkGitHub(r, url, label) {
  const method = r.method.toLowerCase();
  const found = findOperation(method, url.pathname);
  if (!found) return fail(`${label}: no operation ${r.method} ${url.pathname} in GitHub's REST description`);
  const {template, op} = found;
  const params = [...(api.paths[template].parameters ?? []), ...(op.parameters ?? [])];
  for (const [q] of url.searchParams) {
    if (!params.some((p) => p.in === 'query' && p.name === q)) fail(`${label}: ${op.operationId} has no query parameter '${q}'`);
  }
  const version = r.headers['X-GitHub-Api-Version'];
  if (version !== '2022-11-28') fail(`${label}: X-GitHub-Api-Version is ${version}, not 2022-11-28`);
  const schema = op.requestBody?.content?.['application/json']?.schema;
  if (r.body === '') {
    if (op.requestBody?.required) fail(`${label}: ${op.operationId} needs a body`);
  } else if (!schema) {
    fail(`${label}: ${op.operationId} takes no JSON body`);
  } else {
    const errs = [];
    validate(schema, JSON.parse(r.body), 'body', errs);
    for (const e of errs) fail(`${label}: ${op.operationId}: ${e}`);
  }
  return `${op.operationId} (${r.method} ${template})`;
}

// ---------------------------------------------------------------- Slack
// https://api.slack.com/methods/chat.postMessage (arguments; JSON bodies
// need "Content-type: application/json; charset=utf-8" and the token as a
// Bearer header, https://api.slack.com/web#posting_json).
const slackPostMessage = {
  type: 'object',
  required: ['channel'],
  additionalProperties: false,
  properties: Object.fromEntries([
    ['channel', {type: 'string'}], ['text', {type: 'string'}], ['blocks', {type: 'array'}],
    ['attachments', {type: 'array'}], ['as_user', {type: 'boolean'}], ['icon_emoji', {type: 'string'}],
    ['icon_url', {type: 'string'}], ['link_names', {type: 'boolean'}], ['markdown_text', {type: 'string'}],
    ['metadata', {type: 'object'}], ['mrkdwn', {type: 'boolean'}], ['parse', {type: 'string', enum: ['full', 'none']}],
    ['reply_broadcast', {type: 'boolean'}], ['thread_ts', {type: 'string'}], ['unfurl_links', {type: 'boolean'}],
    ['unfurl_media', {type: 'boolean'}], ['username', {type: 'string'}],
  ]),
};
function checkSlack(r, url, label) {
  if (r.method !== 'POST' || url.pathname !== '/api/chat.postMessage') return fail(`${label}: not POST /api/chat.postMessage`);
  if (r.headers['Content-Type'] !== 'application/json; charset=utf-8') fail(`${label}: Content-Type ${r.headers['Content-Type']}`);
  const body = JSON.parse(r.body);
  const errs = [];
  validate(slackPostMessage, body, 'body', errs);
  // One of text, blocks, attachments (or markdown_text) is required.
  if (!['text', 'blocks', 'attachments', 'markdown_text'].some((k) => k in body)) errs.push('body: needs text, blocks or attachments');
  for (const e of errs) fail(`${label}: chat.postMessage: ${e}`);
  return 'chat.postMessage';
}

// ------------------------------------------------------------ PagerDuty
// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ and
// https://developer.pagerduty.com/api-reference/368ae3d938c9e-send-an-event-to-pager-duty
const pagerDutyEvent = {
  type: 'object',
  required: ['routing_key', 'event_action', 'payload'],  // payload: required for trigger
  additionalProperties: false,
  properties: {
    routing_key: {type: 'string'},
    event_action: {type: 'string', enum: ['trigger', 'acknowledge', 'resolve']},
    dedup_key: {type: 'string', maxLength: 255},
    client: {type: 'string'},
    client_url: {type: 'string'},
    images: {type: 'array'},
    links: {type: 'array'},
    payload: {
      type: 'object',
      required: ['summary', 'source', 'severity'],
      additionalProperties: false,
      properties: {
        summary: {type: 'string', maxLength: 1024},
        source: {type: 'string'},
        severity: {type: 'string', enum: ['critical', 'error', 'warning', 'info']},
        timestamp: {type: 'string'},
        component: {type: 'string'},
        group: {type: 'string'},
        class: {type: 'string'},
        custom_details: {type: 'object'},
      },
    },
  },
};
function checkPagerDuty(r, url, label) {
  if (r.method !== 'POST' || url.pathname !== '/v2/enqueue') return fail(`${label}: not POST /v2/enqueue`);
  const errs = [];
  validate(pagerDutyEvent, JSON.parse(r.body), 'body', errs);
  for (const e of errs) fail(`${label}: Events API v2: ${e}`);
  return 'events-v2 enqueue';
}

// ----------------------------------------------------------------- run
let checked = 0;
const seenTypes = new Set();
const seenRequests = new Set();  // requests with `when` run for some events only
const operations = new Set();
for (const plan of plans) {
  const label0 = `event ${plan.event} policy ${plan.policy} action ${plan.action}`;
  if (plan.error) fail(`${label0}: plan error: ${plan.error}`);
  if (plan.manual || plan.handler === 'host') continue;
  for (const r of plan.requests ?? []) {
    seenTypes.add(plan.action);
    seenRequests.add(`${plan.action} request ${r.name}`);
    const label = `${label0} request ${r.name}`;
    const url = new URL(r.url);
    // A null param rendered into a path (a request whose `when` does not
    // guard it) still fits the operation's template: catch it here.
    if (url.pathname.split('/').slice(1).some((seg) => seg === 'null' || seg === '')) fail(`${label}: path ${url.pathname} has a null or empty segment`);
    let op;
    if (url.host === 'api.github.com') op = checkGitHub(r, url, label);
    else if (url.host === 'slack.com') op = checkSlack(r, url, label);
    else if (url.host === 'events.pagerduty.com') op = checkPagerDuty(r, url, label);
    else fail(`${label}: no reference for host ${url.host}`);
    if (op) operations.add(`${plan.action}: ${op}`);
    checked++;
  }
}
// Every declared type with requests must have been exercised.
for (const f of ['github.yaml', 'notify.yaml']) {
  const doc = YAML.parse(fs.readFileSync(path.join(rulesDir, 'actions', f), 'utf8'));
  for (const [name, t] of Object.entries(doc.action_types ?? {})) {
    if (t.requests && !seenTypes.has(name)) fail(`${name}: no planned event exercised it`);
    else for (const r of t.requests ?? []) {
      if (!seenRequests.has(`${name} request ${r.name}`)) fail(`${name} request ${r.name}: no planned event sent it (when: ${r.when ?? 'always'})`);
    }
  }
}
// Answer rules. A read's compliant_if (and a failed_if) names fields of the
// operation's answer, with values its schema allows: a misspelt field would
// never match, and the write would run every time (or a failure pass as
// success). The statuses of success, already_done and proceed_on are ones
// the operation documents (404 aside, below).
function checkPattern(schema, pattern, where, label, key = 'compliant_if') {
  for (const [k, v] of Object.entries(pattern)) {
    if (k.startsWith('$')) continue;
    const alts = schema?.oneOf ?? schema?.anyOf ?? [schema];
    const prop = alts.map((s) => s?.properties?.[k]).find(Boolean);
    if (!prop) { fail(`${label}: ${key} field '${where}${k}' is not in the answer's schema`); continue; }
    if (Array.isArray(v)) {
      for (const x of v) {
        if (typeof x === 'string' && prop.enum && !prop.enum.includes(x)) fail(`${label}: ${key} ${where}${k}: ${x} is not one of ${JSON.stringify(prop.enum)}`);
        if (x !== null && typeof x !== 'object' && prop.type && prop.type !== typeOf(x) && !(prop.type === 'number' && typeOf(x) === 'integer')) {
          fail(`${label}: ${key} ${where}${k}: ${JSON.stringify(x)} is not a ${prop.type}`);
        }
      }
    } else if (v && typeof v === 'object') checkPattern(prop, v, `${where}${k}.`, label, key);
  }
}
const statusesOf = (rules) => (rules ?? []).flatMap((a) => (a.status === undefined ? [] : [].concat(a.status)));
// https://api.slack.com/methods/chat.postMessage ("Response"): {ok: true,
// channel, ts, message} or {ok: false, error}, either with warning and
// response_metadata.
const slackPostMessageAnswer = {
  type: 'object',
  properties: {
    ok: {type: 'boolean'}, channel: {type: 'string'}, ts: {type: 'string'}, message: {type: 'object'},
    error: {type: 'string'}, warning: {type: 'string'}, response_metadata: {type: 'object'},
  },
};
let patternsChecked = 0;
for (const f of ['github.yaml', 'notify.yaml']) {
  const doc = YAML.parse(fs.readFileSync(path.join(rulesDir, 'actions', f), 'utf8'));
  for (const [name, t] of Object.entries(doc.action_types ?? {})) {
    for (const r of t.requests ?? []) {
      const label = `${name} request ${r.name}`;
      if (t.endpoint === 'https://slack.com') {
        if (r.failed_if) {
          checkPattern(slackPostMessageAnswer, r.failed_if, '', label, 'failed_if');
          patternsChecked++;
          operations.add(`${name}: failed_if on the answer of chat.postMessage`);
        }
        continue;
      }
      if (t.endpoint !== 'https://api.github.com') continue;
      const concrete = r.path.replace(/\{\{[^}]*\}\}/g, 'x');
      const found = findOperation(r.method.toLowerCase(), concrete);
      if (!found) { fail(`${label}: no operation ${r.method} ${r.path}`); continue; }
      const documented = Object.keys(found.op.responses ?? {});
      for (const [key, statuses] of [['success', r.success ?? []], ['already_done', statusesOf(r.already_done)], ['proceed_on', statusesOf(r.proceed_on)]]) {
        for (const st of statuses) {
          // GitHub answers 404 for any resource that is missing or that the
          // token cannot see, documented or not (repos/delete-deploy-key
          // lists only 204): an answer rule may name it, success may not.
          if (key !== 'success' && st === 404) continue;
          if (!documented.includes(String(st))) fail(`${label}: ${key} status ${st} is not an answer ${found.op.operationId} documents (${documented.join(', ')})`);
        }
      }
      for (const key of ['compliant_if', 'failed_if']) {
        if (!r[key]) continue;
        const ok = documented.find((st) => /^2/.test(st) && found.op.responses[st]?.content?.['application/json']);
        checkPattern(found.op.responses?.[ok]?.content?.['application/json']?.schema, r[key], '', label, key);
        patternsChecked++;
        operations.add(`${name}: ${key} on the answer of ${found.op.operationId}`);
      }
    }
  }
}
for (const o of [...operations].sort()) console.log(`  ${o}`);
for (const f of failures) console.error(`MISMATCH: ${f}`);
console.log(`${checked} requests checked, ${patternsChecked} answer patterns (${plans.length} planned actions from ${events.length} events; GitHub REST description ${path.basename(openapiFile)}), ${failures.length} mismatches`);
process.exit(failures.length ? 1 : 0);
