// Environment Dawn (the npm `webgpu` package) needs on a machine without a GPU driver:
// the SwiftShader Vulkan ICD that Debian's chromium ships, and chromium's own libvulkan
// when the system has none. LD_LIBRARY_PATH is read by the dynamic loader at process start,
// so callers apply this before spawning the process that loads Dawn.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';

const CHROMIUM_LIB = '/usr/lib/chromium';
const SWIFTSHADER_ICD = `${CHROMIUM_LIB}/vk_swiftshader_icd.json`;
const SYSTEM_VULKAN = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1'];

/** Variables to add to the environment; empty when nothing needs changing. */
export function dawnEnv(env = process.env) {
  const out = {};
  if (!env.VK_ICD_FILENAMES && env.STUDIO_GPU_ICD !== 'system' && existsSync(SWIFTSHADER_ICD)) {
    out.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  const hasSystemVulkan = SYSTEM_VULKAN.some((p) => existsSync(p));
  const ld = env.LD_LIBRARY_PATH ?? '';
  if (!hasSystemVulkan && existsSync(`${CHROMIUM_LIB}/libvulkan.so.1`) && !ld.split(':').includes(CHROMIUM_LIB)) {
    out.LD_LIBRARY_PATH = ld ? `${ld}:${CHROMIUM_LIB}` : CHROMIUM_LIB;
  }
  // SwiftShader's WSI probing complains on every start without it.
  if (!env.XDG_RUNTIME_DIR) out.XDG_RUNTIME_DIR = tmpdir();
  return out;
}
