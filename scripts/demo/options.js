'use strict';

const path = require('path');

const USAGE = `Usage: npm run demo -- [--once] [--seed PATH] [--port N]

  --once        Fetch once, print a one-line JSON summary as the last line of stdout, and exit.
  --seed PATH   Seed the support mailbox from a folder of .eml files or an mbox file
                instead of the built-in messages in scripts/demo/seed.
  --port N      HTTP port of the Strapi app (default 1337; ignored with --once).
  --help        Show this help.`;

/** Parses the demo's command-line options; throws an Error with the usage text on bad input. */
function parseOptions(argv) {
  const options = {
    once: false,
    seed: path.join(__dirname, 'seed'),
    port: 1337,
    help: false,
  };

  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];

    if (arg === '--once') {
      options.once = true;
    } else if (arg === '--help' || arg === '-h') {
      options.help = true;
    } else if (arg === '--seed' || arg === '--port') {
      const value = argv[index + 1];

      if (!value || value.startsWith('--')) {
        throw new Error(`Missing value for ${arg}.\n\n${USAGE}`);
      }

      index += 1;

      if (arg === '--seed') {
        options.seed = path.resolve(process.cwd(), value);
      } else {
        options.port = Number(value);

        if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) {
          throw new Error(`Invalid --port "${value}": expected a TCP port from 1 to 65535.`);
        }
      }
    } else {
      throw new Error(`Unknown option "${arg}".\n\n${USAGE}`);
    }
  }

  return options;
}

module.exports = { parseOptions, USAGE };
