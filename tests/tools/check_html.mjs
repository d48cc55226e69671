// check_html.mjs: loads pages of sockview --html in one headless Chromium
// (Debian's, through puppeteer-core; flags from puppeteer.json) and checks
// them live, as a user would drive them.
//
// usage: node check_html.mjs SPEC.json
// SPEC: {"pages": [{"file", "calls", "links", "conns",
//         optional: "pid", "pid_calls", "port", "port_calls", "conn",
//         "conn_calls", "search", "search_count", "hostile" (payloads that
//         must stay text), "screenshot" (a PNG path)}]}
//
// Per page: the page's script ran and holds every call, arrow and
// connection; the connections table lists them; filtering by process and by
// port shows the expected calls; clicking a connection row highlights its
// calls; searching finds the expected calls; clicking a call on the canvas
// shows its record and hexdump.  With "hostile": the calls whose payloads
// are <script> and <img onerror> show as text in the record, and no element
// (img, script) is created, no handler ran (the title is unchanged).
// Prints one line per page with the load time (navigation to the page's
// "ready", measured here): reported, not asserted.  Exit status 1 with a
// line per failed check.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const here = dirname(fileURLToPath(import.meta.url));
const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const conf = JSON.parse(readFileSync(join(here, 'puppeteer.json'), 'utf8'));
const profile = mkdtempSync(join(tmpdir(), 'sockview-chromium-'));
let failures = 0;

function check(ok, what) {
	if (!ok) {
		console.log('FAIL: ' + what);
		failures++;
	}
}

const browser = await puppeteer.launch({
	executablePath: conf.executablePath,
	headless: true,
	userDataDir: profile,
	args: conf.args,
});

try {
	for (const p of spec.pages) {
		const name = p.file.replace(/.*\//, '');
		const page = await browser.newPage();
		const errors = [];
		page.on('pageerror', (e) => errors.push(String(e)));
		page.on('dialog', (d) => { errors.push('dialog: ' + d.message()); d.dismiss(); });
		await page.setViewport({ width: 1400, height: 900 });
		const t0 = Date.now();
		await page.goto(pathToFileURL(p.file).href, { waitUntil: 'load', timeout: 120000 });
		await page.waitForSelector('body[data-ready="1"]', { timeout: 120000 });
		const loadMs = Date.now() - t0;
		const st = await page.evaluate(() => ({
			calls: window.sockview.calls, links: window.sockview.links,
			conns: window.sockview.conns, scriptMs: window.sockview.loadMs,
			rows: document.querySelectorAll('#ctab tbody tr').length,
			summary: document.getElementById('summary').textContent,
		}));
		console.log(`html: ${name}: ${st.calls} calls, ${st.links} arrows: ready ${loadMs} ms ` +
			    `after navigation (page script done at ${Math.round(st.scriptMs)} ms)`);
		check(st.calls === p.calls, `${name}: ${st.calls} calls in the page, want ${p.calls}`);
		check(st.links === p.links, `${name}: ${st.links} arrows in the page, want ${p.links}`);
		check(st.conns === p.conns, `${name}: ${st.conns} connections, want ${p.conns}`);
		check(st.rows === Math.min(p.conns, 2000), `${name}: ${st.rows} rows in the table`);
		check(st.summary.startsWith(p.calls + ' calls'), `${name}: summary "${st.summary}"`);

		const shown = () => page.$eval('#cv', (c) => +c.getAttribute('data-shown'));
		if (p.pid !== undefined) {
			await page.select('#f-proc', String(p.pid));
			check(await shown() === p.pid_calls,
			      `${name}: process filter ${p.pid} shows ${await shown()}, want ${p.pid_calls}`);
			await page.select('#f-proc', '');
			check(await shown() === p.calls, `${name}: no filter shows ${await shown()}`);
		}
		if (p.port !== undefined) {
			await page.type('#f-port', String(p.port));
			check(await shown() === p.port_calls,
			      `${name}: port filter ${p.port} shows ${await shown()}, want ${p.port_calls}`);
			await page.$eval('#f-port', (e) => { e.value = ''; e.dispatchEvent(new Event('input')); });
		}
		if (p.conn !== undefined) {
			await page.click(`#ctab tbody tr[data-id="${p.conn}"]`);
			const n = await page.$eval('#cv', (c) => +c.getAttribute('data-highlighted'));
			const sel = await page.$$eval('#ctab tbody tr.sel', (r) => r.length);
			check(n === p.conn_calls && sel === 1,
			      `${name}: connection ${p.conn} highlights ${n} calls (${sel} rows), want ${p.conn_calls}`);
		}
		if (p.search !== undefined) {
			await page.type('#q', p.search);
			const txt = await page.$eval('#q-count', (e) => e.textContent);
			check(txt === `${p.search_count} found`,
			      `${name}: search "${p.search}" says "${txt}", want ${p.search_count}`);
			await page.keyboard.press('Enter');
			const s = await page.evaluate(() => window.sockview.selected());
			check(s >= 0, `${name}: Enter in the search selects no call`);
		}
		if (p.calls === 0) {
			check(errors.length === 0, `${name}: page errors: ${errors.join('; ')}`);
			await page.close();
			continue;
		}
		// A click on the canvas, at the call the page says it drew there.
		const target = p.hostile ? '<img src=x onerror' : '';
		const idx = await page.evaluate((t) => window.sockview.find(t), target);
		check(idx >= 0, `${name}: no call with "${target}"`);
		const xy = await page.evaluate((i) => { window.sockview.zoomTo(i); return window.sockview.callXY(i); }, idx);
		const box = await (await page.$('#cv')).boundingBox();
		await page.evaluate(() => { document.getElementById('d-rec').textContent = ''; });
		await page.mouse.click(box.x + xy.x, box.y + xy.y);
		const picked = await page.evaluate(() => window.sockview.selected());
		const rec = await page.$eval('#d-rec', (e) => e.textContent);
		const hex = await page.$eval('#d-hex', (e) => e.textContent);
		check(picked === idx, `${name}: the click at call ${idx} selected ${picked}`);
		check(rec.includes('call'), `${name}: the click shows no record`);
		if (p.hostile) {
			check(rec.includes('<img src=x onerror'), `${name}: the payload is not shown as text: ${rec}`);
			check(hex.includes('3c 69 6d 67'), `${name}: the hexdump lacks "<img": ${hex}`);
			const i2 = await page.evaluate(() => window.sockview.find('<script>document'));
			await page.evaluate((i) => window.sockview.show(i), i2);
			const rec2 = await page.$eval('#d-rec', (e) => e.textContent);
			check(rec2.includes("<script>document.title='pwned'"), `${name}: <script> payload not shown as text`);
			const dom = await page.evaluate(() => ({
				title: document.title,
				imgs: document.querySelectorAll('img').length,
				scripts: document.querySelectorAll('script').length,
				bodyHtml: document.body.innerHTML.includes('<img'),
			}));
			check(dom.title === 'sockview', `${name}: a payload changed the title to ${dom.title}`);
			check(dom.imgs === 0 && !dom.bodyHtml, `${name}: a payload made an <img> element`);
			check(dom.scripts === 2, `${name}: ${dom.scripts} script elements, want 2`);
		}
		check(errors.length === 0, `${name}: page errors: ${errors.join('; ')}`);
		if (p.screenshot)
			await page.screenshot({ path: p.screenshot, fullPage: true });
		await page.close();
	}
} finally {
	await browser.close();
	rmSync(profile, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
