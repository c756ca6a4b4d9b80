#!/usr/bin/env node
// Builds the plugin, runs Jest in one process (every test file boots its own Strapi and Dovecot),
// and ends with a plain "N passed, N failed, N skipped" line. Extra arguments go to Jest.
'use strict';

const { spawnSync, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
execFileSync(process.execPath, [path.join(__dirname, 'build.js')], { stdio: 'inherit', cwd: root });

const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inbox-jest-'));
const resultsFile = path.join(resultsDir, 'results.json');
const jestBin = require.resolve('jest/bin/jest');
const run = spawnSync(process.execPath, [jestBin, '--runInBand', '--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});

if (fs.existsSync(resultsFile)) {
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  const skipped = results.numPendingTests + results.numTodoTests;
  process.stdout.write(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
}

fs.rmSync(resultsDir, { recursive: true, force: true });

process.exit(run.status ?? 1);
