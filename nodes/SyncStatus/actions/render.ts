import type { LaneView, StatusModel } from './model';

/** Failed records listed per lane on the page (all of them are in the JSON). */
const FAILED_SHOWN = 50;

function escape(value: unknown): string {
	return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const number = (n: number) => n.toLocaleString('en-US');
const time = (ms: number | null) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '–');

/** Records per hour over the kept hours, as an inline SVG bar chart (no script, no font). */
export function hourlyChart(hourly: number[], now: number, label: string): string {
	const width = 600;
	const height = 120;
	const top = 14;
	const bottom = 18;
	const max = Math.max(1, ...hourly);
	const barWidth = width / hourly.length;
	const plot = height - top - bottom;
	const bars = hourly
		.map((n, i) => {
			if (!n) return '';
			const h = Math.max(1, (n / max) * plot);
			return `<rect x="${(i * barWidth).toFixed(1)}" y="${(top + plot - h).toFixed(1)}" width="${Math.max(1, barWidth - 1).toFixed(1)}" height="${h.toFixed(1)}"><title>${number(n)}</title></rect>`;
		})
		.join('');
	// A tick at each midnight UTC; the day labels are HTML under the chart, so the stretched SVG never squeezes them.
	const thisHour = Math.floor(now / 3600_000);
	const firstHour = thisHour - hourly.length + 1;
	const ticks: string[] = [];
	const days: string[] = [];
	for (let i = 0; i < hourly.length; i++) {
		const hour = firstHour + i;
		if (hour % 24 !== 0) continue;
		const x = (i * barWidth).toFixed(1);
		ticks.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${height - bottom}" class="tick"/>`);
		days.push(`<span style="left:${((i / hourly.length) * 100).toFixed(2)}%">${new Date(hour * 3600_000).toISOString().slice(5, 10)}</span>`);
	}
	return (
		`<div class="chartbox"><span class="max">max ${number(Math.max(...hourly))}/h</span>` +
		`<svg viewBox="0 0 ${width} ${height - bottom + 2}" role="img" aria-label="${escape(label)}" preserveAspectRatio="none" class="chart">` +
		`<line x1="0" x2="${width}" y1="${height - bottom}" y2="${height - bottom}" class="base"/>${ticks.join('')}` +
		`<g class="bars">${bars}</g></svg><div class="days">${days.join('')}</div></div>`
	);
}

function laneCard(lane: LaneView, now: number): string {
	const failedRows = lane.failed
		.slice(0, FAILED_SHOWN)
		.map(
			(f) =>
				`<tr><td>${escape(f.record)}</td><td>${escape(f.field)}</td><td>${escape(f.code)}</td><td class="msg">${escape(f.message)}</td><td>${time(f.firstSeen)}</td><td>${time(f.lastSeen)}</td><td>${f.tries}</td></tr>`,
		)
		.join('');
	const failedTable = lane.failed.length
		? `<details><summary>Failed records (${number(lane.failed.length)})</summary><div class="scroll"><table><thead><tr><th>Record</th><th>Field</th><th>Code</th><th>Message</th><th>First seen</th><th>Last seen</th><th>Tries</th></tr></thead><tbody>${failedRows}</tbody></table></div></details>`
		: '';
	const resyncs = lane.resyncsDone.length
		? `<p class="note">Resyncs: ${lane.resyncsDone.map((r) => `${escape(r.trigger)} ${time(r.doneAt)} (${escape(r.reason)})`).join('; ')}</p>`
		: '';
	return `<section class="lane state-${lane.state.replace(/ /g, '-')}" data-lane="${lane.lane}">
<h2>${escape(lane.title)}</h2>
<p class="state"><span class="badge">${escape(lane.state)}</span> ${escape(lane.stateText)}</p>
<dl>
<div><dt>Synced, last hour</dt><dd data-k="lastHour">${number(lane.syncedLastHour)}</dd></div>
<div><dt>Synced, last 24 h</dt><dd data-k="lastDay">${number(lane.syncedLastDay)}</dd></div>
<div><dt>Failed now</dt><dd data-k="failedNow">${number(lane.failedNow)}</dd></div>
<div><dt>Backlog</dt><dd data-k="backlog">${lane.backlog ? 'more to read' : 'none'}</dd></div>
</dl>
${hourlyChart(lane.hourly, now, `${lane.title}: records per hour, last 5 days`)}
<p class="note">Records per hour, last 5 days (UTC). ${lane.recovered ? `${number(lane.recovered)} unfinished run(s) read again by the triggers. ` : ''}${lane.problem ? escape(lane.problem) : ''}</p>
${resyncs}${failedTable}
</section>`;
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1d1d1f;--bg:#f5f5f7;--card:#fff;--muted:#6e6e73;--bar:#2f6fde;--line:#d2d2d7}
@media (prefers-color-scheme:dark){:root{--fg:#f5f5f7;--bg:#111;--card:#1c1c1e;--muted:#a1a1a6;--bar:#5e9bff;--line:#3a3a3c}}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:960px;margin:0 auto;padding:16px}h1{font-size:1.3rem;margin:4px 0 2px}h2{font-size:1.05rem;margin:0 0 6px}
.sub{color:var(--muted);margin:0 0 14px}.lane{background:var(--card);border-radius:12px;padding:14px;margin:0 0 14px;border-left:6px solid #34a853}
.state-failed{border-left-color:#d93025}.state-waiting-for-quota{border-left-color:#f9ab00}.state-in-progress,.state-resync{border-left-color:#2f6fde}.state-not-started{border-left-color:var(--line)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;background:var(--bg);font-weight:600;font-size:.85rem;text-transform:uppercase;letter-spacing:.02em}
dl{display:grid;grid-template-columns:repeat(4,1fr);gap:8px;margin:10px 0}dl div{background:var(--bg);border-radius:8px;padding:6px 8px}
dt{color:var(--muted);font-size:.8rem}dd{margin:0;font-size:1.25rem;font-weight:600}
@media (max-width:560px){dl{grid-template-columns:repeat(2,1fr)}}
.chartbox{position:relative;margin-top:8px}.chart{width:100%;height:104px;display:block}.bars rect{fill:var(--bar)}.base,.tick{stroke:var(--line);stroke-width:1;vector-effect:non-scaling-stroke}
.max{position:absolute;right:0;top:-4px;color:var(--muted);font-size:.75rem}.days{position:relative;height:16px;overflow:hidden;color:var(--muted);font-size:.72rem}.days span{position:absolute;transform:translateX(-50%);white-space:nowrap}
.note{color:var(--muted);font-size:.85rem;margin:6px 0}.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{text-align:left;padding:4px 6px;border-bottom:1px solid var(--line);vertical-align:top}td.msg{min-width:220px}
summary{cursor:pointer;font-weight:600;margin-top:6px}form{margin:0 0 14px}button{font:inherit;padding:8px 14px;border-radius:8px;border:1px solid var(--line);background:var(--card);color:var(--fg)}
`;

/** The whole page: readable on a phone, no external script, style sheet or font. */
export function renderPage(model: StatusModel, opts: { replayAction?: string; replayed?: number } = {}): string {
	const replay =
		model.failedNow && opts.replayAction !== undefined
			? `<form method="post" action="${escape(opts.replayAction)}"><button type="submit">Replay failed records</button> <span class="note">after fixing the cause: the triggers read those records again on their next poll</span></form>`
			: '';
	const replayed = opts.replayed !== undefined ? `<p class="note">Replay asked: ${opts.replayed} trigger(s) read their failed records again on the next poll.</p>` : '';
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Marketo ⇄ Dynamics 365 sync status</title><style>${STYLE}</style></head><body><main>
<h1>Marketo ⇄ Dynamics 365 sync status</h1><p class="sub">As of ${time(model.generatedAt)} · failed records now: <strong data-k="failedTotal">${number(model.failedNow)}</strong></p>
${replayed}${replay}${model.lanes.map((lane) => laneCard(lane, model.generatedAt)).join('\n')}
</main></body></html>`;
}
