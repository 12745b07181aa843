/** The status page's content from the triggers' statuses (nodes/SyncStatus/actions/model.ts, render.ts). */
import type { TriggerStatus } from '../../nodes/journal/status';
import { statusModel } from '../../nodes/SyncStatus/actions/model';
import { hourlyChart, renderPage } from '../../nodes/SyncStatus/actions/render';

const HOUR = 3600_000;
const NOW = Date.UTC(2026, 11, 1, 9, 30);
const hourOf = (ms: number) => String(Math.floor(ms / HOUR));

function trigger(over: Partial<TriggerStatus>): TriggerStatus {
	return {
		trigger: 'Dynamics: leads',
		lane: 'dynamicsToMarketoPersons',
		lastSyncedAt: null,
		lastEmittedAt: null,
		running: 0,
		lastRunFailed: 0,
		failedByHour: {},
		syncedByHour: {},
		backlog: false,
		waitingForQuotaUntil: null,
		resync: null,
		resyncsDone: [],
		lastProblem: null,
		recovered: 0,
		workflowId: 'wf',
		workflowName: 'sync',
		failed: {},
		failedUncounted: 0,
		replayFrom: null,
		updatedAt: NOW,
		...over,
	};
}

describe('status model', () => {
	test('counts per lane: last hour, last 24 h, and a 120-hour chart ending with this hour', () => {
		const model = statusModel(
			[
				trigger({ syncedByHour: { [hourOf(NOW)]: 7, [hourOf(NOW - 5 * HOUR)]: 11, [hourOf(NOW - 30 * HOUR)]: 13 }, lastSyncedAt: NOW - 60_000 }),
				trigger({ trigger: 'Dynamics: contacts', syncedByHour: { [hourOf(NOW)]: 3 } }),
			],
			NOW,
		);
		const lane = model.lanes.find((l) => l.lane === 'dynamicsToMarketoPersons')!;
		expect(lane.syncedLastHour).toBe(10);
		expect(lane.syncedLastDay).toBe(21);
		expect(lane.hourly).toHaveLength(120);
		expect(lane.hourly[119]).toBe(10);
		expect(lane.hourly[114]).toBe(11);
		expect(lane.hourly[89]).toBe(13);
		expect(lane.state).toBe('synced');
		expect(model.lanes.find((l) => l.lane === 'oneWayRecords')!.state).toBe('not started');
	});

	test('state: waiting for quota before failed before in progress', () => {
		const failed = { r1: { record: 'r1', field: 'lastname', code: '0x1', message: 'too long', firstSeen: NOW, lastSeen: NOW, tries: 2 } };
		const quota = statusModel([trigger({ failed, waitingForQuotaUntil: NOW + HOUR, running: 1 })], NOW).lanes[0];
		expect(quota.state).toBe('waiting for quota');
		expect(quota.failedNow).toBe(1);
		expect(statusModel([trigger({ failed, running: 1 })], NOW).lanes[0].state).toBe('failed');
		expect(statusModel([trigger({ running: 1 })], NOW).lanes[0].state).toBe('in progress');
		expect(statusModel([trigger({ backlog: true, lastSyncedAt: NOW })], NOW).lanes[0].state).toBe('in progress');
		// Queue mode: only a count is known.
		expect(statusModel([trigger({ failedUncounted: 4 })], NOW).lanes[0].failedNow).toBe(4);
	});

	test('the page escapes what records carry and loads nothing from elsewhere', () => {
		const failed = { '<x>': { record: '<x>', field: 'f', code: 'c', message: '<script>alert(1)</script>', firstSeen: NOW, lastSeen: NOW, tries: 1 } };
		const html = renderPage(statusModel([trigger({ failed })], NOW), { replayAction: '' });
		expect(html).not.toContain('<script>');
		expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		expect(html).not.toMatch(/(src|href)=["']?https?:/);
		expect(html).toContain('Replay failed records');
	});

	test('chart: one bar per hour with records, titled with its count, a tick at each midnight', () => {
		const hourly = Array.from({ length: 120 }, (_, i) => (i === 119 ? 50 : i === 100 ? 25 : 0));
		const svg = hourlyChart(hourly, NOW, 'chart');
		expect(svg.match(/<rect/g)).toHaveLength(2);
		expect(svg).toContain('<title>50</title>');
		expect(svg.match(/class="tick"/g)).toHaveLength(5);
	});
});
