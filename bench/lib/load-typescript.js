'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node without a build */
// A require hook so the benches can load the TypeScript libraries straight from libs/: .ts files
// are transpiled in memory with typescript's transpileModule (CommonJS, ES2022, no type check),
// and the tsconfig.json path aliases (@driftwatch/core, @driftwatch/policies/schema/*.json, ...)
// resolve to their folders. Install it before the first require of an alias:
//
//   require('./lib/load-typescript').register();
//   const { compilePolicy } = require('@driftwatch/policy-engine');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '../..');

let registered = false;

/** tsconfig's `paths`, as [prefix, target folder, whether the alias ends in /*] entries. */
function readAliases() {
  const { config, error } = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { baseUrl = '.', paths = {} } = config.compilerOptions ?? {};
  return Object.entries(paths).map(([alias, [target]]) => {
    const wildcard = alias.endsWith('/*');
    return {
      prefix: wildcard ? alias.slice(0, -1) : alias,
      wildcard,
      target: path.resolve(ROOT, baseUrl, wildcard ? target.slice(0, -1) : target),
    };
  });
}

/** Maps `@driftwatch/...` to a path under the repository; anything else is left to node. */
function aliasTarget(aliases, request) {
  if (!request.startsWith('@driftwatch/')) return undefined;
  for (const alias of aliases) {
    if (alias.wildcard && request.startsWith(alias.prefix)) {
      return path.join(alias.target, request.slice(alias.prefix.length));
    }
    if (!alias.wildcard && request === alias.prefix) return alias.target;
  }
  return undefined;
}

function register() {
  if (registered) return;
  registered = true;
  const aliases = readAliases();
  const compilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    resolveJsonModule: true,
    inlineSourceMap: true,
    inlineSources: false,
  };

  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function resolveWithAliases(request, parent, ...rest) {
    const target = aliasTarget(aliases, request);
    return resolveFilename.call(this, target ?? request, parent, ...rest);
  };

  // Node tries registered extensions in order, so "./order" finds order.ts and a folder its index.ts.
  require.extensions['.ts'] = (module, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
    module._compile(outputText, filename);
  };
}

module.exports = { register, ROOT };
