#!/usr/bin/env node
// The `lookout` command as installed: runs the single-file bundle that scripts/bundle.mjs writes
// beside this file, through V8's code cache.
//
// Node 20 has no module compile cache, and compiling the ~5 MB bundle costs more CPU than anything
// else at startup. So the bundle is compiled as a vm.Script with the V8 code cache kept in
// `<bundle>.cache` next to it. The cache comes from `npm run build` (which starts the server once
// to fill it). When it is missing, or V8 rejects it (another Node or V8 version, or other V8 flags
// such as --max-old-space-size), the program runs uncached and writes a fresh cache when it
// exits; a package folder that is not writable only means no cache. The bundle's name holds a hash
// of its content, so a cache never meets a bundle it was not made from.
//
// Node applies source maps (`--enable-source-maps`) only to modules it loads itself, so with them
// on the bundle is simply required: mapped stack traces, no code cache.
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const vm = require('node:vm');

const file = join(__dirname, '__BUNDLE__');
if (process.sourceMapsEnabled) {
  require(file);
  return;
}
const cacheFile = `${file}.cache`;
// scripts/bundle.mjs writes the bundle in pure ASCII: latin1 is the fast exact decoding.
const source = readFileSync(file, 'latin1');
let cached;
try {
  cached = readFileSync(cacheFile);
} catch {
  cached = undefined;
}
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData: cached });
if (cached === undefined || script.cachedDataRejected) {
  process.once('exit', () => {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    } catch {
      // Read-only install: run without a cache.
    }
  });
}
const bundle = new Module(file, module);
bundle.filename = file;
bundle.paths = Module._nodeModulePaths(__dirname);
script.runInThisContext().call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, __dirname);
