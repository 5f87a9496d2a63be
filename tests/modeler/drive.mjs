// Drives the modeler page in an already running Chromium (started and killed by the Python
// test): loads all templates, applies each one to a service task, sets one required field,
// exports the BPMN XML; for multi-operation templates it also sets shared fields, switches
// the operation in the properties panel and exports again; for the `choices` cases it
// switches a dropdown other fields depend on and exports before and after; with `example`
// it opens that diagram, reads the template state and properties panel of each service task
// and exports it again; for each of `screenshots` it photographs the properties panel with
// that template applied. Writes everything to a JSON file for the caller to check.
//
//   node drive.mjs <job.json> <result.json>
import { readFileSync, writeFileSync } from 'node:fs';
import puppeteer from 'puppeteer-core';

const [jobFile, resultFile] = process.argv.slice(2);
const job = JSON.parse(readFileSync(jobFile, 'utf-8'));

const browser = await puppeteer.connect({
  browserWSEndpoint: job.wsEndpoint,
  defaultViewport: { width: 1400, height: 1600 },
  protocolTimeout: 60000,
});
const result = { pageErrors: [], cases: {} };
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(30000);
  page.on('pageerror', (error) => result.pageErrors.push(String(error && error.message)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      result.pageErrors.push(`console: ${msg.text()}`);
    }
  });
  await page.goto(job.url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.tasklinkModeler !== undefined);
  result.load = await page.evaluate((templates) => window.tasklinkModeler.load(templates), job.templates);
  for (const item of job.cases || []) {
    result.cases[item.key] = await page.evaluate(
      (c) => window.tasklinkModeler.apply(c.id, c.version, c.field).catch((e) => ({ error: String(e) })),
      item,
    );
    // let the properties panel render the selected element, then read its messages
    await new Promise((resolve) => setTimeout(resolve, 100));
    result.cases[item.key].panelErrors = await page.evaluate(() => window.tasklinkModeler.panelErrors());
  }
  result.switches = {};
  for (const item of job.switches || []) {
    result.switches[item.key] = await page.evaluate(
      (c) =>
        window.tasklinkModeler
          .switchOperation(c.id, c.version, c.from, c.to, c.fields)
          .catch((e) => ({ error: String(e) })),
      item,
    );
  }
  result.choices = {};
  for (const item of job.choices || []) {
    result.choices[item.key] = await page.evaluate(
      (c) =>
        window.tasklinkModeler
          .switchChoice(c.id, c.version, c.choice, c.field)
          .catch((e) => ({ error: String(e) })),
      item,
    );
  }
  if (job.example) {
    // a diagram modelled with the templates: opened, inspected, exported, photographed
    result.example = await page.evaluate(
      (xml) => window.tasklinkModeler.inspect(xml).catch((e) => ({ error: String(e) })),
      job.example.xml,
    );
    const canvas = await page.$('#canvas');
    await canvas.screenshot({ path: job.example.screenshot });
    result.example.screenshot = job.example.screenshot;
  }
  result.screenshots = [];
  for (const item of job.screenshots || []) {
    // the panel as the modeler first shows a task with the template applied, whole
    const applied = await page.evaluate(
      (c) => window.tasklinkModeler.apply(c.id, c.version, null).catch((e) => ({ error: String(e) })),
      item,
    );
    if (applied.error) {
      result.pageErrors.push(`screenshot of ${item.id}: ${applied.error}`);
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    // as tall as the panel's content, so the picture shows all of it
    // (the panel scrolls inside its own containers: the tallest content is its height)
    const height = await page.evaluate(() =>
      Math.max(...[...document.querySelectorAll('#properties, #properties *')].map((e) => e.scrollHeight)),
    );
    await page.setViewport({ width: 1400, height: Math.max(height, 400) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const panel = await page.$('#properties');
    await panel.screenshot({ path: item.path });
    await page.setViewport({ width: 1400, height: 1600 });
    result.screenshots.push(item.path);
  }
  await page.close();
} finally {
  await browser.disconnect();
}
writeFileSync(resultFile, JSON.stringify(result));
