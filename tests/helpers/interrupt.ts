// A `studio` command run as a terminal runs it (its own process group, which Ctrl-C signals
// whole), sent one Ctrl-C once its stderr matches `when` (a second one quits at once).
import { spawn } from 'node:child_process';

export interface Interrupted {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export async function interruptedStudio(args: string[], when: RegExp): Promise<Interrupted> {
  const child = spawn(process.execPath, ['bin/studio.mjs', ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (!sent && when.test(stderr)) {
      sent = true;
      process.kill(-child.pid!, 'SIGINT');
    }
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  if (!sent) throw new Error(`studio ${args[0]} ended before its output matched ${when}: ${stderr}`);
  return { code, signal, stdout, stderr };
}
