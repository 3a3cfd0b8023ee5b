/**
 * `pdftoppm` (Debian's poppler-utils), the PDF renderer the tickets tests
 * use to turn a receipt's pages into images, installed on first use.
 */
import { aptGetInstall } from './apt.js';
import { StackError } from './errors.js';
import { commandExists } from './commands.js';
import { type Logger } from './logging.js';

export async function ensurePdftoppmInstalled(options: { log?: Logger } = {}): Promise<string> {
  if (commandExists('pdftoppm')) return 'pdftoppm';
  await aptGetInstall(['poppler-utils'], 'poppler-utils (pdftoppm)', options);
  if (!commandExists('pdftoppm')) throw new StackError('apt-get installed poppler-utils but no pdftoppm appeared on PATH.');
  return 'pdftoppm';
}
