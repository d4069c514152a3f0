#!/usr/bin/env node
// A whole Lagom assessment from Node.js, through the public gRPC API only.
//
// Runs against a running stack named by the environment:
//   LAGOM_QUESTIONNAIRE_ADDR, LAGOM_SESSION_ADDR, LAGOM_REPORTING_ADDR  host:port, plaintext
//   LAGOM_API_KEY         a tenant admin's key (lgm_<tenant>.<secret>), sent as a bearer token
//   LAGOM_GOOGLEAPIS_DIR  optional: where google/api/*.proto are
//                         (default: node_modules/google-proto-files of this checkout)
//
// Uses @grpc/grpc-js and @grpc/proto-loader (the repo's devDependencies: npm ci), which read
// proto/ at start-up; nothing is generated. Prints one line per step; exits 1 with the failing
// step and the server's status on any failure.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const MODEL_VERSION = 'models/lagom-itsm/versions/1';
const AREA = 'catalogue';
const PROVIDER_ITEM = 'catalogue.services.provider';
const CUSTOMER_ITEM = 'catalogue.services.customer';
const SCORECARD_WAIT_MS = 30000;
const CALL_DEADLINE_MS = 10000;
// Round robin over every replica an address names ("ipv4:IP:PORT,IP:PORT"), and UNAVAILABLE
// retried on another: the service config Lagom's services use between themselves
// (common/channel.cc, docs/operations.md). grpc-js has no client-side health checking and
// ignores healthCheckConfig; it is here so that the config is the one integrators copy.
const CHANNEL_OPTIONS = {
  'grpc.service_config': JSON.stringify({
    loadBalancingConfig: [{ round_robin: {} }],
    healthCheckConfig: { serviceName: '' },
    methodConfig: [{
      name: [{}],
      retryPolicy: {
        maxAttempts: 5, initialBackoff: '0.05s', maxBackoff: '1s', backoffMultiplier: 2,
        retryableStatusCodes: ['UNAVAILABLE'],
      },
    }],
  }),
};

class Failure extends Error {}

function requireFromRepo(name) {
  try {
    return require(require.resolve(name, { paths: [ROOT] }));
  } catch (e) {
    throw new Failure(`${name} is not installed: run npm ci in ${ROOT} (${e.code || e.message})`);
  }
}

function env(name) {
  const value = (process.env[name] || '').trim();
  if (!value) throw new Failure(`${name} is not set (source the stack's .lagom/stack.env)`);
  return value;
}

function tenantOf(apiKey) {
  const m = /^lgm_([^.]+)\./.exec(apiKey);
  if (!m) throw new Failure('LAGOM_API_KEY does not look like lgm_<tenant>.<secret>');
  return m[1];
}

function protoFiles(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return protoFiles(p, base);
    return e.name.endsWith('.proto') ? [path.relative(base, p)] : [];
  }).sort();
}

function loadApi(grpc, protoLoader) {
  const googleapis = process.env.LAGOM_GOOGLEAPIS_DIR || path.join(ROOT, 'node_modules', 'google-proto-files');
  if (!fs.existsSync(path.join(googleapis, 'google', 'api', 'annotations.proto'))) {
    throw new Failure(`no google/api protos in ${googleapis} (run npm ci in ${ROOT})`);
  }
  const protoDir = path.join(ROOT, 'proto');
  const files = protoFiles(protoDir);
  const definition = protoLoader.loadSync(files, {
    includeDirs: [protoDir, googleapis],
    keepCase: true, // field names exactly as in the protos
    enums: String,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  return { api: grpc.loadPackageDefinition(definition).lagom, count: files.length };
}

class Flow {
  constructor(grpc, apiKey) {
    this.grpc = grpc;
    this.admin = this.metadata('authorization', `Bearer ${apiKey}`);
    this.stepCount = 0;
  }

  metadata(key, value) {
    const md = new this.grpc.Metadata();
    md.add(key, value);
    return md;
  }

  step(text) {
    this.stepCount += 1;
    console.log(`[node] ${String(this.stepCount).padStart(2)}. ${text}`);
  }

  invoke(client, method, request, md) {
    return new Promise((resolve, reject) => {
      client[method](request, md, { deadline: Date.now() + CALL_DEADLINE_MS }, (err, resp) =>
        err ? reject(err) : resolve(resp));
    });
  }

  async call(what, client, method, request, md) {
    try {
      return await this.invoke(client, method, request, md);
    } catch (e) {
      throw new Failure(`${what} failed: ${this.codeName(e.code)}: ${e.details}`);
    }
  }

  async refused(what, client, method, request, md, code) {
    try {
      await this.invoke(client, method, request, md);
    } catch (e) {
      if (e.code !== code) {
        throw new Failure(`${what}: expected ${this.codeName(code)}, got ${this.codeName(e.code)}: ${e.details}`);
      }
      return e.details;
    }
    throw new Failure(`${what}: expected ${this.codeName(code)}, but the call succeeded`);
  }

  codeName(code) {
    return Object.keys(this.grpc.status).find((k) => this.grpc.status[k] === code) || String(code);
  }
}

const requestId = () => crypto.randomUUID();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function run() {
  const started = process.hrtime.bigint();
  const elapsed = (since) => Number(process.hrtime.bigint() - since) / 1e9;
  const apiKey = env('LAGOM_API_KEY');
  const tenant = tenantOf(apiKey);
  const addr = {
    questionnaire: env('LAGOM_QUESTIONNAIRE_ADDR'),
    session: env('LAGOM_SESSION_ADDR'),
    reporting: env('LAGOM_REPORTING_ADDR'),
  };
  const parent = `tenants/${tenant}`;
  const runId = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14) + '-' +
    crypto.randomBytes(3).toString('hex');

  const grpc = requireFromRepo('@grpc/grpc-js');
  const protoLoader = requireFromRepo('@grpc/proto-loader');
  const { api, count } = loadApi(grpc, protoLoader);
  const f = new Flow(grpc, apiKey);
  const version = (name) => requireFromRepo(`${name}/package.json`).version;
  f.step(`protos: ${count} files loaded by @grpc/proto-loader ${version('@grpc/proto-loader')}, ` +
    `@grpc/grpc-js ${version('@grpc/grpc-js')}, node ${process.version}`);

  const insecure = grpc.credentials.createInsecure();
  const opts = CHANNEL_OPTIONS;
  const catalog = new api.catalog.v1.CatalogService(addr.questionnaire, insecure, opts);
  const models = new api.questionnaire.v1.QuestionnaireService(addr.questionnaire, insecure, opts);
  const sessions = new api.session.v1.SessionService(addr.session, insecure, opts);
  const reporting = new api.reporting.v1.ReportingService(addr.reporting, insecure, opts);
  const admin = f.admin;

  try {
    const org = (await f.call('CreateCustomerOrganization', catalog, 'CreateCustomerOrganization', {
      parent,
      customer_organization_id: `client-node-${runId}`,
      request_id: requestId(),
      customer_organization: { display_name: `Node client ${runId}` },
    }, admin)).customer_organization;
    f.step(`customer organisation ${org.name}`);

    const model = (await f.call('GetModelVersion', models, 'GetModelVersion',
      { name: MODEL_VERSION }, admin)).model_version;
    const area = model.content.areas.find((a) => a.id === AREA);
    if (!area) throw new Failure(`${MODEL_VERSION} has no area ${AREA}`);
    const providerItems = area.items.filter((i) =>
      i.perspective === 'ITEM_PERSPECTIVE_PROVIDER' && i.scale === 'SCALE_MATURITY_0_5');
    const customerItems = area.items.filter((i) =>
      i.perspective === 'ITEM_PERSPECTIVE_CUSTOMER' && i.scale === 'SCALE_LIKERT_5' &&
      i.servqual_aspect !== 'SERVQUAL_ASPECT_BOTH');
    for (const [wanted, items] of [[PROVIDER_ITEM, providerItems], [CUSTOMER_ITEM, customerItems]]) {
      if (!items.some((i) => i.id === wanted)) {
        throw new Failure(`${MODEL_VERSION}: ${wanted} is not among its ${AREA} items of that perspective and scale`);
      }
    }
    f.step(`model ${model.name} (${model.content_hash.slice(0, 19)}): area ${AREA} has ` +
      `${providerItems.length} provider (maturity 0-5) and ${customerItems.length} customer (Likert 1-5) items`);

    let session = (await f.call('CreateSession', sessions, 'CreateSession', {
      parent,
      request_id: requestId(),
      session: {
        title: `Node client flow ${runId}`,
        model_version: MODEL_VERSION,
        scope: { customer_organizations: [org.name] },
      },
    }, admin)).session;
    f.step(`session ${session.name} created (${session.state})`);
    session = (await f.call('OpenSession', sessions, 'OpenSession',
      { name: session.name, request_id: requestId() }, admin)).session;
    if (session.state !== 'SESSION_STATE_OPEN') throw new Failure(`OpenSession returned state ${session.state}`);
    f.step(`session opened (${session.state}, model ${session.model_content_hash.slice(0, 19)})`);

    const respondents = [
      {
        role: 'provider',
        participant: { display_name: 'Node provider', perspective: 'PARTICIPANT_PERSPECTIVE_PROVIDER' },
        items: providerItems.slice(0, 3),
        valueOf: (n) => 2 + (n % 4),
      },
      {
        role: 'customer',
        participant: {
          display_name: 'Node customer',
          perspective: 'PARTICIPANT_PERSPECTIVE_CUSTOMER',
          customer_organization: org.name,
        },
        items: customerItems.slice(0, 3),
        valueOf: (n) => 3 + (n % 3),
      },
    ];
    for (const r of respondents) {
      const p = (await f.call(`CreateParticipant (${r.role})`, sessions, 'CreateParticipant',
        { parent: session.name, participant: r.participant, request_id: requestId() }, admin)).participant;
      const inv = await f.call(`CreateInvitation (${r.role})`, sessions, 'CreateInvitation',
        { parent: session.name, request_id: requestId(), invitation: { participant: p.name } }, admin);
      if (!inv.token) throw new Failure(`CreateInvitation (${r.role}) returned no token`);
      r.name = p.name;
      r.token = inv.token;
      f.step(`${r.role} participant ${p.name} invited (${inv.invitation.token_prefix}...)`);
    }

    for (const r of respondents) {
      const asRespondent = f.metadata('x-lagom-invite-token', r.token);
      const accepted = await f.call(`AcceptInvitation (${r.role})`, sessions, 'AcceptInvitation',
        { token: r.token }, asRespondent);
      if (accepted.participant.name !== r.name) {
        throw new Failure(`AcceptInvitation (${r.role}) returned participant ${accepted.participant.name}, not ${r.name}`);
      }
      for (const [n, item] of r.items.entries()) {
        const answer = (await f.call(`SubmitAnswer (${r.role}, ${item.id})`, sessions, 'SubmitAnswer', {
          parent: r.name, request_id: requestId(), answer: { item_id: item.id, value: r.valueOf(n) },
        }, asRespondent)).answer;
        if (answer.value !== r.valueOf(n)) {
          throw new Failure(`SubmitAnswer (${r.role}, ${item.id}) stored ${answer.value}, sent ${r.valueOf(n)}`);
        }
      }
      f.step(`${r.role} answered ${r.items.map((i, n) => `${i.id}=${r.valueOf(n)}`).join(', ')}`);
      const first = r.items[0].id;
      const why = await f.refused(`SubmitAnswer (${r.role}, ${first}=9)`, sessions, 'SubmitAnswer', {
        parent: r.name, request_id: requestId(), answer: { item_id: first, value: 9 },
      }, asRespondent, grpc.status.INVALID_ARGUMENT);
      const kept = (await f.call(`GetAnswer (${r.role}, ${first})`, sessions, 'GetAnswer',
        { name: `${r.name}/answers/${first}` }, asRespondent)).answer;
      if (kept.value !== r.valueOf(0)) {
        throw new Failure(`after the refused 9, ${first} holds ${kept.value}, not ${r.valueOf(0)}`);
      }
      f.step(`${r.role}'s ${first}=9 refused with INVALID_ARGUMENT (${why}); ${r.valueOf(0)} kept`);
      await f.call(`CompleteParticipant (${r.role})`, sessions, 'CompleteParticipant',
        { name: r.name, request_id: requestId() }, asRespondent);
    }

    session = (await f.call('CloseSession', sessions, 'CloseSession',
      { name: session.name, request_id: requestId() }, admin)).session;
    if (session.state !== 'SESSION_STATE_CLOSED') throw new Failure(`CloseSession returned state ${session.state}`);
    f.step('session closed');

    const closed = process.hrtime.bigint();
    let listed;
    for (;;) {
      listed = await f.call('ListScorecards', reporting, 'ListScorecards',
        { parent, selector: { session: session.name } }, admin);
      if (listed.scorecards.length > 0) break;
      if (elapsed(closed) * 1000 > SCORECARD_WAIT_MS) {
        throw new Failure(`no scorecard for ${session.name} ${SCORECARD_WAIT_MS / 1000} s after closing`);
      }
      await sleep(250);
    }
    let card = listed.scorecards[0];
    f.step(`scorecard ${card.name} recorded ${elapsed(closed).toFixed(1)} s after closing`);

    if (card.area_scores.length === 0) { // in case listings ever come as summaries
      card = (await f.call('GetScorecard', reporting, 'GetScorecard', { name: card.name }, admin)).scorecard;
    }
    const ofArea = card.area_scores.filter((s) => s.area_id === AREA);
    const figures = [];
    for (const [label, kind, organization] of [
      ['provider', 'RESPONSE_GROUP_KIND_PROVIDER', ''],
      ['all customers', 'RESPONSE_GROUP_KIND_ALL_CUSTOMERS', ''],
      [org.name, 'RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION', org.name],
    ]) {
      const s = ofArea.find((a) => a.group && a.group.kind === kind && a.group.customer_organization === organization);
      if (!s) {
        const have = ofArea.map((a) => `${a.group.kind} ${a.group.customer_organization}`.trim());
        throw new Failure(`scorecard has no ${AREA} score for ${label}; it has: ${have.join(', ') || 'none'}`);
      }
      if (s.answered_item_count < 1) {
        throw new Failure(`${AREA} score for ${label} counts ${s.answered_item_count} answered items`);
      }
      figures.push(`${label} ${s.score.toFixed(2)} (${s.answered_item_count} items)`);
    }
    f.step(`area ${AREA}: ${figures.join('; ')}`);

    const report = await f.call('RenderReport', reporting, 'RenderReport', {
      scorecard: card.name, format: 'REPORT_FORMAT_HTML', audience: 'REPORT_AUDIENCE_PROVIDER',
    }, admin);
    const html = report.content.toString('utf8');
    if (!(html.trimStart().startsWith('<!DOCTYPE html') || html.includes('id="summary"'))) {
      throw new Failure(`RenderReport returned no HTML report: ${JSON.stringify(html.slice(0, 80))}`);
    }
    f.step(`report rendered: ${report.filename || '(no filename)'}, ${report.content_type}, ${report.content.length} bytes`);

    const exported = await f.call('ExportScorecard', reporting, 'ExportScorecard',
      { name: card.name, format: 'EXPORT_FORMAT_CSV' }, admin);
    const csv = exported.content.toString('utf8');
    const lines = csv.split(/\r?\n/).filter((l) => l.length > 0);
    if (lines.length < 2 || !csv.includes(AREA)) {
      throw new Failure(`ExportScorecard CSV has ${lines.length} lines and no ${AREA} row`);
    }
    f.step(`scorecard exported: ${exported.filename || '(no filename)'}, ${exported.content_type}, ` +
      `${lines.length} lines, header ${JSON.stringify(lines[0].slice(0, 60))}`);
    console.log(`[node] flow passed in ${elapsed(started).toFixed(1)} s`);
  } finally {
    for (const c of [catalog, models, sessions, reporting]) c.close();
  }
}

run().then(() => process.exit(0), (e) => {
  console.error(`[node] FAILED: ${e instanceof Failure ? e.message : (e && e.stack) || e}`);
  process.exit(1);
});
