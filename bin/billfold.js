#!/usr/bin/env node
'use strict';
// In a development checkout (sources present, dev dependencies installed) the CLI runs
// from source; in a production image it runs the compiled dist/.
const path = require('node:path');
const fs = require('node:fs');
const root = path.join(__dirname, '..');
const source = path.join(root, 'src', 'cli', 'main.ts');
let useSource = false;
if (fs.existsSync(source)) {
  try { require.resolve('@swc/core'); useSource = true; } catch { useSource = false; }
}
if (useSource) {
  require(path.join(root, 'scripts', 'run-ts.js')).registerTs();
  require(source);
} else {
  require('reflect-metadata');
  require(path.join(root, 'dist', 'cli', 'main.js'));
}
