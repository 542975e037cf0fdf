// npm run guide: the user guide's pictures and its HTML/PDF build (issue 16).
// 1. Runs the guide's tasks (tests/guide, playwright.guide.config.ts) in Chinese and in English against
//    a fresh server filled by the demo; each task's steps are the guide's steps, and they write the
//    pictures (docs/guide/img/<locale>/, listed in made.json).
// 2. Checks the guide: every picture a page shows was made by this run, and both languages have the
//    same pages and sections.
// 3. Builds docs/guide/build/<locale>/*.html and a printable PDF per language (Chromium), and copies the
//    pictures for the app's help (build/guide/img).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Marked } from 'marked';
import { chromium } from '@playwright/test';

const LOCALES = ['zh-CN', 'en'];
const DOCS = 'docs/guide';
const IMG = join(DOCS, 'img');
const OUT = join(DOCS, 'build');
const PAGES = ['quickstart', 'sales', 'agent', 'manager', 'admin', 'practice'];
const skipRun = process.argv.includes('--no-run'); // rebuild the HTML from the pictures already made

if (!skipRun) {
	for (const l of LOCALES) rmSync(join(IMG, l, 'made.json'), { force: true });
	execFileSync('npx', ['playwright', 'test', '-c', 'playwright.guide.config.ts'], { stdio: 'inherit' });
}

// 2. The checks.
const problems = [];
const ids = {};
for (const l of LOCALES) {
	const made = new Set(existsSync(join(IMG, l, 'made.json')) ? JSON.parse(readFileSync(join(IMG, l, 'made.json'), 'utf8')) : []);
	ids[l] = {};
	for (const p of PAGES) {
		const file = join(DOCS, l, `${p}.md`);
		if (!existsSync(file)) {
			problems.push(`${file} is missing`);
			continue;
		}
		const md = readFileSync(file, 'utf8');
		for (const [, src] of md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) {
			const m = /^\.\.\/img\/([^/]+)\/([^/]+)\.png$/.exec(src);
			if (!m) problems.push(`${file}: picture ${src} is not one the guide makes (../img/<locale>/<name>.png)`);
			else if (m[1] !== l) problems.push(`${file}: picture ${src} is of another language`);
			else if (!made.has(m[2])) problems.push(`${file}: picture ${src} was not made by this run of the guide's tasks`);
		}
		ids[l][p] = [...md.matchAll(/^#+ .*<!--\s*([a-z0-9-]+)\s*-->\s*$/gm)].map((x) => x[1]);
	}
}
for (const p of PAGES) {
	const [a, b] = LOCALES.map((l) => JSON.stringify(ids[l][p] ?? []));
	if (a !== b) problems.push(`${p}: the sections differ between ${LOCALES.join(' and ')} (${a} vs ${b})`);
}
if (problems.length) {
	console.error(`The guide has ${problems.length} problems:\n- ${problems.join('\n- ')}`);
	process.exit(1);
}

// 3. HTML and PDF.
const CSS = `body{font:16px/1.65 system-ui,"Noto Sans CJK SC",sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#0f172a}
img{max-width:min(100%,420px);border:1px solid #e2e8f0;border-radius:10px;display:block;margin:.6rem 0}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e2e8f0;padding:.3rem .4rem;text-align:left;vertical-align:top}
code{background:#f1f5f9;padding:0 .25rem;border-radius:4px}nav a{margin-right:.8rem}h1{page-break-before:always}h1:first-of-type{page-break-before:auto}`;
const marked = new Marked({
	gfm: true,
	renderer: {
		heading({ tokens, depth, text }) {
			const m = /<!--\s*([a-z0-9-]+)\s*-->\s*$/.exec(text);
			const inner = this.parser.parseInline(tokens.filter((t) => !(t.type === 'html' && /<!--/.test(t.raw)))).trim();
			return `<h${depth}${m ? ` id="${m[1]}"` : ''}>${inner}</h${depth}>\n`;
		},
		link({ href, tokens }) {
			return `<a href="${href.replace(/\.md(#|$)/, '.html$1')}">${this.parser.parseInline(tokens)}</a>`;
		},
		image({ href, text }) {
			return `<img src="../${href.replace(/^\.\.\//, '../')}" alt="${text}">`;
		}
	}
});
rmSync(OUT, { recursive: true, force: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
	for (const l of LOCALES) {
		mkdirSync(join(OUT, l), { recursive: true });
		const bodies = [];
		for (const p of PAGES) {
			const body = marked.parse(readFileSync(join(DOCS, l, `${p}.md`), 'utf8'));
			bodies.push(body);
			const nav = PAGES.map((q) => `<a href="${q}.html">${q}</a>`).join('');
			writeFileSync(join(OUT, l, `${p}.html`), `<!doctype html><html lang="${l}"><meta charset="utf-8"><title>${p}</title><style>${CSS}</style><nav>${nav}</nav>${body}</html>\n`);
		}
		const all = join(OUT, l, 'guide.html');
		writeFileSync(all, `<!doctype html><html lang="${l}"><meta charset="utf-8"><style>${CSS}</style>${bodies.join('\n')}</html>\n`);
		const page = await browser.newPage();
		await page.goto(`file://${process.cwd()}/${all}`);
		await page.waitForLoadState('load');
		await page.pdf({ path: join(OUT, `guide-${l}.pdf`), format: 'A4', margin: { top: '15mm', bottom: '15mm', left: '12mm', right: '12mm' }, printBackground: true });
		await page.close();
	}
} finally {
	await browser.close();
}
if (existsSync('build')) cpSync(IMG, 'build/guide/img', { recursive: true, filter: (src) => !src.endsWith('.json') });
const count = LOCALES.reduce((n, l) => n + readdirSync(join(IMG, l)).filter((f) => f.endsWith('.png')).length, 0);
console.log(`The guide: ${PAGES.length} pages in ${LOCALES.length} languages, ${count} pictures, HTML and PDF in ${OUT}/.`);
