// Stopping a detached child and everything it started (its process group): a polite signal first,
// SIGKILL after a grace period. Shared by the n8n host and the queue-mode services.
//
// Detached children live in their own process group, so a Ctrl-C in the terminal never reaches
// them, and they outlive a parent that dies. `trackProcessGroup` gives each one a reaper: a small
// process in the parent's own group, holding a pipe from the parent. When the parent is gone (Ctrl-C,
// kill, crash: the pipe closes) the reaper kills the child's group. A signal handler in the parent
// would not do: Jest runs tests with a copy of `process` whose listeners the real signals never
// reach. The reaper ignores Ctrl-C itself, so a parent that stops its children gracefully (the demo)
// still can.
const { spawn } = require('node:child_process');

const REAPER = `
const group = Number(process.argv[1]);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});
const reap = () => { try { process.kill(-group, 'SIGKILL'); } catch {} process.exit(0); };
process.stdin.on('end', reap);
process.stdin.on('error', reap);
process.stdin.resume();
`;

/** Makes a detached child's process group die with this process (see above). */
function trackProcessGroup(child) {
	if (!child || !child.pid) return child;
	const reaper = spawn(process.execPath, ['-e', REAPER, String(child.pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
	reaper.unref();
	reaper.stdin.unref?.();
	reaper.on('error', () => {});
	// A child that ends on its own needs no reaper: SIGKILL cannot be caught, so nothing is reaped.
	child.once('exit', () => reaper.kill('SIGKILL'));
	return child;
}

function stopProcessGroup(child, signal = 'SIGTERM', graceMs = 15_000) {
	if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const timer = setTimeout(() => {
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				// already gone
			}
			resolve();
		}, graceMs);
		child.once('exit', () => {
			clearTimeout(timer);
			resolve();
		});
		try {
			process.kill(-child.pid, signal);
		} catch {
			clearTimeout(timer);
			resolve();
		}
	});
}

module.exports = { stopProcessGroup, trackProcessGroup };
