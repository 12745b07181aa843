// Runs one benchmark scenario (bench/<name>.ts) in a child process of its own, output to a log file.
// Plain JS beside scripts/lib/n8nHost.js: the child-process helpers of the dev scripts live here, not in
// TypeScript that the community-node lint rules check.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const children = new Set();

/** Resolves with the exit code of `ts-node bench/<script>.ts`. */
function runBenchScript(script, env, logFile) {
	return new Promise((resolve) => {
		const out = fs.openSync(logFile, 'w');
		const child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', path.join(ROOT, 'bench', `${script}.ts`)], {
			cwd: ROOT,
			env: { ...process.env, ...env },
			stdio: ['ignore', out, out],
		});
		children.add(child);
		child.on('exit', (code) => {
			children.delete(child);
			fs.closeSync(out);
			resolve(code ?? 1);
		});
	});
}

/** Asks every running scenario to stop (each stops the n8n it started). */
function stopBenchScripts(signal = 'SIGTERM') {
	for (const child of children) child.kill(signal);
}

module.exports = { runBenchScript, stopBenchScripts };
