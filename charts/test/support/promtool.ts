/**
 * promtool, the rule checker and rule unit-test runner of Prometheus. It comes
 * with Debian's `prometheus` package: found on PATH, else installed with
 * apt-get when we are root (a fresh machine). The package starts a system
 * Prometheus on :9090; we only want the binary, so that service is stopped
 * and disabled right after the install.
 */
import { commandExists, lastLines, runCommand, type CommandResult } from '../../../scripts/local-stack/commands.js';
import { StackError } from '../../../scripts/local-stack/errors.js';

const installCommand = 'apt-get update && apt-get install -y --no-install-recommends prometheus';

function run(command: string, args: readonly string[]): Promise<CommandResult> {
  return runCommand(command, [...args], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Stops and disables the system Prometheus the package may have started (no systemd in containers: try both ways). */
async function stopSystemPrometheus(): Promise<void> {
  if (commandExists('systemctl')) await run('systemctl', ['disable', '--now', 'prometheus']);
  if (commandExists('invoke-rc.d')) await run('invoke-rc.d', ['prometheus', 'stop']);
  if (commandExists('update-rc.d')) await run('update-rc.d', ['prometheus', 'disable']);
}

/** Path (command name) of promtool, installing Debian's `prometheus` package when it is missing. */
export async function ensurePromtool(): Promise<string> {
  if (commandExists('promtool')) return 'promtool';
  if (process.getuid?.() !== 0) throw new StackError(`promtool is not installed. Install it with: sudo sh -c '${installCommand}'`);
  if (!commandExists('apt-get'))
    throw new StackError('promtool is not installed and this is not a Debian-like system (no apt-get); install Prometheus and put promtool on PATH.');
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'prometheus']]) {
    const result = await run('apt-get', args);
    if (result.code !== 0) throw new StackError(`Installing promtool failed (apt-get ${args.join(' ')} exited ${result.code}).`, lastLines(result.output, 15));
  }
  await stopSystemPrometheus();
  if (!commandExists('promtool')) throw new StackError('apt-get installed prometheus but promtool is not on PATH.');
  return 'promtool';
}
