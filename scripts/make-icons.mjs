// Renders static/icons/icon.svg to the PNG sizes the manifest and iOS need (run once; PNGs are committed).
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';

const svg = readFileSync('static/icons/icon.svg', 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
for (const [name, size, pad] of [
	['icon-192.png', 192, 0],
	['icon-512.png', 512, 0],
	['maskable-512.png', 512, 0.1],
	['apple-touch-icon.png', 180, 0]
]) {
	await page.setViewportSize({ width: size, height: size });
	const inner = Math.round(size * (1 - 2 * pad));
	await page.setContent(`<body style="margin:0;background:#0f766e;display:grid;place-items:center;width:${size}px;height:${size}px">
		<div style="width:${inner}px;height:${inner}px">${svg.replace('<svg ', `<svg width="${inner}" height="${inner}" `)}</div></body>`);
	await page.screenshot({ path: `static/icons/${name}`, omitBackground: false });
}
await browser.close();
