// Replaces dist/vendor/*.js (tsc's thin re-exports) with self-contained esbuild bundles, so that
// what nodes import beyond n8n-workflow ships inside dist/ (no runtime `dependencies`).
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const vendorDir = path.join(root, 'vendor');
for (const file of fs.readdirSync(vendorDir).filter((f) => f.endsWith('.ts'))) {
	const out = path.join(root, 'dist', 'vendor', file.replace(/\.ts$/, '.js'));
	esbuild.buildSync({
		entryPoints: [path.join(vendorDir, file)],
		outfile: out,
		bundle: true,
		platform: 'node',
		target: 'node20',
		format: 'cjs',
		minify: true,
		legalComments: 'linked',
		logLevel: 'warning',
	});
	fs.rmSync(out.replace(/\.js$/, '.js.map'), { force: true });
	console.log(`bundled ${path.relative(root, out)} (${Math.round(fs.statSync(out).size / 1024)} KiB)`);
}
