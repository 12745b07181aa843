#!/usr/bin/env node
// Writes templates/marketo-dynamics-sync.json: the whole two-way sync of seed 004 as one workflow.
// Node types use the published package prefix (never CUSTOM.); credentials are referenced by type
// with placeholder ids, so n8n asks for them on import.
const fs = require('node:fs');
const path = require('node:path');

const PKG = 'n8n-nodes-marketo-dynamics-sync';
// How n8n 2.41's editor treats these on Import from File: a stanza whose id is unknown is dropped and
// the node gets the newest credential its type lists — one credential per node, whatever the type.
// That serves the one-credential triggers (DYN, MKT). Nodes needing both (BOTH) use a null id with the
// name n8n proposes for a new credential ("<type name without API> account"): such a stanza is kept and
// matched by name, and a credential picked for it on one node replaces it on every node.
const DYN = { microsoftDynamicsApi: { id: 'REPLACE_DYNAMICS_CREDENTIAL', name: 'Microsoft Dynamics 365 account' } };
const MKT = { marketoApi: { id: 'REPLACE_MARKETO_CREDENTIAL', name: 'Marketo account' } };
const BOTH = {
	microsoftDynamicsApi: { id: null, name: DYN.microsoftDynamicsApi.name },
	marketoApi: { id: null, name: MKT.marketoApi.name },
};
const WORKFLOW_ID = 'mktoDynSyncTmpl01';
const ALERT_WORKFLOW_ID = 'mktoDynSyncAlert1';
const STATUS_WORKFLOW_ID = 'mktoDynSyncStatus';
const STATUS_PATH = 'marketo-dynamics-sync-status';

let counter = 0;
const uuid = () => `5b1e0c2a-7d3f-4a9e-9c1b-${String(++counter).padStart(12, '0')}`;

const nodes = [];
const connections = {};
function node(name, type, position, parameters = {}, extra = {}) {
	nodes.push({ id: uuid(), name, type, typeVersion: 1, position, parameters, ...extra });
	return name;
}
function connect(from, to, output = 0) {
	connections[from] ??= { main: [] };
	while (connections[from].main.length <= output) connections[from].main.push([]);
	connections[from].main[output].push({ node: to, type: 'main', index: 0 });
}
function sticky(name, position, width, height, content, color = 7) {
	nodes.push({
		id: uuid(),
		name,
		type: 'n8n-nodes-base.stickyNote',
		typeVersion: 1,
		position,
		parameters: { content, width, height, color },
	});
}
const isOperation = (name, position, operation) =>
	node(name, 'n8n-nodes-base.if', position, {
		conditions: {
			options: { caseSensitive: true, leftValue: '', typeValidation: 'loose' },
			conditions: [
				{ id: uuid(), leftValue: '={{ $json.operation }}', rightValue: operation, operator: { type: 'string', operation: 'equals' } },
			],
			combinator: 'and',
		},
		options: {},
	}, { typeVersion: 2 });
// Each node's error output carries the failed input item's fields before `error` and `details`
// (n8n merges the paired input in): the list keeps only those two, small and first.
const failures = (name, position) => node(name, 'n8n-nodes-base.set', position, {
	assignments: {
		assignments: [
			{ id: uuid(), name: 'error', type: 'string', value: '={{ $json.error }}' },
			{ id: uuid(), name: 'details', type: 'object', value: '={{ $json.details ?? {} }}' },
		],
	},
	includeOtherFields: false,
	options: {},
}, { typeVersion: 3.4 });

// ── Lane 1: Dynamics leads and contacts → Marketo ──────────────────────────────────────────────
sticky('Note: Dynamics to Marketo', [-60, -80], 1400, 560,
	'## 1. Dynamics 365 → Marketo: leads and contacts\n' +
	'Each minute the triggers fetch what changed in Dynamics (change tracking; the first run copies the whole table, a few thousand rows per run). ' +
	'Rows with **Sync to Marketo = No** (`new_synctomkto`) are skipped; changes made by this sync\'s own Dynamics user are never echoed.\n\n' +
	'**Resolve Conflict** applies the native rule: a field changed on both sides since the last sync → Marketo wins for leads, Dynamics wins for contacts; fields changed on one side only are merged. ' +
	'Each person is then written to **Dynamics first**, then to **Marketo in one call** with its fields, link and sync state. A value either system rejects stays where its user put it: the sync state keeps its old base, ' +
	'so it is tried (and reported) again with the next change and never reverted. Deleted rows flag the Marketo person (**Microsoft is Deleted**), as the native sync does.', 5);
const dynLeads = node('Dynamics: leads', `${PKG}.dynamicsTrigger`, [0, 100], { table: 'lead' }, { credentials: DYN });
const dynContacts = node('Dynamics: contacts', `${PKG}.dynamicsTrigger`, [0, 300], { table: 'contact' }, { credentials: DYN });
const dynDeleted = isOperation('Deleted in Dynamics?', [260, 200], 'deleted');
connect(dynLeads, dynDeleted);
connect(dynContacts, dynDeleted);
const flagDeleted = node('Flag deleted persons in Marketo', `${PKG}.deletePerson`, [520, 60], { direction: 'dynamicsToMarketo' }, { credentials: BOTH, onError: 'continueErrorOutput' });
connect(dynDeleted, flagDeleted, 0);
const resolveFromDyn = node('Resolve Conflict (Dynamics change)', `${PKG}.resolveConflict`, [520, 300], {}, { credentials: BOTH, onError: 'continueErrorOutput' });
connect(dynDeleted, resolveFromDyn, 1);
// Per person: Dynamics first, then one Marketo write (fields + link + sync state) that stores the
// state only for the values Dynamics accepted. Upsert into Dynamics passes each item on, rejected ones
// too (they also go to its error output).
const upsertDyn1 = node('Write Marketo changes to Dynamics', `${PKG}.upsertPerson`, [780, 300], { target: 'dynamics' }, { credentials: BOTH, onError: 'continueErrorOutput' });
const upsertMkto1 = node('Upsert into Marketo', `${PKG}.upsertPerson`, [1020, 300], { target: 'marketo' }, { credentials: BOTH, onError: 'continueErrorOutput' });
connect(resolveFromDyn, upsertDyn1, 0);
connect(upsertDyn1, upsertMkto1, 0);

// ── Lane 2: Marketo persons → Dynamics (updates through Resolve Conflict, new persons through Sync Person) ──
// One Marketo Trigger for both: each trigger pages through every activity of the log (the initial
// copy's own New Lead activities too), so a second one would double that cost against the budget.
sticky('Note: Marketo to Dynamics', [-60, 520], 1400, 720,
	'## 2. Marketo → Dynamics 365: persons\n' +
	'Each minute the trigger reads Marketo\'s lead changes and new leads (paging tokens). Changes written through the API (this sync) are skipped.\n\n' +
	'Persons already linked to a Dynamics lead or contact go through **Resolve Conflict**, then **Dynamics first** and **one Marketo write** (the Dynamics changes Marketo lacks, the link and the sync state). A **new** Marketo person goes to **Sync Person to Microsoft**, the smart-campaign flow step: it creates the Dynamics **lead** (or contact) for a person that has none and does nothing when it exists. ' +
	'Turn on **Update If It Exists** for a force-sync, which the native product lacks; call it from your own workflows too, e.g. behind a webhook from a Marketo smart campaign.\n\n' +
	'Deletes in Marketo are **ignored** by default (native behaviour), so the trigger does not read them: to propagate them, add **Deleted Leads** to the trigger\'s events and switch **Delete Person** to "Delete in Dynamics 365".', 6);
// Deleted leads are left out: Marketo deletes are ignored by default (native behaviour), and that feed
// pages through the whole activity log each poll, a call per 300 activities, to find them.
const mktChanges = node('Marketo: person changes', `${PKG}.marketoTrigger`, [0, 820], { events: ['leadChanges', 'newLeads'] }, { credentials: MKT });
const mktDeleted = isOperation('Deleted in Marketo?', [220, 820], 'deleted');
connect(mktChanges, mktDeleted);
const ignoreDeletes = node('Marketo deletes (ignored by default)', `${PKG}.deletePerson`, [520, 700], { direction: 'marketoToDynamics' }, { credentials: BOTH, onError: 'continueErrorOutput' });
connect(mktDeleted, ignoreDeletes, 0);
const mktNew = isOperation('New in Marketo?', [440, 920], 'created');
connect(mktDeleted, mktNew, 1);
const syncPerson = node('Sync Person to Microsoft', `${PKG}.syncPerson`, [860, 1100], {}, { credentials: BOTH, onError: 'continueErrorOutput' });
connect(mktNew, syncPerson, 0);
const resolveFromMkto = node('Resolve Conflict (Marketo change)', `${PKG}.resolveConflict`, [640, 920], {}, { credentials: BOTH, onError: 'continueErrorOutput' });
connect(mktNew, resolveFromMkto, 1);
const upsertDyn2 = node('Upsert into Dynamics', `${PKG}.upsertPerson`, [860, 920], { target: 'dynamics' }, { credentials: BOTH, onError: 'continueErrorOutput' });
const upsertMkto2 = node('Write to Marketo with sync state', `${PKG}.upsertPerson`, [1080, 920], { target: 'marketo' }, { credentials: BOTH, onError: 'continueErrorOutput' });
connect(resolveFromMkto, upsertDyn2, 0);
connect(upsertDyn2, upsertMkto2, 0);

// ── Lane 3: one-way records → Marketo ──────────────────────────────────────────────────────────
sticky('Note: one-way records', [-60, 1280], 1400, 640,
	'## 3. Dynamics 365 → Marketo only: accounts, users, teams, opportunities, stakeholders, custom table\n' +
	'Accounts become companies, users and teams become sales persons, opportunities become opportunities with **opportunity roles** ' +
	'(the contact in Potential Customer, and each stakeholder connection), and the custom table becomes a custom object. ' +
	'**Sync Records to Marketo** puts sales persons before companies before opportunities before roles, and creates a missing company or sales person on the way, so the first full copy succeeds in one pass.\n\n' +
	'The custom-table trigger ships **disabled**: set its table and the custom object in **Sync Records** to yours (the sample uses `new_project` → `dynamicsProject_c`), then enable it.', 4);
const oneWay = [
	['Dynamics: users', 'systemuser'],
	['Dynamics: teams', 'team'],
	['Dynamics: accounts', 'account'],
	['Dynamics: opportunities', 'opportunity'],
	['Dynamics: stakeholders', 'connection'],
	['Dynamics: projects (custom table)', 'new_project'],
];
const syncRecords = node('Sync Records to Marketo', `${PKG}.syncRecords`, [620, 1640], {
	recordType: 'fromInput',
	table: 'new_project',
	customObject: 'dynamicsProject_c',
	keyField: 'externalProjectId',
}, { credentials: BOTH, onError: 'continueErrorOutput' });
oneWay.forEach(([name, table], i) => {
	// The sample custom table exists only in the demo's Dataverse: that trigger ships disabled, so
	// publishing works in any org; point it at your table and enable it.
	const extra = table === 'new_project' ? { disabled: true } : {};
	node(name, `${PKG}.dynamicsTrigger`, [(i % 2) * 260, 1480 + Math.floor(i / 2) * 160], { table }, { credentials: DYN, ...extra });
	connect(name, syncRecords);
});

// ── Failures ───────────────────────────────────────────────────────────────────────────────────
sticky('Note: failures', [1400, 640], 760, 520,
	'## Failures\n' +
	'Every write node sends records Marketo or Dynamics rejected (validation, required field, length, format) to its **error output**, with the record and the field in the message; ' +
	'person failures are also logged on the person\'s Marketo activity log ("Dynamics Sync Error"). The rest of the batch goes through.\n\n' +
	'Each run collects its failed records in **Failed records**, counts them in **Summarise failures**, and then **Fail the run**: that run is saved (successful runs are not, ' +
	'since every minute would fill the database) and the **error workflow** runs: *Marketo ⇄ Dynamics 365 sync: alerts* (file `marketo-dynamics-sync-alerts.json`; ' +
	'set it under Workflow settings → Error workflow if you imported through the editor). The cursors have already moved on: the next run carries on with new changes.\n\n' +
	'To replay a failed record, fix it at its source (or the mapping) and save it again: the next poll picks it up.', 3);
// v1 execution order runs a Merge that got data on only some inputs once nothing else is left to
// run, so each lane's failures arrive in Failed records as one list, once per run.
const collect = (name, position, writers) => {
	node(name, 'n8n-nodes-base.merge', position, { numberInputs: writers.length }, { typeVersion: 3.2 });
	writers.forEach((writer, input) => {
		connections[writer] ??= { main: [] };
		while (connections[writer].main.length <= 1) connections[writer].main.push([]);
		connections[writer].main[1].push({ node: name, type: 'main', index: input });
	});
	return name;
};
const failed = failures('Failed records', [1480, 1000]);
connect(collect('Lane 1 failures', [1220, 140], [flagDeleted, resolveFromDyn, upsertDyn1, upsertMkto1]), failed);
connect(collect('Lane 2 failures', [1240, 760], [ignoreDeletes, resolveFromMkto, upsertDyn2, upsertMkto2]), failed);
connect(syncRecords, failed, 1);
connect(syncPerson, failed, 1);
const summary = node('Summarise failures', 'n8n-nodes-base.summarize', [1720, 1000], {
	fieldsToSummarize: { values: [{ aggregation: 'count', field: 'error' }] },
	options: {},
}, { typeVersion: 1.1 });
connect(failed, summary);
const failRun = node('Fail the run', 'n8n-nodes-base.stopAndError', [1960, 1000], {
	errorType: 'errorMessage',
	// The triggers read this message when the run ends (nodes/journal): "daily quota" makes them wait for Marketo's reset and send the batch again.
	errorMessage: '={{ $json.count_error }} record(s) failed in this run.{{ $(\'Failed records\').all().some(i => String((i.json.details || {}).code) === \'607\' || /daily (api )?quota/i.test(JSON.stringify(i.json.error || \'\'))) ? \' Marketo daily quota (607) reached: the triggers send these records again after the quota resets.\' : \'\' }} Open this execution: "Failed records" names each record and field; person failures are also on the Marketo activity log.',
});
connect(summary, failRun);

const workflow = {
	id: WORKFLOW_ID,
	name: 'Marketo ⇄ Dynamics 365 sync',
	nodes,
	connections,
	settings: {
		executionOrder: 'v1',
		saveDataSuccessExecution: 'none',
		saveDataErrorExecution: 'all',
		saveManualExecutions: true,
		saveExecutionProgress: false,
		callerPolicy: 'workflowsFromSameOwner',
		errorWorkflow: ALERT_WORKFLOW_ID,
		timezone: 'UTC',
	},
	pinData: {},
	active: false,
	meta: { templateCredsSetupCompleted: false },
	tags: [],
};

// The error workflow: n8n runs it when a run of the sync fails (failed records, or a trigger that
// could not poll). It prepares the alert text; the admin swaps the last node for e-mail/Slack/Teams.
const alerts = {
	id: ALERT_WORKFLOW_ID,
	name: 'Marketo ⇄ Dynamics 365 sync: alerts',
	nodes: [
		{ id: uuid(), name: 'When the sync fails', type: 'n8n-nodes-base.errorTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: uuid(),
			name: 'Alert text',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [240, 0],
			parameters: {
				assignments: {
					assignments: [
						{ id: uuid(), name: 'subject', type: 'string', value: '=Marketo ⇄ Dynamics 365 sync: {{ $json.execution ? $json.execution.error.message : $json.trigger.error.message }}' },
						{ id: uuid(), name: 'workflow', type: 'string', value: '={{ $json.workflow.name }}' },
						{ id: uuid(), name: 'executionUrl', type: 'string', value: '={{ $json.execution ? $json.execution.url : "" }}' },
						{ id: uuid(), name: 'failedNode', type: 'string', value: '={{ $json.execution ? $json.execution.lastNodeExecuted : $json.trigger.node?.name }}' },
					],
				},
				options: {},
			},
		},
		{ id: uuid(), name: 'Send the alert (replace me)', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [480, 0], parameters: {} },
		{
			id: uuid(),
			name: 'Note: alerts',
			type: 'n8n-nodes-base.stickyNote',
			typeVersion: 1,
			position: [-60, -240],
			parameters: {
				width: 720,
				height: 260,
				color: 3,
				content: '## Alerts for the Marketo ⇄ Dynamics 365 sync\nThe sync workflow names this workflow as its **error workflow**: it runs when a sync run had failed records or a trigger could not poll. ' +
					'Replace **Send the alert** with an e-mail, Slack or Teams node; `subject` and `executionUrl` are ready to use. **Publish** this workflow too: n8n 2.x runs only published error workflows.\n\n' +
					'**Every morning** it also sends a **daily digest** (lanes, records synced, failed records) read from the status page (`marketo-dynamics-sync-status.json`). **Read the sync status** finds it at this n8n\'s own address (`WEBHOOK_URL`, or host and port); ' +
					'if the status page has an **Access Key**, paste it into the `key` query parameter there; if you changed the page\'s **Path**, change it in the URL there too.',
			},
		},
	],
	connections: {
		'When the sync fails': { main: [[{ node: 'Alert text', type: 'main', index: 0 }]] },
		'Alert text': { main: [[{ node: 'Send the alert (replace me)', type: 'main', index: 0 }]] },
	},
	settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', timezone: 'UTC' },
	pinData: {},
	active: false,
	meta: { templateCredsSetupCompleted: true },
	tags: [],
};

// The daily digest (the native sync mails a daily summary of errors): every morning the status page's
// JSON goes through the same notification node as the alerts.
alerts.nodes.push(
	{
		id: uuid(),
		name: 'Every morning',
		type: 'n8n-nodes-base.scheduleTrigger',
		typeVersion: 1.2,
		position: [0, 220],
		parameters: { rule: { interval: [{ field: 'days', triggerAtHour: 7 }] } },
	},
	{
		id: uuid(),
		name: 'Read the sync status',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [240, 220],
		// The status page of templates/marketo-dynamics-sync-status.json, as JSON, at this n8n's own
		// address: n8n 2.41.1 builds $execution.resumeUrl as <webhook base URL>webhook-waiting/<execution id>
		// (n8n-core get-additional-keys.js; n8n workflow-execute-additional-data.js), the base being
		// WEBHOOK_URL or else N8N_PROTOCOL://N8N_HOST:N8N_PORT/N8N_PATH (n8n services/url.service.js).
		// Dropping its last two segments leaves that base, where the status page's /webhook/ path lives.
		// `key` is the status page's Access Key, if one is set (an extra key is ignored when none is).
		parameters: {
			url: `={{ $execution.resumeUrl.split("/").slice(0, -2).join("/") }}/webhook/${STATUS_PATH}`,
			sendQuery: true,
			queryParameters: {
				parameters: [
					{ name: 'format', value: 'json' },
					{ name: 'key', value: '' },
				],
			},
			options: {},
		},
	},
	{
		id: uuid(),
		name: 'Daily digest text',
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		position: [480, 220],
		parameters: {
			assignments: {
				assignments: [
					{ id: uuid(), name: 'subject', type: 'string', value: '=Marketo ⇄ Dynamics 365 sync, daily: {{ $json.failedNow }} failed record(s)' },
					{
						id: uuid(),
						name: 'message',
						type: 'string',
						value:
							'={{ $json.lanes.map(l => l.title + ": " + l.stateText + "; " + l.syncedLastDay + " synced in 24 h, " + l.failedNow + " failing" + (l.failed.length ? "\\n" + l.failed.slice(0, 20).map(f => "  - " + f.record + " " + f.field + " (" + f.code + "): " + f.message + ", " + f.tries + " tries").join("\\n") : "")).join("\\n") }}',
					},
					{ id: uuid(), name: 'workflow', type: 'string', value: 'Marketo ⇄ Dynamics 365 sync' },
					{ id: uuid(), name: 'executionUrl', type: 'string', value: '' },
					{ id: uuid(), name: 'failedNode', type: 'string', value: '' },
				],
			},
			options: {},
		},
	},
);
alerts.connections['Every morning'] = { main: [[{ node: 'Read the sync status', type: 'main', index: 0 }]] };
alerts.connections['Read the sync status'] = { main: [[{ node: 'Daily digest text', type: 'main', index: 0 }]] };
alerts.connections['Daily digest text'] = { main: [[{ node: 'Send the alert (replace me)', type: 'main', index: 0 }]] };

// The status page: one node serving the lanes' state from the triggers of this n8n process.
const status = {
	id: STATUS_WORKFLOW_ID,
	name: 'Marketo ⇄ Dynamics 365 sync: status page',
	nodes: [
		{
			id: uuid(),
			name: 'Sync status page',
			type: `${PKG}.syncStatus`,
			typeVersion: 1,
			position: [0, 0],
			webhookId: '5b1e0c2a-7d3f-4a9e-9c1b-0000005747a5',
			parameters: { path: STATUS_PATH, options: {} },
		},
		{
			id: uuid(),
			name: 'Note: status page',
			type: 'n8n-nodes-base.stickyNote',
			typeVersion: 1,
			position: [-60, -260],
			parameters: {
				width: 640,
				height: 220,
				color: 4,
				content: '## Sync status page\nPublish this workflow, then open **<n8n URL>/webhook/' + STATUS_PATH + '** in a browser: per lane the state (last synced, in progress, failed, waiting for quota), records synced in the last hour and day, failed records with their field, code and tries, and a 5-day chart. ' +
					'**Replay failed records** (on the page) makes the triggers read them again once you fixed the cause. Set an **Access Key** in the node\'s options to protect the page. `?format=json` gives the same as JSON (the alerts workflow mails it every morning).',
			},
		},
	],
	connections: {},
	settings: { executionOrder: 'v1', saveDataSuccessExecution: 'none', timezone: 'UTC' },
	pinData: {},
	active: false,
	meta: { templateCredsSetupCompleted: true },
	tags: [],
};

const dir = path.join(__dirname, '..', 'templates');
fs.mkdirSync(dir, { recursive: true });
for (const [file, wf] of [['marketo-dynamics-sync.json', workflow], ['marketo-dynamics-sync-alerts.json', alerts], ['marketo-dynamics-sync-status.json', status]]) {
	fs.writeFileSync(path.join(dir, file), `${JSON.stringify(wf, null, '\t')}\n`);
	process.stdout.write(`wrote templates/${file} (${wf.nodes.length} nodes)\n`);
}
