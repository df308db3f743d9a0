#!/usr/bin/env node
// Runs a TypeScript entry point from source in a development checkout, compiling
// on the fly with swc (the same transform jest uses), so no build step is needed.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

function registerTs() {
  const swc = require('@swc/core');
  const options = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '.swcrc'), 'utf8'));
  delete options.$schema;
  require.extensions['.ts'] = (module, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const { code } = swc.transformSync(source, { ...options, filename, sourceMaps: 'inline' });
    module._compile(code, filename);
  };
  require('reflect-metadata');
}

module.exports = { registerTs };

if (require.main === module) {
  const entry = process.argv[2];
  if (!entry) {
    console.error('usage: run-ts.js <file.ts> [args...]');
    process.exit(2);
  }
  registerTs();
  process.argv.splice(1, 1);
  require(path.resolve(entry));
}
