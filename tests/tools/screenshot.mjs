// screenshot.mjs: a PNG of a sockview --html page as a user leaves it, for
// the docs (docs-pictures.sh): calls spaced by order, connection 1
// highlighted, the first call whose text holds WORD selected.
// usage: node screenshot.mjs PAGE.html OUT.png WORD
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const [page_path, out, word] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const conf = JSON.parse(readFileSync(join(here, 'puppeteer.json'), 'utf8'));
const profile = mkdtempSync(join(tmpdir(), 'sockview-chromium-'));
const browser = await puppeteer.launch({
	executablePath: conf.executablePath, headless: true, userDataDir: profile, args: conf.args,
});
try {
	const page = await browser.newPage();
	await page.setViewport({ width: 1400, height: 640 });
	await page.goto(pathToFileURL(page_path).href, { waitUntil: 'load' });
	await page.waitForSelector('body[data-ready="1"]');
	await page.click('#by-order');
	await page.click('#ctab tbody tr[data-id="1"]');
	await page.evaluate((w) => window.sockview.show(window.sockview.find(w)), word);
	await page.screenshot({ path: out, fullPage: true });
} finally {
	await browser.close();
	rmSync(profile, { recursive: true, force: true });
}
