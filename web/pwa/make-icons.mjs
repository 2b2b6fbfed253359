// Renders the home-screen icons (web/public/icons/*.png) from the logo with
// Debian's Chromium. Run by hand when the logo changes:  node pwa/make-icons.mjs
// The artwork is full-bleed with the glyph inside the central 70 %, so the same
// file works as a "maskable" icon (Android crops up to the 80 % safe zone).
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';

const out = (name) => fileURLToPath(new URL(`../public/icons/${name}`, import.meta.url));
const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
  <rect width="64" height="64" fill="#1f5f8b"/>
  <g transform="translate(9.6 9.6) scale(0.7)">
    <path d="M32 12 8 26l24 14 18-10.5V42h4V26L32 12z" fill="#fff"/>
    <path d="M18 35.5V44c0 4 6.3 8 14 8s14-4 14-8v-8.5L32 44l-14-8.5z" fill="#ffd166"/>
  </g>
</svg>`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  for (const size of [192, 512]) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(
      `<style>html,body{margin:0}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`,
    );
    await page.screenshot({ path: out(`icon-${size}.png`), omitBackground: false });
    await page.close();
  }
} finally {
  await browser.close();
}
