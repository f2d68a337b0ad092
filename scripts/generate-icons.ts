// `npx tsx scripts/generate-icons.ts`: renders the app's icons in public/ from app/icon.svg (the brand mark) with
// headless Chromium, and writes favicon.ico (PNG images in an ICO container). Re-run after changing the mark,
// and commit the files.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "@playwright/test";
import { CHROMIUM_ARGS, systemChromium } from "../e2e/chromium.mjs";

const root = process.cwd();
const out = path.join(root, "public");
const mark = readFileSync(path.join(root, "app", "icon.svg"), "utf8");
// Full-bleed: iOS and Android round the corners themselves, so the square must be filled.
const square = mark.replace(/ rx="[\d.]+"/, "");
// Maskable: the mark shrunk into the safe zone (the centre circle of 80% diameter) of the full-bleed square.
const maskable = square.replace(/(<path [^>]*\/>)/, '<g transform="translate(2.4 2.4) scale(0.8)">$1</g>');

async function main() {
  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({ executablePath: systemChromium(), args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  const render = async (svg: string, size: number): Promise<Buffer> => {
    await page.setViewportSize({ width: size, height: size });
    const sized = svg.replace("<svg ", `<svg width="${size}" height="${size}" `);
    await page.setContent(`<html><body style="margin:0;background:transparent">${sized}</body></html>`);
    return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
  };
  const files: [string, Buffer][] = [
    ["apple-touch-icon.png", await render(square, 180)],
    ["icon-192.png", await render(mark, 192)],
    ["icon-512.png", await render(mark, 512)],
    ["icon-maskable-512.png", await render(maskable, 512)],
  ];
  const ico = await Promise.all([16, 32, 48].map(async (s) => [s, await render(mark, s)] as const));
  await browser.close();
  files.push(["favicon.ico", icoFile(ico)]);
  for (const [name, data] of files) writeFileSync(path.join(out, name), data);
  writeFileSync(path.join(out, "manifest.webmanifest"), `${JSON.stringify(manifest(), null, 2)}\n`);
  console.log(`wrote ${[...files.map(([n]) => n), "manifest.webmanifest"].join(", ")} to public/`);
}

/** An ICO file whose images are PNGs (every browser since IE Vista reads them). */
function icoFile(images: readonly (readonly [number, Buffer])[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(images.length, 4);
  const entries: Buffer[] = [];
  let offset = 6 + 16 * images.length;
  for (const [size, png] of images) {
    const e = Buffer.alloc(16);
    e.writeUInt8(size % 256, 0);
    e.writeUInt8(size % 256, 1);
    e.writeUInt8(0, 2); // no palette
    e.writeUInt8(0, 3);
    e.writeUInt16LE(1, 4); // colour planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(png.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(e);
  }
  return Buffer.concat([header, ...entries, ...images.map(([, png]) => png)]);
}

function manifest() {
  return {
    name: "Apolo Console",
    short_name: "Apolo",
    start_url: "/",
    display: "standalone",
    background_color: "#ffffff",
    theme_color: "#4338ca",
    icons: [
      { src: "/icon-192.png", sizes: "192x192", type: "image/png" },
      { src: "/icon-512.png", sizes: "512x512", type: "image/png" },
      { src: "/icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
    ],
  };
}

await main();
