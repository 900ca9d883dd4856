/**
 * Page helpers of the viewer's browser tests: image pixel ↔ page coordinates through the app's own
 * deck viewport, real mouse strokes along image-pixel paths, and reading the annotation store.
 */
import type { Page } from 'playwright-core';

export async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => window.sketchpose || window.sketchposeError, undefined, {
    timeout: 30_000,
  });
  const err = await page.evaluate(() => window.sketchposeError);
  if (err) throw new Error(`the app failed to mount: ${err}`);
}

/** Sets the view: image pixel (x, y) at the centre, `zoom` (0 = 1 screen px per image px). */
export async function setView(page: Page, x: number, y: number, zoom: number): Promise<void> {
  await page.evaluate(
    ([x, y, zoom]) => {
      window.sketchpose!.deck.setProps({
        initialViewState: { target: [x!, y!, 0], zoom: zoom!, minZoom: -8, maxZoom: 6 },
      });
    },
    [x, y, zoom],
  );
  await frames(page, 3);
}

export async function frames(page: Page, n = 2): Promise<void> {
  await page.evaluate(async (n) => {
    for (let i = 0; i < n; i++) await new Promise((r) => requestAnimationFrame(() => r(null)));
  }, n);
}

/** Page coordinates of image pixel positions (x = col, y = row; pixel centres are +0.5). */
export async function toPage(page: Page, points: [number, number][]): Promise<[number, number][]> {
  return page.evaluate((points) => {
    const h = window.sketchpose!;
    const vp = h.deck.getViewports()[0]!;
    const rect = (h.deck.getCanvas() as HTMLCanvasElement).getBoundingClientRect();
    return points.map(([x, y]) => {
      const [sx, sy] = vp.project([x, y]) as [number, number];
      return [rect.left + sx, rect.top + sy] as [number, number];
    });
  }, points);
}

/**
 * Like {@link toPage} for many points: projects two reference points in the page and maps the rest
 * in Node (an orthographic view is an axis-aligned affine map).
 */
export async function toPageLinear(page: Page, points: [number, number][]): Promise<[number, number][]> {
  const [a, b] = await toPage(page, [
    [0, 0],
    [1000, 1000],
  ]);
  const sx = (b![0] - a![0]) / 1000;
  const sy = (b![1] - a![1]) / 1000;
  return points.map(([x, y]) => [a![0] + x * sx, a![1] + y * sy]);
}

/** A real mouse drag along image-pixel points. */
export async function stroke(page: Page, points: [number, number][], stepsBetween = 4): Promise<void> {
  const p = await toPage(page, points);
  await page.mouse.move(p[0]![0], p[0]![1]);
  await page.mouse.down();
  for (let i = 1; i < p.length; i++) await page.mouse.move(p[i]![0], p[i]![1], { steps: stepsBetween });
  await page.mouse.up();
}

export async function codeAt(page: Page, row: number, col: number): Promise<number> {
  return page.evaluate(([r, c]) => window.sketchpose!.annotations().get(r!, c!), [row, col]);
}

/** Codes of a window of the annotation store, row-major. */
export async function codesWindow(
  page: Page,
  row0: number,
  col0: number,
  rows: number,
  cols: number,
): Promise<number[]> {
  return page.evaluate(
    ([r, c, h, w]) => Array.from(window.sketchpose!.annotations().readWindow(r!, c!, h!, w!).data),
    [row0, col0, rows, cols],
  );
}

export function circle(cx: number, cy: number, r: number, n = 36): [number, number][] {
  return Array.from({ length: n + 1 }, (_, k) => {
    const a = (2 * Math.PI * k) / n;
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)] as [number, number];
  });
}
