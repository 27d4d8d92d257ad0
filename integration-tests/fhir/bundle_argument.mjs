// The one command-line argument of the bundle checkers (validate_bundle.mjs,
// check_invariants.mjs): reads it as a FHIR Bundle, or exits 2 with a usage line.

import { readFileSync } from 'node:fs';

export function readBundleArgument(script) {
  const usage = (message) => {
    process.stderr.write(`error: ${message}\nusage: node ${script} BUNDLE.json\n`);
    process.exit(2);
  };
  const args = process.argv.slice(2);
  if (args.length !== 1) usage('give exactly one bundle file');
  let bundle;
  try {
    bundle = JSON.parse(readFileSync(args[0], 'utf8'));
  } catch (error) {
    usage(`cannot read ${args[0]} as JSON: ${error.message}`);
  }
  if (bundle?.resourceType !== 'Bundle') usage(`${args[0]} is not a FHIR Bundle`);
  return bundle;
}
