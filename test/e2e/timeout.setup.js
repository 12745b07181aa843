// Real n8n starts and template runs take minutes. `testTimeout` is a global-only jest option (a
// project-level one is ignored with a warning), so the e2e project sets it here.
jest.setTimeout(600_000);
