#!/usr/bin/env bash
# System packages the tests need and npm cannot provide: Debian's chromium (the browser for the
# e2e tests, and the SwiftShader Vulkan driver Dawn uses in Node), libvulkan1 (Vulkan loader) and
# python3-torch (the training recipe's PyTorch tests run its exported Python with /usr/bin/python3).
# Installs them with apt when missing and we are root; otherwise says what to run.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -e /usr/lib/chromium/vk_swiftshader_icd.json ] || missing+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 ' || [ -e /usr/lib/chromium/libvulkan.so.1 ] || missing+=(libvulkan1)
/usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || missing+=(python3-torch)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" = 0 ]; then
  echo "installing system packages: $pkgs"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq $pkgs libvulkan1 >/dev/null
else
  echo "missing system packages: $pkgs; run: sudo apt-get install -y $pkgs libvulkan1" >&2
  exit 1
fi
