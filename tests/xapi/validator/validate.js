// Reads a JSON array of xAPI statements on stdin; prints, for each, the problems that
// Learning Locker's xapi-validation finds (an empty list when the statement is valid).
"use strict";
const validate = require("xapi-validation").default;

function describe(warning) {
  const path = (warning.path || []).join(".");
  const kind = warning.constructor && warning.constructor.name;
  const detail = warning.message || JSON.stringify(warning.data === undefined ? null : warning.data);
  return `${path || "(statement)"}: ${kind}${detail ? ` ${detail}` : ""}`;
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const statements = JSON.parse(input);
  if (!Array.isArray(statements)) throw new Error("expected a JSON array of statements");
  const problems = statements.map((statement) => validate(statement).map(describe));
  process.stdout.write(JSON.stringify(problems));
});
