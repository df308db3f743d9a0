// Jest on Node 20 cannot require() ES modules, and NestJS 12 (with a few of its dependencies)
// ships only ESM. This transformer compiles our TypeScript, and any dependency file written as
// ESM, to CommonJS with swc; CommonJS dependencies pass through untouched. `import.meta.url`,
// which has no CommonJS form, becomes the file's URL first.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { createTransformer } = require('@swc/jest');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '.swcrc'), 'utf8'));
delete swcrc.$schema;
const inner = createTransformer({ ...swcrc, swcrc: false });
const IMPORT_META_URL = /\bimport\.meta\.url\b/g;
const ESM_SYNTAX = /^\s*(import[\s{*'"]|export[\s{*])/m;
// CommonJS files that call import() need it rewritten to require(): jest's CommonJS runtime cannot import().
const DYNAMIC_IMPORT = /\bimport\(/;
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

function isPassThrough(source, filename) {
  return filename.includes(NODE_MODULES) && !ESM_SYNTAX.test(source) && !DYNAMIC_IMPORT.test(source);
}

function rewrite(source, filename) {
  if (!filename.includes(NODE_MODULES)) return source;
  return source.replace(IMPORT_META_URL, '("file://" + __filename)');
}

module.exports = {
  canInstrument: false,
  getCacheKey(source, filename, options) {
    if (isPassThrough(source, filename)) return `esm-cjs-v4:pass:${filename}:${source.length}`;
    return `esm-cjs-v4:${inner.getCacheKey(rewrite(source, filename), filename, options)}`;
  },
  process(source, filename, options) {
    if (isPassThrough(source, filename)) return { code: source };
    return inner.process(rewrite(source, filename), filename, options);
  },
};
