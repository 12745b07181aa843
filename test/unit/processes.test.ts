import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A Ctrl-C during `npm test` must not leave a detached n8n (or Redis, Postgres) running: the test
 * process kills the process groups it started. Real processes: a parent that starts a detached
 * `sleep` the way scripts/lib/n8nHost.js starts n8n, then gets SIGINT.
 */
const processes = join(__dirname, '..', '..', 'scripts', 'lib', 'processes.js');

function alive(pid: number): boolean {
	const stat = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
	return stat !== '' && !stat.startsWith('Z');
}

async function childAfterSigint(track: boolean): Promise<number> {
	const dir = mkdtempSync(join(tmpdir(), 'processes-'));
	const script = join(dir, 'parent.js');
	writeFileSync(
		script,
		`const { spawn } = require('node:child_process');
const { trackProcessGroup } = require(${JSON.stringify(processes)});
const child = spawn('sleep', ['120'], { detached: true, stdio: 'ignore' });
${track ? 'trackProcessGroup(child);' : ''}
process.stdout.write(String(child.pid) + '\\n');
setInterval(() => {}, 1000);
`,
	);
	const parent = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
	const pid = await new Promise<number>((resolve) => parent.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
	const exited = new Promise((resolve) => parent.once('exit', resolve));
	parent.kill('SIGINT');
	await exited;
	await new Promise((r) => setTimeout(r, 300));
	return pid;
}

describe('detached children die with the test run', () => {
	it('a tracked process group is killed when the parent gets SIGINT', async () => {
		const pid = await childAfterSigint(true);
		expect(alive(pid)).toBe(false);
	});

	it('an untracked one would survive (what happened before)', async () => {
		const pid = await childAfterSigint(false);
		try {
			expect(alive(pid)).toBe(true);
		} finally {
			process.kill(pid, 'SIGKILL');
		}
	});
});
