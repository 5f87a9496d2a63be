// The page the modeler check drives: the embeddable Camunda 8 modeler with a properties
// panel, and a small API (window.tasklinkModeler) the test calls through the DevTools
// protocol to load templates, apply one to a service task and export the diagram.
import Modeler from 'camunda-bpmn-js/lib/camunda-cloud/Modeler';
import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

const DIAGRAM = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
  id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="Process_1" isExecutable="true">
    <bpmn:task id="Task_1" name="Connector task" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_1">
    <bpmndi:BPMNPlane id="Plane_1" bpmnElement="Process_1">
      <bpmndi:BPMNShape id="Task_1_di" bpmnElement="Task_1">
        <dc:Bounds x="160" y="100" width="100" height="80" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;

let modeler = null;
const templateErrors = [];
const templateWarnings = [];

function message(error) {
  return String((error && error.message) || error);
}

async function load(templates) {
  modeler = new Modeler({
    container: '#canvas',
    propertiesPanel: { parent: '#properties' },
    // The panel commits what its entries change at once rather than after a 600 ms
    // debounce, so each check exports everything the panel does in it (such as a FEEL
    // editor rewriting a plain value into an expression). A commit still pending when the
    // next check imports its diagram would land on the removed task: diagram-js then makes
    // an implicit root without DI and saveXML fails (`rootDi.set` in BpmnDiOrdering).
    debounceInput: false,
  });
  modeler.on('elementTemplates.errors', (event) => {
    templateErrors.push(...event.errors.map(message));
  });
  modeler.on('elementTemplates.warnings', (event) => {
    templateWarnings.push(...event.warnings.map(message));
  });
  await modeler.importXML(DIAGRAM);
  // The loader validates every template exactly as Camunda Modeler does and reports
  // rejected ones through 'elementTemplates.errors'.
  modeler.get('elementTemplatesLoader').setTemplates(templates);
  const loaded = modeler.get('elementTemplates').getAll().map((t) => `${t.id}@${t.version}`);
  return { loaded, errors: templateErrors.slice(), warnings: templateWarnings.slice() };
}

function ioMapping(element) {
  const bo = getBusinessObject(element);
  const extensions = bo.get('extensionElements');
  if (!extensions) {
    return null;
  }
  return extensions.get('values').find((value) => value.$instanceOf('zeebe:IoMapping')) || null;
}

function setInput(element, name, value) {
  const modeling = modeler.get('modeling');
  const mapping = ioMapping(element);
  if (!mapping) {
    throw new Error('the template created no input mapping');
  }
  const existing = mapping.get('inputParameters').find((p) => p.get('target') === name);
  if (existing) {
    modeling.updateModdleProperties(element, existing, { source: value });
  } else {
    const input = modeler.get('bpmnFactory').create('zeebe:Input', { source: value, target: name });
    modeling.updateModdleProperties(element, mapping, {
      inputParameters: [...mapping.get('inputParameters'), input],
    });
  }
}

async function apply(id, version, field) {
  await modeler.importXML(DIAGRAM);
  const errorsBefore = templateErrors.length;
  const elementTemplates = modeler.get('elementTemplates');
  const template = elementTemplates.get(id, version);
  if (!template) {
    return { error: `template ${id}@${version} is not loaded` };
  }
  const task = modeler.get('elementRegistry').get('Task_1');
  const element = elementTemplates.applyTemplate(task, template);
  if (field) {
    setInput(element, field.name, field.value);
  }
  modeler.get('selection').select(element);
  const applied = elementTemplates.get(element);
  const { xml } = await modeler.saveXML({ format: true });
  return {
    xml,
    applied: applied ? `${applied.id}@${applied.version}` : null,
    elementType: element.type,
    errors: templateErrors.slice(errorsBefore),
  };
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Picks `value` in the properties panel dropdown labelled `label` in group `group`, as a
// user does: the panel's own change handler updates the binding and the modeler re-applies
// the template's conditions (adding and removing inputs).
async function chooseValue(templateId, group, label, value) {
  const prefix = `custom-entry-${templateId}-${group}-`;
  let select = null;
  for (let i = 0; i < 50 && !select; i++) {
    expandGroups();
    const entry = [...document.querySelectorAll('.bio-properties-panel-entry')].find((candidate) => {
      const text = candidate.querySelector('.bio-properties-panel-label');
      return (
        (candidate.dataset.entryId || '').startsWith(prefix) &&
        text &&
        text.textContent.trim() === label &&
        candidate.querySelector('select')
      );
    });
    select = entry ? entry.querySelector('select') : null;
    if (!select) {
      await sleep(50);
    }
  }
  if (!select) {
    throw new Error(`the properties panel shows no dropdown ${label} in group ${group}`);
  }
  if (![...select.options].some((option) => option.value === value)) {
    throw new Error(`the dropdown ${label} has no choice ${value}`);
  }
  select.value = value;
  select.dispatchEvent(new Event('input', { bubbles: true }));
  await sleep(50);
}

async function chooseOperation(templateId, operation) {
  await chooseValue(templateId, 'operation', 'Operation', operation);
}

function header(element, key) {
  const extensions = getBusinessObject(element).get('extensionElements');
  const headers = extensions && extensions.get('values').find((v) => v.$instanceOf('zeebe:TaskHeaders'));
  const found = headers && headers.get('values').find((h) => h.get('key') === key);
  return found ? found.get('value') : null;
}

// Applies a template, picks operation `from`, sets `fields` ({name, value} inputs), switches
// to operation `to` in the panel and exports the diagram.
async function switchOperation(id, version, from, to, fields) {
  await modeler.importXML(DIAGRAM);
  const errorsBefore = templateErrors.length;
  const elementTemplates = modeler.get('elementTemplates');
  const template = elementTemplates.get(id, version);
  if (!template) {
    return { error: `template ${id}@${version} is not loaded` };
  }
  const registry = modeler.get('elementRegistry');
  let element = elementTemplates.applyTemplate(registry.get('Task_1'), template);
  modeler.get('selection').select(element);
  await chooseOperation(id, from);
  element = registry.get(element.id);
  const before = header(element, 'operation');
  for (const field of fields) {
    setInput(element, field.name, field.value);
  }
  await chooseOperation(id, to);
  element = registry.get(element.id);
  await sleep(100);
  const { xml } = await modeler.saveXML({ format: true });
  return {
    xml,
    before,
    after: header(element, 'operation'),
    shown: entriesShowing(fields.map((field) => field.value)),
    errors: templateErrors.slice(errorsBefore),
  };
}

// Applies a template and exports the diagram with every value at its default; then picks
// `choice.value` in the panel dropdown `choice.label` (group `choice.group`), sets the input
// `field` ({name, value}) and exports again. Returns both diagrams and the labels of the
// panel entries shown before and after the choice.
async function switchChoice(id, version, choice, field) {
  await modeler.importXML(DIAGRAM);
  const errorsBefore = templateErrors.length;
  const elementTemplates = modeler.get('elementTemplates');
  const template = elementTemplates.get(id, version);
  if (!template) {
    return { error: `template ${id}@${version} is not loaded` };
  }
  const registry = modeler.get('elementRegistry');
  let element = elementTemplates.applyTemplate(registry.get('Task_1'), template);
  modeler.get('selection').select(element);
  await sleep(100);
  const shownBefore = entryLabels();
  const before = (await modeler.saveXML({ format: true })).xml;
  await chooseValue(id, choice.group, choice.label, choice.value);
  element = registry.get(element.id);
  await sleep(100);
  const shownAfter = entryLabels();
  setInput(element, field.name, field.value);
  const after = (await modeler.saveXML({ format: true })).xml;
  return { before, after, shownBefore, shownAfter, errors: templateErrors.slice(errorsBefore) };
}

// Labels of every entry the properties panel shows (groups expanded).
function entryLabels() {
  expandGroups();
  return [...document.querySelectorAll('.bio-properties-panel-entry .bio-properties-panel-label')].map(
    (label) => label.textContent.trim(),
  );
}

// Labels of the properties panel entries whose text field shows one of `values` (a FEEL
// editor shows an expression without its leading `=`).
function entriesShowing(values) {
  expandGroups();
  values = values.flatMap((value) => (value.startsWith('=') ? [value, value.slice(1)] : [value]));
  return [...document.querySelectorAll('.bio-properties-panel-entry')]
    .filter((entry) =>
      [...entry.querySelectorAll('input, textarea, [contenteditable]')].some((field) =>
        values.includes(field.value !== undefined ? field.value : field.textContent),
      ),
    )
    .map((entry) => {
      const label = entry.querySelector('.bio-properties-panel-label');
      return label ? label.textContent.trim() : entry.dataset.entryId;
    });
}

function expandGroups() {
  for (const header of document.querySelectorAll('.bio-properties-panel-group-header:not(.open)')) {
    header.click();
  }
}

// The validation messages the properties panel shows for the selected element.
function panelErrors() {
  expandGroups();
  return [...document.querySelectorAll('.bio-properties-panel-entry')]
    .map((entry) => {
      const error = entry.querySelector('.bio-properties-panel-error');
      const label = entry.querySelector('.bio-properties-panel-label');
      return error && { label: label ? label.textContent.trim() : entry.dataset.entryId, message: error.textContent.trim() };
    })
    .filter(Boolean);
}

// Label, entry id and shown value of every entry of the properties panel (groups expanded):
// a dropdown's chosen value, a checkbox's state, a text field's text (a FEEL editor shows an
// expression without its leading `=`).
function entryValues() {
  expandGroups();
  return [...document.querySelectorAll('.bio-properties-panel-entry')].map((entry) => {
    const label = entry.querySelector('.bio-properties-panel-label');
    const field = entry.querySelector('select, textarea, input, [contenteditable]');
    let value = null;
    if (field && field.type === 'checkbox') {
      value = field.checked;
    } else if (field) {
      value = field.value !== undefined ? field.value : field.textContent;
    }
    return { id: entry.dataset.entryId, label: label ? label.textContent.trim() : null, value };
  });
}

// What the properties panel says about the template of the selected element, as its
// template group does (bpmn-js-element-templates' getTemplateState): KNOWN_TEMPLATE (the
// header's button says "Applied"), UNKNOWN_TEMPLATE ("Not found"), OUTDATED_TEMPLATE
// ("Update available", or "Incompatible" when the applied version does not suit the
// engine), INCOMPATIBLE_TEMPLATE, DEPRECATED_TEMPLATE.
function templateState(element) {
  const elementTemplates = modeler.get('elementTemplates');
  const bo = getBusinessObject(element);
  const id = bo.get('zeebe:modelerTemplate');
  const template = elementTemplates.get(element);
  let state = 'NO_TEMPLATE';
  let latest = null;
  if (id && !template) {
    state = 'UNKNOWN_TEMPLATE';
  } else if (template && template.deprecated) {
    state = 'DEPRECATED_TEMPLATE';
  } else if (template) {
    latest = elementTemplates.getLatest(id, { deprecated: true })[0] || null;
    if (latest && latest !== template) {
      state = 'OUTDATED_TEMPLATE';
    } else if (!elementTemplates.isCompatible(template)) {
      state = 'INCOMPATIBLE_TEMPLATE';
    } else {
      state = 'KNOWN_TEMPLATE';
    }
  }
  const group = document.querySelector('.bio-properties-panel-templates-group');
  // the header's button ("Applied", "Not found", ...), not the items of its menu
  const button = group && group.querySelector('.bio-properties-panel-group-header-buttons button');
  const title = group && group.querySelector('.bio-properties-panel-group-header-title');
  return {
    state,
    linked: id ? `${id}@${bo.get('zeebe:modelerTemplateVersion')}` : null,
    applied: template ? `${template.id}@${template.version}` : null,
    latest: latest ? `${latest.id}@${latest.version}` : null,
    badge: button ? button.textContent.trim() : null,
    group: title ? title.textContent.trim() : null,
  };
}

// Opens `xml` as Camunda Modeler opens a file with the templates loaded: templates are
// judged against the diagram's execution platform version (the Desktop Modeler's engines).
// For each service task, selected in turn: its template state, the panel's entries and
// messages. Returns them with the import warnings, the ids of everything drawn and the
// diagram exported again.
async function inspect(xml) {
  const errorsBefore = templateErrors.length;
  const warningsBefore = templateWarnings.length;
  const elementTemplates = modeler.get('elementTemplates');
  const engines = elementTemplates.getEngines();
  const { warnings } = await modeler.importXML(xml);
  const definitions = modeler.getDefinitions();
  const platform = definitions.get('modeler:executionPlatformVersion');
  if (definitions.get('modeler:executionPlatform') === 'Camunda Cloud' && platform) {
    elementTemplates.setEngines({ camunda: platform });
  }
  try {
    const registry = modeler.get('elementRegistry');
    const tasks = {};
    for (const element of registry.filter((e) => e.type === 'bpmn:ServiceTask')) {
      modeler.get('selection').select(element);
      await sleep(100);
      tasks[element.id] = {
        ...templateState(element),
        entries: entryValues(),
        panelErrors: panelErrors(),
      };
    }
    modeler.get('selection').select(null);
    const { xml: exported } = await modeler.saveXML({ format: true });
    return {
      xml: exported,
      importWarnings: warnings.map(message),
      engines: elementTemplates.getEngines(),
      drawn: registry.getAll().filter((e) => !e.labelTarget).map((e) => e.id),
      tasks,
      errors: templateErrors.slice(errorsBefore),
      warnings: templateWarnings.slice(warningsBefore),
    };
  } finally {
    elementTemplates.setEngines(engines);
  }
}

window.tasklinkModeler = { load, apply, switchOperation, switchChoice, inspect, expandGroups, panelErrors };
