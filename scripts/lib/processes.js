// Stopping a detached child and everything it started (its process group): a polite signal first,
// SIGKILL after a grace period. Shared by the n8n host and the queue-mode services.
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

module.exports = { stopProcessGroup };
