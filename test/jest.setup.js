// n8n-core writes an encryption key under the user folder on first use: keep it out of $HOME.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
if (!process.env.N8N_USER_FOLDER) {
	process.env.N8N_USER_FOLDER = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-jest-'));
}
process.env.N8N_ENCRYPTION_KEY ??= 'jest-test-encryption-key';
