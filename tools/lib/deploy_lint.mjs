// The JavaScript half of tools/check-deploy: what npm packages check.
//
//   node deploy_lint.mjs k8s OBJECTS.json      validate each object (a JSON array) against the
//                                             Kubernetes API schemas (kubernetes-models)
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
    }
  }
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
