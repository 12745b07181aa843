/** Unit tests: pure logic plus the simulators on loopback. Integration: nodes in the real n8n engine. */
// isolatedModules (transpile only, no type-check per file) comes from tsconfig.jest.json: ts-jest 29.4 deprecates the option.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.jest.json' }];
const common = {
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': tsJest },
	setupFiles: ['<rootDir>/test/jest.setup.js'],
	moduleFileExtensions: ['ts', 'js', 'json'],
};
module.exports = {
	projects: [
		{ ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
		{ ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
		// Real n8n 2.41.1 with the packed package; installs the host on first use (minutes).
		{ ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts'], setupFilesAfterEnv: ['<rootDir>/test/e2e/timeout.setup.js'] },
	],
};
