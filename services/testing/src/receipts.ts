/** What a rendered PDF shows: its QR codes, read the way a phone camera at the door reads them, and its text. */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { ensurePdftoppmInstalled } from '../../../scripts/local-stack/poppler.js';

// jsqr is CommonJS typed as an ES default export; under NodeNext the callable is its `default`.
const jsQR = jsQRModule.default;

/**
 * Renders every page of `pdf` to an image with poppler's pdftoppm (a real
 * PDF renderer) and decodes the QR code on it with jsQR: what a phone
 * camera at the door would read. One entry per page; undefined where none decodes.
 */
export async function qrCodesOfPdf(pdf: Buffer): Promise<(string | undefined)[]> {
  const pdftoppm = await ensurePdftoppmInstalled();
  return withPdfFile(pdf, async (file, dir) => {
    await promisify(execFile)(pdftoppm, ['-r', '100', '-png', file, path.join(dir, 'page')]);
    const pages = (await readdir(dir)).filter((f) => f.endsWith('.png')).sort();
    return Promise.all(
      pages.map(async (page) => {
        const image = PNG.sync.read(await readFile(path.join(dir, page)));
        return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
      }),
    );
  });
}

/** The text of each page of `pdf`, as poppler's pdftotext extracts it (installed with pdftoppm). */
export async function pageTextsOfPdf(pdf: Buffer): Promise<string[]> {
  await ensurePdftoppmInstalled();
  return withPdfFile(pdf, async (file) => {
    const { stdout } = await promisify(execFile)('pdftotext', ['-layout', file, '-']);
    // Each page ends with a form feed.
    return stdout.split('\f').slice(0, -1);
  });
}

/** Runs `work` on `pdf` written to a file in a temporary folder of its own, removed afterwards. */
async function withPdfFile<T>(pdf: Buffer, work: (file: string, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'receipt-'));
  try {
    const file = path.join(dir, 'receipt.pdf');
    await writeFile(file, pdf);
    return await work(file, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
