#!/usr/bin/env node
// Compiles the plugin (server and admin) and the playground app, which Strapi loads as JavaScript.
'use strict';

const { execFileSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc');

function compile(project) {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, project)], { stdio: 'inherit', cwd: root });
}

compile('tsconfig.json');
compile('admin/tsconfig.json');
compile('playground/tsconfig.json');
