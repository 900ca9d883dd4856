/**
 * A real JupyterLab (PyPI `jupyterlab`) started here on 127.0.0.1, driven by playwright-core in
 * Debian's Chromium: open a notebook, create the Sketchpose widget on a real image (the DSB2018
 * sample, read into numpy with zarr), paint cell and background strokes with the mouse in the
 * widget, then read `w.annotations` in the kernel and check the painted pixels; train two steps in
 * the widget's worker (wasm backend, whose binaries are inlined in the bundle) and read `w.masks`.
 *
 * Run by scripts/jupyter-tests.sh, which installs the built wheel into a fresh virtualenv offline
 * and sets SKETCHPOSE_JUPYTER_PYTHON to its interpreter (needs jupyterlab, zarr, sketchpose-web).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SketchposeHandle } from '../../src/plugin/mount.ts';
import { launchChromium } from '../browser/harness.ts';

const PYTHON = process.env.SKETCHPOSE_JUPYTER_PYTHON ? resolve(process.env.SKETCHPOSE_JUPYTER_PYTHON) : '';
const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE = 'dsb2018-0402a81e75262469.ome.zarr';

/** The notebook: one cell per step; results are printed as `RESULT {json}` lines. */
const CELLS = [
  // 0: the widget on a real image, as numpy
  `import json, numpy as np, zarr
from sketchpose_web import Sketchpose
image = np.asarray(zarr.open_group("${SAMPLE}", mode="r")["0"][:])
w = Sketchpose(image, name="dsb2018", height="520px",
               train_config={"backend": "wasm", "net": "small", "patch": 64, "batch": 2, "predictEvery": 0})
w`,
  // 1: read the annotations back at the points the test painted (points.json, image coordinates)
  `a = w.annotations
pts = json.load(open("points.json"))
print("RESULT " + json.dumps({"shape": list(a.shape), "dtype": str(a.dtype),
  "counts": np.bincount(a.ravel(), minlength=4).tolist(),
  "cell": [int(a[r, c]) for r, c in pts["cell"]], "background": [int(a[r, c]) for r, c in pts["background"]],
  "outside": [int(a[r, c]) for r, c in pts["outside"]], "events": [e.code for e in w.events],
  "view_state": w.view_state}))`,
  // 2: train two steps in the browser worker
  `train = w.train(steps=2)`,
  // 3: training status (re-run until done)
  `print("RESULT " + json.dumps({"status": w.status, "progress": {k: w.progress.get(k) for k in ("step", "steps", "loss")},
  "backend": w.backend, "error": w.error, "started": train.done() and train.result()[0]}))`,
  // 4: predict the whole image
  `pred = w.predict()`,
  // 5: masks (re-run until the prediction has arrived)
  `m = w.masks
print("RESULT " + json.dumps({"done": pred.done(), "error": str(pred.exception()) if pred.done() and pred.exception() else "",
  "result": pred.result()[0] if pred.done() and not pred.exception() else None,
  "masks": None if m is None else {"shape": list(m.shape), "dtype": str(m.dtype), "ids": int(len(np.unique(m[m > 0])))}}))`,
  // 6: the trained weights back to the kernel as files, then into the worker again
  `saved = w.save_model("model-out")`,
  // 7: (re-run until saved)
  `import os
print("RESULT " + json.dumps({"done": saved.done(), "error": str(saved.exception()) if saved.done() and saved.exception() else "",
  "files": sorted(os.listdir("model-out")) if os.path.isdir("model-out") else [],
  "bin": os.path.getsize("model-out/weights.bin") if os.path.exists("model-out/weights.bin") else 0}))`,
  // 8
  `loaded = w.load_model("model-out")`,
  // 9: (re-run until loaded)
  `print("RESULT " + json.dumps({"done": loaded.done(), "error": str(loaded.exception()) if loaded.done() and loaded.exception() else "",
  "result": loaded.result()[0] if loaded.done() and not loaded.exception() else None}))`,
  // 10: move the camera from Python
  `w.view_state = {"target": [100, 80], "zoom": 1.5}`,
];

function notebook(): string {
  return JSON.stringify({
    cells: CELLS.map((source) => ({
      cell_type: 'code',
      metadata: {},
      source,
      outputs: [],
      execution_count: null,
    })),
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      language_info: { name: 'python' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

describe('Sketchpose widget in a real JupyterLab', () => {
  let lab: ChildProcess | null = null;
  let labLog = '';
  let browser: Browser | null = null;
  let page: Page;
  let base = '';
  let dir = '';

  beforeAll(async () => {
    if (!PYTHON) throw new Error('set SKETCHPOSE_JUPYTER_PYTHON (scripts/jupyter-tests.sh does)');
    dir = mkdtempSync(join(tmpdir(), 'sketchpose-lab-'));
    cpSync(join(ROOT, 'examples', SAMPLE), join(dir, SAMPLE), { recursive: true });
    writeFileSync(join(dir, 'widget.ipynb'), notebook());
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env,
      JUPYTER_CONFIG_DIR: join(dir, '.jupyter-config'),
      JUPYTER_RUNTIME_DIR: join(dir, '.jupyter-runtime'),
      JUPYTERLAB_SETTINGS_DIR: join(dir, '.lab-settings'),
      JUPYTERLAB_WORKSPACES_DIR: join(dir, '.lab-workspaces'),
    };
    lab = spawn(
      PYTHON,
      [
        '-m',
        'jupyterlab',
        '--no-browser',
        '--allow-root', // CI runs as root
        '--ServerApp.ip=127.0.0.1',
        `--ServerApp.port=${port}`,
        '--ServerApp.port_retries=0',
        '--IdentityProvider.token=',
        '--ServerApp.password=',
        '--ServerApp.disable_check_xsrf=True',
        `--ServerApp.root_dir=${dir}`,
        '--LabApp.news_url=',
        '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
      ],
      { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    lab.stdout?.on('data', (d) => {
      labLog += String(d);
    });
    lab.stderr?.on('data', (d) => {
      labLog += String(d);
    });
    await waitFor(
      'JupyterLab to answer',
      async () => {
        if (lab?.exitCode !== null) throw new Error(`JupyterLab exited:\n${labLog.slice(-3000)}`);
        return (await fetch(`${base}/api/status`)).ok ? true : undefined;
      },
      90_000,
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (err) => {
      labLog += `\n[page error] ${err.message}`;
    });
  }, 180_000);

  afterAll(async () => {
    if (process.env.SKETCHPOSE_JUPYTER_LOG) console.log(labLog);
    await browser?.close();
    lab?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const shots = () => process.env.SKETCHPOSE_JUPYTER_SHOTS ?? dir;
  const cell = (i: number) => page.locator('.jp-Notebook .jp-Cell').nth(i);

  /** Runs cell `i` in place (Ctrl+Enter) and waits for its new `RESULT` line (or any output). */
  async function run(i: number, expectResult = true): Promise<Record<string, unknown>> {
    const c = cell(i);
    const before = (await c.locator('.jp-InputPrompt').textContent()) ?? '';
    await c.locator('.jp-InputPrompt').click(); // selects the cell (command mode)
    await page
      .locator('.jp-NotebookPanel-toolbar [data-command="notebook:run-cell-and-select-next"]')
      .click();
    await waitFor(
      `cell ${i} to run`,
      async () => {
        const prompt = (await c.locator('.jp-InputPrompt').textContent()) ?? '';
        return prompt !== before && !prompt.includes('*') ? true : undefined;
      },
      120_000,
    );
    if (!expectResult) return {};
    const text = (await c.locator('.jp-OutputArea-output').allTextContents()).join('\n');
    const line = text.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`cell ${i} printed no RESULT line:\n${text}`);
    return JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>;
  }

  it('paints with the mouse, the kernel reads the strokes; trains and reads masks', async () => {
    try {
      await scenario();
    } catch (err) {
      await page.screenshot({ path: join(shots(), 'failure.png') }).catch(() => {});
      throw err;
    }
  }, 600_000);

  async function scenario(): Promise<void> {
    await page.goto(`${base}/lab/tree/widget.ipynb`);
    await cell(0).waitFor({ timeout: 90_000 });
    // a cell run while the kernel is still starting can be dropped: wait for it to be idle
    await page
      .locator('.jp-StatusBar-TextItem', { hasText: /\| Idle/ })
      .first()
      .waitFor({ timeout: 90_000 });
    await run(0, false);
    const view = cell(0).locator('.sketchpose-view');
    await view.waitFor({ timeout: 60_000 });
    // the image is drawn once the kernel has served its chunks over the comm
    await cell(0).locator('.sketchpose-view canvas').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(1500);
    await view.screenshot({ path: join(shots(), 'before.png') });

    // image → screen through the app's own deck viewport (the handle the widget attaches to its element)
    const toScreenAll = (pts: [number, number][]) =>
      cell(0)
        .locator('.sketchpose-widget')
        .evaluate((el, points) => {
          const handle = (el as unknown as { sketchposeHandle: SketchposeHandle }).sketchposeHandle;
          const viewport = handle.deck.getViewports()[0]!;
          const canvas = el.querySelector('.sketchpose-view canvas')!.getBoundingClientRect();
          return points.map(([r, c]) => {
            const [x, y] = viewport.project([c + 0.5, r + 0.5]) as [number, number];
            return { x: canvas.left + x, y: canvas.top + y };
          });
        }, pts);
    const toScreen = async (r: number, c: number) => (await toScreenAll([[r, c]]))[0]!;
    const stroke = async (points: [number, number][]) => {
      const first = await toScreen(...points[0]!);
      await page.mouse.move(first.x, first.y);
      await page.mouse.down();
      for (const [r, c] of points.slice(1)) {
        const p = await toScreen(r, c);
        await page.mouse.move(p.x, p.y, { steps: 8 });
      }
      await page.mouse.up();
    };
    // cell tool (the default): a horizontal stroke along row 60 from col 60 to col 140
    await cell(0).locator('button[data-tool="cell"]').click();
    await stroke([
      [60, 60],
      [60, 140],
    ]);
    // background tool: a vertical stroke along col 250 from row 150 to row 230
    await cell(0).locator('button[data-tool="background"]').click();
    await stroke([
      [150, 250],
      [230, 250],
    ]);
    await page.waitForTimeout(1500); // autosave (300 ms quiet delay) + the comm round trip
    await view.screenshot({ path: join(shots(), 'painted.png') });
    await page.screenshot({ path: join(shots(), 'jupyterlab.png') });
    // zoom in with the wheel: the camera reaches the kernel as view_state
    const centre = (await view.boundingBox())!;
    await page.mouse.move(centre.x + centre.width / 2, centre.y + centre.height / 2);
    await page.mouse.wheel(0, -240);
    await page.waitForTimeout(1000);

    const points = {
      cell: [60, 80, 100, 120, 140].map((c) => [60, c]),
      background: [150, 170, 190, 210, 230].map((r) => [r, 250]),
      outside: [
        [20, 20],
        [200, 60],
        [60, 250],
      ],
    };
    writeFileSync(join(dir, 'points.json'), JSON.stringify(points));
    const got = await run(1);
    expect(got.shape).toEqual([260, 347]);
    expect(got.dtype).toBe('uint8');
    expect(got.cell).toEqual([2, 2, 2, 2, 2]);
    expect(got.background).toEqual([1, 1, 1, 1, 1]);
    expect(got.outside).toEqual([0, 0, 0]);
    const counts = got.counts as number[];
    // two strokes of radius 4 over ~80 px: each covers roughly 80 × 9 pixels
    expect(counts[2]).toBeGreaterThan(500);
    expect(counts[2]).toBeLessThan(1200);
    expect(counts[1]).toBeGreaterThan(500);
    expect(counts[1]).toBeLessThan(1200);
    expect(counts[3]).toBe(0);
    expect(got.events).toEqual([]);
    const camera = got.view_state as { target: number[]; zoom: number };
    expect(camera.target).toHaveLength(2);
    expect(camera.zoom).toBeGreaterThan(0); // the fitted view of a 347 px image in ~600 px is zoom ~0.7

    // train two steps in the worker, then predict the whole image
    await run(2, false);
    const trained = await waitFor(
      'training to finish',
      async () => {
        const s = await run(3);
        const progress = s.progress as { step: number | null };
        if (s.error) throw new Error(`training failed: ${String(s.error)}`);
        return s.status === 'idle' && progress.step === 2 ? s : undefined;
      },
      240_000,
    );
    expect(trained.backend).toBe('wasm');
    expect(trained.started).toEqual({ steps: 2 });
    expect(Number((trained.progress as { loss: number }).loss)).toBeGreaterThan(0);

    await run(4, false);
    const predicted = await waitFor(
      'the prediction',
      async () => {
        const s = await run(5);
        if (s.error) throw new Error(`predict failed: ${String(s.error)}`);
        return s.done ? s : undefined;
      },
      240_000,
    );
    const masks = predicted.masks as { shape: number[]; dtype: string; ids: number };
    expect(masks.shape).toEqual([260, 347]);
    expect(masks.dtype).toBe('uint32');
    expect(masks.ids).toBe((predicted.result as { count: number }).count);
    await view.screenshot({ path: join(shots(), 'predicted.png') });

    // weights: worker → kernel files → worker
    await run(6, false);
    const saved = await waitFor(
      'the weights',
      async () => {
        const s = await run(7);
        if (s.error) throw new Error(`save_model failed: ${String(s.error)}`);
        return s.done ? s : undefined;
      },
      120_000,
    );
    expect(saved.files).toEqual(['weights.bin', 'weights.json']);
    expect(Number(saved.bin)).toBeGreaterThan(10_000);
    await run(8, false);
    const loaded = await waitFor(
      'the weights to load',
      async () => {
        const s = await run(9);
        if (s.error) throw new Error(`load_model failed: ${String(s.error)}`);
        return s.done ? s : undefined;
      },
      120_000,
    );
    expect((loaded.result as { message: string }).message).toContain(
      'initialised from weights.json + weights.bin',
    );

    // and the camera from the kernel
    await run(10, false);
    const camera2 = await waitFor(
      'the camera to follow view_state',
      async () => {
        const vs = await cell(0)
          .locator('.sketchpose-widget')
          .evaluate((el) => {
            const vp = (
              el as unknown as { sketchposeHandle: SketchposeHandle }
            ).sketchposeHandle.deck.getViewports()[0]!;
            return {
              zoom: (vp as unknown as { zoom: number }).zoom,
              centre: vp.unproject([vp.width / 2, vp.height / 2]),
            };
          });
        return Math.abs(vs.zoom - 1.5) < 1e-6 ? vs : undefined;
      },
      20_000,
    );
    expect(camera2.centre[0]).toBeCloseTo(100, 0);
    expect(camera2.centre[1]).toBeCloseTo(80, 0);
  }
});
