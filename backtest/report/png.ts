import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { renderAsync } from '@resvg/resvg-js';
import { renderEquitySvg, SVG_FONT_FAMILY } from './svg.js';
import type { BacktestReportInput } from './types.js';

const require = createRequire(import.meta.url);

/**
 * The TTF files handed to resvg. They come from the `dejavu-fonts-ttf` npm package rather than the system, so a
 * CI machine without fonts renders the same pixels as a desktop; resvg reads TTF/OTF only, which rules out the
 * woff2-only `@fontsource` packages.
 */
function bundledFonts(): string[] {
  const files: string[] = [];
  for (const name of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf']) {
    try {
      const path = require.resolve(`dejavu-fonts-ttf/ttf/${name}`);
      if (existsSync(path)) files.push(path);
    } catch {
      // Missing package: fall back to system fonts below rather than failing the whole report.
    }
  }
  return files;
}

let fontFiles: string[] | undefined;

/**
 * Rasterises {@link renderEquitySvg} to a PNG of `SVG_WIDTH` x `SVG_HEIGHT` (1200 x 675) pixels with resvg, a
 * native renderer shipped as prebuilt npm platform packages, so no browser is needed.
 *
 * Fonts are the bundled DejaVu Sans files; only when those are missing does it fall back to whatever fonts
 * the system has (text may then render in another face, or not at all on a machine with no fonts).
 */
export async function renderPng(input: BacktestReportInput): Promise<Buffer> {
  fontFiles ??= bundledFonts();
  const svg = renderEquitySvg(input);
  // renderAsync runs on the libuv pool, so a large report does not block the event loop while it draws.
  const image = await renderAsync(svg, {
    font: {
      fontFiles,
      loadSystemFonts: fontFiles.length === 0,
      defaultFontFamily: SVG_FONT_FAMILY,
      sansSerifFamily: SVG_FONT_FAMILY,
    },
    fitTo: { mode: 'original' },
    logLevel: 'off',
  });
  return image.asPng();
}
