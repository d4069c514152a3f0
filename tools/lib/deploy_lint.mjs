// The JavaScript half of tools/check-deploy: what npm packages check.
//
//   node deploy_lint.mjs k8s OBJECTS.json      validate each object (a JSON array) against the
//                                             Kubernetes API schemas (kubernetes-models), and
//                                             refuse fields the schemas do not declare
//   node deploy_lint.mjs dockerfile FILE...    lint each Dockerfile (dockerfile-utils) and print
//                                             its instructions as JSON for the checks in Python
//
// Prints problems one a line as "<where>: <what>" and exits 1 if there are any.
import { readFileSync } from "node:fs";
import { validate as lintDockerfile } from "dockerfile-utils";
import { DockerfileParser } from "dockerfile-ast";

const problems = [];

async function validateObjects(path) {
  const objects = JSON.parse(readFileSync(path, "utf8"));
  for (const { source, object } of objects) {
    const where = `${source}: ${object.kind}/${object.metadata?.name}`;
    const [group, version] = object.apiVersion.includes("/")
      ? object.apiVersion.split("/")
      : ["", object.apiVersion];
    let models;
    try {
      models = await import(`kubernetes-models/${group ? `${group}/` : ""}${version}`);
    } catch {
      problems.push(`${where}: no schema for apiVersion ${object.apiVersion}`);
      continue;
    }
    const Model = models[object.kind];
    if (!Model) {
      problems.push(`${where}: no schema for kind ${object.kind} in ${object.apiVersion}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (e) {
      problems.push(`${where}: ${e.message.split("\n").join("; ")}`);
      continue;
    }
    for (const path of await unknownFields(group, version, object)) {
      problems.push(`${where}: ${path}: unknown field (not in the ${object.apiVersion} schema)`);
    }
  }
}

// kubernetes-models validates with Ajv functions compiled from the Kubernetes OpenAPI schemas,
// which accept properties the schemas do not declare (a misspelt readinesProbe passes), while
// the API server drops them, or refuses them under strict field validation. A compiled
// validator reads every property its schema declares, and every key of a map it checks, so a
// key it never reads is one the schema does not know: run it on the object behind proxies that
// record the keys read.
async function unknownFields(group, version, object) {
  const model = new URL(
    `../../node_modules/kubernetes-models/${group ? `${group}/` : ""}${version}/${object.kind}.js`,
    import.meta.url);
  const source = readFileSync(model, "utf8");
  const schema = source.match(/from\s*"([^"]*\/_schemas\/[^"]+)"/);
  if (!schema) return [`(no compiled schema found for ${object.kind})`];
  const { validate } = await import(new URL(schema[1], model));
  const records = [];
  const tracked = track(object, "", records);
  if (!validate(tracked)) return [];  // invalid: the errors above say why
  const unread = records.flatMap(({ path, keys, read }) =>
    keys.filter((k) => !read.has(k)).map((k) => `${path}/${k}`));
  // What lies below an unknown field is unread too: name only the field.
  return unread.filter((p) => !unread.some((q) => p.startsWith(`${q}/`)));
}

function track(value, path, records) {
  if (Array.isArray(value)) return value.map((v, i) => track(v, `${path}/${i}`, records));
  if (value === null || typeof value !== "object") return value;
  const record = { path, keys: Object.keys(value), read: new Set() };
  records.push(record);
  const inner = Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, track(v, `${path}/${k}`, records)]));
  const note = (key) => typeof key === "string" && record.read.add(key);
  return new Proxy(inner, {
    get(target, key, receiver) { note(key); return Reflect.get(target, key, receiver); },
    has(target, key) { note(key); return Reflect.has(target, key); },
  });
}

function parseDockerfiles(paths) {
  const parsed = {};
  for (const path of paths) {
    const text = readFileSync(path, "utf8");
    for (const d of lintDockerfile(text)) {
      problems.push(`${path}:${d.range.start.line + 1}: ${d.message}`);
    }
    parsed[path] = DockerfileParser.parse(text).getInstructions().map((i) => ({
      line: i.getRange().start.line + 1,
      keyword: i.getKeyword(),
      flags: Object.fromEntries(
        (i.getFlags ? i.getFlags() : []).map((f) => [f.getName(), f.getValue()])),
      args: i.getArguments().map((a) => a.getValue()),
      text: i.getArgumentsContent() ?? "",
    }));
  }
  console.log(JSON.stringify(parsed));
}

const [command, ...args] = process.argv.slice(2);
if (command === "k8s") await validateObjects(args[0]);
else if (command === "dockerfile") parseDockerfiles(args);
else problems.push(`unknown command ${command}`);
for (const p of problems) console.error(p);
process.exit(problems.length ? 1 : 0);
