/**
 * Malformed stores in real Chromium: missing `multiscales`, a dtype the viewer cannot draw
 * (int64), and a level whose array is missing (404) each stop the viewer with a message naming the
 * problem; a corrupt chunk is listed in the viewer while the other tiles keep rendering.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppServer,
  ensureBuilt,
  launchAppBrowser,
  sampleImage,
  serveApp,
  writeOmeZarr,
} from './app-harness.ts';
import { frames, setView, toPage } from './app-page.ts';
import { chromiumAvailable } from './harness.ts';

const dirs: string[] = [];
const servers: AppServer[] = [];

async function malformed(edit: (dir: string) => void): Promise<AppServer> {
  const dir = writeOmeZarr({ ngff: '0.4', chunk: 128, levels: 3, image: await sampleImage(), zlib: true });
  edit(dir);
  dirs.push(dir);
  const server = await serveApp(dir);
  servers.push(server);
  return server;
}

beforeAll(() => ensureBuilt(), 120_000);

afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('malformed stores show a clear message (Chromium)', () => {
  it('reports metadata, dtype and missing-level errors, and a corrupt chunk without losing other tiles', async () => {
    expect(chromiumAvailable(), 'Debian chromium is installed by .ci/run').toBe(true);
    const cases: { name: string; edit: (dir: string) => void; expect: RegExp }[] = [
      {
        name: 'missing multiscales',
        edit: (d) => writeFileSync(join(d, '.zattrs'), JSON.stringify({ omero: {} })),
        expect: /MetadataError.*multiscales/,
      },
      {
        name: 'int64 dtype',
        edit: (d) => {
          for (const l of ['0', '1', '2']) {
            const f = join(d, l, '.zarray');
            const meta = JSON.parse(readFileSync(f, 'utf8'));
            writeFileSync(f, JSON.stringify({ ...meta, dtype: '<i8' }));
          }
        },
        expect: /DtypeError.*int64/,
      },
      {
        name: 'a 404 level',
        edit: (d) => rmSync(join(d, '1', '.zarray')),
        expect: /MetadataError.*datasets\[1\]/,
      },
    ];
    const browser = await launchAppBrowser();
    try {
      for (const c of cases) {
        const server = await malformed(c.edit);
        const page = await browser.newPage({ viewport: { width: 700, height: 520 } });
        await page.goto(server.url);
        const box = page.locator('.sketchpose-fatal');
        await box.waitFor({ timeout: 30_000 });
        const text = (await box.textContent()) ?? '';
        console.log(`${c.name}: ${text}`);
        expect(text).toMatch(c.expect);
        await page.close();
      }

      // a corrupt chunk at level 0: its tile fails and is reported; the rest of the image renders
      // exactly as from an intact store
      const grab = async (url: string, expectError: boolean) => {
        const page = await browser.newPage({ viewport: { width: 700, height: 520 } });
        await page.goto(url);
        await page.waitForFunction(() => window.sketchpose, undefined, { timeout: 30_000 });
        await setView(page, 128, 128, 0);
        let message = '';
        if (expectError) {
          const error = page.locator('.sketchpose-error');
          await error.first().waitFor({ timeout: 30_000 });
          message = (await error.first().textContent()) ?? '';
        }
        await page.waitForTimeout(1500);
        await frames(page, 3);
        const png = decode(await page.screenshot());
        const sample = async (x0: number, y0: number) => {
          const pts: [number, number][] = [];
          for (let y = 0; y < 128; y += 4)
            for (let x = 0; x < 128; x += 4) pts.push([x0 + x + 0.5, y0 + y + 0.5]);
          return (await toPage(page, pts)).map(
            ([sx, sy]) => png.data[(Math.floor(sy) * png.width + Math.floor(sx)) * png.channels]!,
          );
        };
        const good = await sample(0, 0);
        const broken = await sample(128, 128);
        await page.close();
        return { message, good, broken };
      };
      const corrupt = await malformed((d) =>
        writeFileSync(join(d, '0', '1', '1'), Buffer.from('not zlib at all')),
      );
      const intact = await malformed(() => {});
      const bad = await grab(corrupt.url, true);
      const ref = await grab(intact.url, false);
      console.log(`corrupt chunk: ${bad.message}`);
      expect(bad.message).toMatch(/image tile failed to load/);
      const diff = (a: number[], b: number[]) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
      const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
      console.log(
        `intact tile (0, 0): mean |difference| to the intact store ${diff(bad.good, ref.good).toFixed(2)}; corrupt tile (1, 1): ${diff(bad.broken, ref.broken).toFixed(2)}`,
      );
      expect(sum(ref.good)).toBeGreaterThan(0);
      expect(diff(bad.good, ref.good)).toBeLessThan(1);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
