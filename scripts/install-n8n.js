#!/usr/bin/env node
// Installs the real n8n host used by `npm run test:e2e` and `npm run demo` (cached per machine).
require('./lib/n8nHost').ensureHost();
