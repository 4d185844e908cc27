// Headless Debian Chromium with WebGPU on SwiftShader, driven by playwright-core. Never downloads
// a browser: it uses the system chromium (apt-get install -y chromium).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function chromiumPath() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('no chromium found: apt-get install -y chromium (or set CHROMIUM_PATH)');
  return found;
}

/** Profiles a first removal could not finish: tried once more when the process exits. */
const leftProfiles = new Set();
process.on('exit', () => {
  for (const dir of leftProfiles) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // a folder in the system's temporary space; nothing to fail over
    }
  }
});

/** A persistent context (real IndexedDB/OPFS that survive reloads) in a fresh profile directory,
 * removed when the context closes: a profile is about 90 MB, and every run of the tests makes ten. */
export async function launchContext({ viewport = { width: 1280, height: 800 }, args = CHROMIUM_ARGS } = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'studio-chromium-'));
  // Chromium's helper processes may still write into the profile as the context closes (ENOTEMPTY):
  // try again a little later, and never fail a test run over a temporary folder.
  const removeProfile = (retry = true) => {
    try {
      rmSync(userDataDir, { recursive: true, force: true, maxRetries: 3 });
      leftProfiles.delete(userDataDir);
    } catch {
      leftProfiles.add(userDataDir);
      if (retry) setTimeout(() => removeProfile(false), 3000).unref();
    }
  };
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath(),
      headless: true,
      args,
      viewport,
    });
    context.on('close', () => removeProfile());
    return context;
  } catch (error) {
    removeProfile();
    throw error;
  }
}
