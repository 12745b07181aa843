import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

// n8n's community-node rules for everything that ships (nodes/, credentials/, package.json).
// Simulators, tests and scripts never ship: the node-only rules (NodeApiError, usableAsTool,
// hard-coded secrets, which test fixtures need) are off there; the TypeScript rules stay.
export default [
	{ ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.test-results/**'] },
	...configWithoutCloudSupport,
	{
		files: ['simulators/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
		rules: {
			'@n8n/community-nodes/require-node-api-error': 'off',
			'@n8n/community-nodes/no-hardcoded-secrets': 'off',
			'@n8n/community-nodes/node-usable-as-tool': 'off',
			'@n8n/community-nodes/require-node-description-fields': 'off',
			'@n8n/community-nodes/icon-validation': 'off',
			'@n8n/community-nodes/missing-paired-item': 'off',
			// Tooling starts processes (n8n, npm, Chromium); nothing here ships.
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			'@typescript-eslint/no-explicit-any': 'off',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
		},
	},
];
