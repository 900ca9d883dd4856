/**
 * The viewer on the virtual 100,000² slide served by `sketchpose serve --virtual 100000` (a child
 * process; chunks computed on request, nothing on disk but label writes): at three far-apart places
 * the view zooms in, a few strokes are painted, the worker predicts the view; browser JS heap
 * (the page's main isolate after a forced GC, via CDP; the worker's heap is not included) and the
 * server's RSS (/proc) are reported
 * before and after each place.
 *
 *   npx tsx bench/ui/virtual-slide.ts [--backend wasm]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, launchAppBrowser, ROOT } from '../../tests/browser/app-harness.ts';
import { openApp, setView, stroke } from '../../tests/browser/app-page.ts';

const backend = process.argv.includes('--backend')
  ? process.argv[process.argv.indexOf('--backend') + 1]!
  : 'wasm';

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function startServe(cacheDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/sketchpose.mjs'),
      'serve',
      '--virtual',
      '100000',
      '--seed',
      '1',
      '--port',
      '0',
      '--cache-dir',
      cacheDir,
      '--cache-mb',
      '64',
      '--quiet',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\/?/.exec(out);
      if (m) resolve(m[0].endsWith('/') ? m[0] : `${m[0]}/`);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    setTimeout(() => reject(new Error(`serve did not print its URL: ${out}`)), 120_000);
  });
  return { child, url };
}

ensureBuilt();
const cacheDir = mkdtempSync(join(tmpdir(), 'sketchpose-virtual-'));
const { child, url } = await startServe(cacheDir);
const browser = await launchAppBrowser();
const rows: string[] = [];
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  await page.addInitScript('window.__name = (f) => f');
  const cdp = await page.context().newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    return usedSize / 2 ** 20;
  };
  const t0 = Date.now();
  await openApp(
    page,
    `${url}?net=small&patch=64&batch=2&predictEvery=0&predictMaxSide=256&backend=${backend}`,
  );
  await page.waitForTimeout(3000);
  rows.push(
    `| start (whole slide in view) | ${(await heap()).toFixed(1)} | ${rssMiB(child.pid!).toFixed(0)} | - | - |`,
  );
  const places: [number, number][] = [
    [12_000, 15_000],
    [85_000, 40_000],
    [50_000, 91_000],
  ];
  for (const [x, y] of places) {
    const t = Date.now();
    // zoom out, then in on the place (as a user would with the wheel)
    await setView(page, 50_000, 50_000, -7);
    await setView(page, x, y, -2);
    await page.waitForTimeout(1000);
    await setView(page, x, y, 1);
    await page.waitForTimeout(1500);
    await page.click('sketchpose-tool-palette button[data-tool=background]');
    await stroke(page, [
      [x - 60, y - 60],
      [x + 60, y - 60],
    ]);
    await page.click('sketchpose-tool-palette button[data-tool=cell]');
    await stroke(page, [
      [x - 10, y],
      [x + 10, y + 5],
    ]);
    await page.evaluate(() => {
      const w = window as unknown as { before: unknown };
      w.before = window.sketchpose!.session.prediction;
      window.sketchpose!.session.predictViewport();
    });
    await page.waitForFunction(
      () => window.sketchpose!.session.prediction !== (window as unknown as { before: unknown }).before,
      undefined,
      { timeout: 300_000 },
    );
    const p = await page.evaluate(() => {
      const s = window.sketchpose!;
      const pr = s.session.prediction;
      return pr ? `${pr.shape[0]}×${pr.shape[1]} at level ${pr.level}, ${pr.count} objects` : 'none';
    });
    await page.evaluate(() => window.sketchpose!.flush());
    rows.push(
      `| (${x}, ${y}): zoom, paint 2 strokes, predict the view | ${(await heap()).toFixed(1)} | ${rssMiB(child.pid!).toFixed(0)} | ${p} | ${((Date.now() - t) / 1000).toFixed(1)} |`,
    );
  }
  const tiles = await page.evaluate(() => window.sketchpose!.annotations().tiles().length);
  console.log(`painted tiles ${tiles}; total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
} finally {
  await browser.close();
  child.kill();
  rmSync(cacheDir, { recursive: true, force: true });
}
console.log('| step | browser JS heap (MiB) | server RSS (MiB) | prediction | seconds |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);
