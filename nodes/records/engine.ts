import type { IDataObject } from 'n8n-workflow';

import type { ApiContext } from '../transport/context';
import { customObjectPath, deleteObjects, syncObjects, type RecordResult } from '../transport/marketoApi';
import { columnsOf, companyFromAccount, mapped, salesPersonFromTeam, salesPersonFromUser, sourceColumn, USER_TO_SALES_PERSON } from './builders';
import { guid, KNOWN_TABLES, lookupId, lookupTable, presentColumns, rowsByIds } from './dataverseRows';
import { Dependencies, type CreatedFirst } from './dependencies';
import { checkValues, deleteStatus, keepKnownFields, objectLabel, ObjectSchemas, OBJECT_PATHS, writeStatus } from './marketoObjects';
import { CONNECTION_COLUMNS, connectionRoleId, connectionSide, deleteOpportunities, isActive, isMaster, reconcileRoles, syncOpportunities, type RoleReport } from './opportunities';
import { SYNC_ORDER, type RecordKind, type RecordOutput, type SyncSettings, type SyncTask, type TaskOutcome } from './types';
import { excludedByFilter } from '../mapping/syncFilter';
import { errorMessage, isPlainObject, shortText } from './values';

/** Which record kinds each setting of "Record Type" accepts. */
const MODE_KINDS: Record<SyncSettings['mode'], RecordKind[]> = {
	account: ['account'],
	systemuser: ['systemuser'],
	team: ['team'],
	opportunity: ['opportunity', 'connection'],
	customTable: ['custom'],
	fromInput: ['systemuser', 'team', 'account', 'person', 'opportunity', 'connection', 'custom'],
};

const KIND_LABEL: Record<RecordKind, string> = {
	systemuser: 'users',
	team: 'teams',
	account: 'accounts',
	person: 'leads and contacts',
	opportunity: 'opportunities',
	connection: 'stakeholder connections',
	custom: 'custom table rows',
};

const MARKETO_OBJECT: Record<RecordKind, string> = {
	systemuser: 'salesPerson',
	team: 'salesPerson',
	account: 'company',
	person: 'person',
	opportunity: 'opportunity',
	connection: 'opportunityRole',
	custom: 'customObject',
};

/** Marketo refuses to delete a sales person still linked to leads, companies or opportunities. */
export const SALES_PERSON_DELETE_REASON =
	'deleted in Dynamics; the Marketo sales person is kept (Marketo refuses to delete one still linked to persons, companies or opportunities, and keeping it preserves the owner history)';


function kindOfTable(table: string, settings: SyncSettings): RecordKind | undefined {
	const t = table.toLowerCase();
	if (settings.custom && t === settings.custom.table.toLowerCase()) return 'custom';
	if (t === 'lead' || t === 'contact') return 'person';
	if (['account', 'systemuser', 'team', 'opportunity', 'connection'].includes(t)) return t as RecordKind;
	return undefined;
}

/** The table of a plain row (no trigger envelope): by the record type, or by its primary key. */
function tableOfRow(json: IDataObject, settings: SyncSettings): string | undefined {
	switch (settings.mode) {
		case 'account':
		case 'systemuser':
		case 'team':
			return settings.mode;
		case 'opportunity':
			return guid(json.connectionid) ? 'connection' : 'opportunity';
		case 'customTable':
			return settings.custom?.table;
	}
	for (const ref of Object.values(KNOWN_TABLES)) if (guid(json[ref.primaryId])) return ref.table;
	if (settings.custom && guid(json[`${settings.custom.table}id`])) return settings.custom.table;
	return undefined;
}

/** Dataverse names a table's key `<logical name>id` (custom tables included). */
function primaryIdOf(table: string): string {
	return KNOWN_TABLES[table]?.primaryId ?? `${table}id`;
}

/** Reads an input item (Dynamics 365 Trigger item or plain Dynamics row); throws a message naming it. */
export function parseTask(json: IDataObject, index: number, settings: SyncSettings): SyncTask {
	const label = `Item ${index + 1}`;
	const envelope = typeof json.table === 'string' && isPlainObject(json.fields);
	const table = envelope ? String(json.table).toLowerCase() : tableOfRow(json, settings);
	if (!table) throw new Error(`${label}: cannot tell which Dynamics table this row comes from (no field "table"); connect a Dynamics 365 Trigger, or choose the record type`);
	const kind = kindOfTable(table, settings);
	if (!kind) {
		throw new Error(`${label}: no mapping for Dynamics table "${shortText(table)}" (field "table")${settings.mode === 'fromInput' ? '; set the custom table mapping for it' : ''}`);
	}
	if (!MODE_KINDS[settings.mode].includes(kind)) {
		throw new Error(`${label}: this node syncs ${MODE_KINDS[settings.mode].map((k) => KIND_LABEL[k]).join(' and ')}, but the item is a ${table} row (choose "From Input Items" to mix record types)`);
	}
	const fields = envelope ? (json.fields as IDataObject) : json;
	const rawId = envelope ? json.id : json[primaryIdOf(table)];
	const id = guid(rawId);
	if (!id) throw new Error(`${label}: "${shortText(rawId)}" is not a Dynamics ${table} ID (GUID expected in field "id")`);
	const op = String(json.operation ?? 'updated');
	const operation = op === 'deleted' ? 'deleted' : op === 'created' ? 'created' : 'updated';
	return { index, kind, table, id, operation, fields, json };
}

type Outcomes = TaskOutcome[];

function base(task: SyncTask, settings: SyncSettings, values: Partial<RecordOutput>): RecordOutput {
	return {
		recordType: task.kind,
		table: task.table,
		dynamicsId: task.id,
		operation: task.operation,
		marketoObject: task.kind === 'custom' ? (settings.custom?.apiName ?? 'customObject') : MARKETO_OBJECT[task.kind],
		status: 'skipped',
		reason: '',
		...values,
	};
}

function set(outcomes: Outcomes, task: SyncTask, settings: SyncSettings, values: Partial<RecordOutput>): void {
	const output = base(task, settings, values);
	if (output.status === 'failed') outcomes[task.index] = { error: `${describe(task)}: ${output.reason}`, table: task.table, dynamicsId: task.id };
	else outcomes[task.index] = { output };
}

function describe(task: SyncTask): string {
	return `Dynamics ${task.table} ${task.id}`;
}

/** Referenced records created first, for the tasks that referred to them. */
function createdFor(deps: Dependencies, ids: Array<string | null | undefined>): CreatedFirst[] {
	const wanted = new Set(ids.filter((id): id is string => !!id));
	return deps.createdFirst.filter((c) => wanted.has(c.dynamicsId));
}

function extras(warnings: string[], created: CreatedFirst[]): IDataObject {
	return { ...(warnings.length ? { warnings } : {}), ...(created.length ? { createdFirst: created } : {}) };
}

async function phase(tasks: SyncTask[], outcomes: Outcomes, run: () => Promise<void>): Promise<void> {
	try {
		await run();
	} catch (error) {
		for (const task of tasks) {
			if (!outcomes[task.index]) outcomes[task.index] = { error: `${describe(task)}: ${errorMessage(error)}`, api: true, table: task.table, dynamicsId: task.id };
		}
	}
}

/**
 * Syncs Dynamics rows one way into Marketo, in Marketo's link order whatever the input order:
 * sales persons, companies, opportunities, opportunity roles, custom objects. Returns one outcome
 * per input item, in input order.
 */
export async function syncRecords(ctx: ApiContext, items: IDataObject[], settings: SyncSettings): Promise<Outcomes> {
	const outcomes: Outcomes = new Array(items.length);
	const parsed: SyncTask[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			parsed.push(parseTask(items[i], i, settings));
		} catch (error) {
			outcomes[i] = { error: errorMessage(error) };
		}
	}
	// The same record twice in one execution: the later item is the newer state.
	const last = new Map<string, SyncTask>();
	for (const task of parsed) last.set(`${task.kind}|${task.id}`, task);
	const tasks: SyncTask[] = [];
	for (const task of parsed) {
		if (last.get(`${task.kind}|${task.id}`) !== task) {
			set(outcomes, task, settings, { reason: `a later item (${(last.get(`${task.kind}|${task.id}`)!.index ?? 0) + 1}) carries a newer state of the same record` });
		} else if (task.kind === 'person') {
			set(outcomes, task, settings, { reason: 'leads and contacts sync both ways: use Resolve Conflict and Upsert Lead/Contact' });
		} else if (task.operation !== 'deleted' && settings.syncFilterField && excludedByFilter(task.json, task.fields, settings.syncFilterField)) {
			set(outcomes, task, settings, { reason: `the sync filter (${settings.syncFilterField}) is No: not synced, the Marketo record is left as it is` });
		} else {
			tasks.push(task);
		}
	}
	tasks.sort((a, b) => SYNC_ORDER[a.kind] - SYNC_ORDER[b.kind] || a.index - b.index);
	const deps = new Dependencies(ctx, settings, new ObjectSchemas(ctx));
	const of = (...kinds: RecordKind[]) => tasks.filter((t) => kinds.includes(t.kind));

	await phase(of('systemuser', 'team'), outcomes, () => syncSalesPersons(ctx, deps, settings, of('systemuser', 'team'), outcomes));
	await phase(of('account'), outcomes, () => syncCompanies(ctx, deps, settings, of('account'), outcomes));
	const reconciled = new Map<string, RoleReport>();
	await phase(of('opportunity'), outcomes, () => syncOpportunityTasks(ctx, deps, settings, of('opportunity'), outcomes, reconciled));
	await phase(of('connection'), outcomes, () => syncConnections(ctx, deps, settings, of('connection'), outcomes, reconciled));
	await phase(of('custom'), outcomes, () => syncCustomObjects(ctx, deps, settings, of('custom'), outcomes));
	return outcomes;
}

/**
 * Sends the records whose values fit Marketo's field types (≤300 a call, by the transport) and
 * returns one result per record: checked-out records get a failure naming the field, unsent.
 */
async function writeValid(
	ctx: ApiContext,
	path: string,
	records: IDataObject[],
	problemsOf: (record: IDataObject, k: number) => string[],
): Promise<Array<RecordResult | { status: 'invalid'; problems: string[] }>> {
	const out: Array<RecordResult | { status: 'invalid'; problems: string[] }> = new Array(records.length);
	const valid: number[] = [];
	records.forEach((record, k) => {
		const problems = problemsOf(record, k);
		if (problems.length) out[k] = { status: 'invalid', problems };
		else valid.push(k);
	});
	if (valid.length) {
		const results = await syncObjects(ctx, path, valid.map((k) => records[k]));
		valid.forEach((k, j) => (out[k] = results[j]));
	}
	return out;
}

/** Status of a writeValid result. */
function outcomeOf(result: RecordResult | { status: 'invalid'; problems: string[] } | undefined): { status: ReturnType<typeof writeStatus>['status']; reason: string; id?: string | number; invalid: boolean } {
	if (result && result.status === 'invalid' && 'problems' in result) return { status: 'failed', reason: result.problems.join('; '), invalid: true };
	return { ...writeStatus(result as RecordResult | undefined), invalid: false };
}

async function syncSalesPersons(ctx: ApiContext, deps: Dependencies, settings: SyncSettings, tasks: SyncTask[], outcomes: Outcomes): Promise<void> {
	const live = tasks.filter((t) => t.operation !== 'deleted');
	for (const task of tasks) if (task.operation === 'deleted') set(outcomes, task, settings, { reason: SALES_PERSON_DELETE_REASON, key: { externalSalesPersonId: task.id } });
	if (!live.length) return;
	const known = await deps.schemas.fields(OBJECT_PATHS.salespersons);
	const records = live.map((t) => (t.kind === 'systemuser' ? salesPersonFromUser(t.id, t.fields) : salesPersonFromTeam(t.id, t.fields)));
	const dropped = records.map((r) => keepKnownFields(r, known));
	const results = await writeValid(ctx, OBJECT_PATHS.salespersons, records, (record, k) =>
		checkValues(record, known, (field) => (live[k].kind === 'team' ? (field === 'lastName' ? 'name' : undefined) : sourceColumn(USER_TO_SALES_PERSON, field))),
	);
	live.forEach((task, k) => {
		const { status, reason, id, invalid } = outcomeOf(results[k]);
		if (status !== 'failed') deps.noteSalesPerson(task.id);
		const warnings = dropped[k].length ? [`Marketo sales persons have no field ${dropped[k].join(', ')}: left out`] : [];
		set(outcomes, task, settings, {
			status,
			reason: status === 'failed' ? (invalid ? reason : `Marketo refused the sales person: ${reason}`) : '',
			marketoId: id ?? null,
			key: { externalSalesPersonId: task.id },
			...extras(warnings, []),
		});
	});
}

async function syncCompanies(ctx: ApiContext, deps: Dependencies, settings: SyncSettings, tasks: SyncTask[], outcomes: Outcomes): Promise<void> {
	const deleted = tasks.filter((t) => t.operation === 'deleted');
	const live = tasks.filter((t) => t.operation !== 'deleted');
	if (live.length) {
		const owners = new Map<string, string | undefined>();
		for (const t of live) {
			const owner = lookupId(t.fields, 'ownerid');
			if (owner) owners.set(owner, lookupTable(t.fields, 'ownerid'));
		}
		const ownersInMarketo = await deps.ensureSalesPersons(owners.keys(), owners);
		const known = await deps.schemas.fields(OBJECT_PATHS.companies);
		const plans = live.map((task) => {
			const record = companyFromAccount(task.id, task.fields, settings.accountFields);
			const warnings: string[] = [];
			const owner = lookupId(task.fields, 'ownerid');
			if (owner && ownersInMarketo.has(owner)) record.externalSalesPersonId = owner;
			else if (owner) warnings.push(`${deps.why(owner) ?? `owner ${owner} is not in Marketo`}; the company keeps its current sales person`);
			const dropped = keepKnownFields(record, known);
			if (dropped.length) warnings.push(`Marketo companies have no field ${dropped.map((d) => `"${d}"`).join(', ')}: left out`);
			return { task, record, owner, warnings };
		});
		const results = await writeValid(ctx, OBJECT_PATHS.companies, plans.map((p) => p.record), (record) =>
			checkValues(record, known, (field) => sourceColumn(settings.accountFields, field)),
		);
		plans.forEach((plan, k) => {
			const { status, reason, id, invalid } = outcomeOf(results[k]);
			if (status !== 'failed') deps.noteCompany(plan.task.id, typeof id === 'number' ? id : undefined);
			set(outcomes, plan.task, settings, {
				status,
				reason: status === 'failed' ? (invalid ? reason : `Marketo refused the company: ${reason}`) : '',
				marketoId: id ?? null,
				key: { externalCompanyId: plan.task.id, externalSalesPersonId: (plan.record.externalSalesPersonId as string) ?? null },
				...extras(plan.warnings, createdFor(deps, [plan.owner])),
			});
		});
	}
	if (deleted.length) {
		const results = await deleteObjects(ctx, OBJECT_PATHS.companies, deleted.map((t) => ({ externalCompanyId: t.id })));
		deleted.forEach((task, k) => {
			const { status, reason } = deleteStatus(results[k]);
			set(outcomes, task, settings, { status, reason: status === 'failed' ? `Marketo refused to delete the company: ${reason}` : reason, key: { externalCompanyId: task.id } });
		});
	}
}

function roleSummary(report: RoleReport | undefined): IDataObject {
	if (!report) return {};
	return { roles: report.roles, ...(report.removed.length ? { removedRoles: report.removed } : {}) };
}

function roleWarnings(report: RoleReport | undefined): string[] {
	return (report?.roles ?? []).filter((r) => r.status === 'failed').map((r) => `role "${r.role}" for contact ${r.contactId} not synced: ${r.reason}`);
}

async function syncOpportunityTasks(
	ctx: ApiContext,
	deps: Dependencies,
	settings: SyncSettings,
	tasks: SyncTask[],
	outcomes: Outcomes,
	reconciled: Map<string, RoleReport>,
): Promise<void> {
	const live = tasks.filter((t) => t.operation !== 'deleted');
	const deleted = tasks.filter((t) => t.operation === 'deleted');
	if (live.length) {
		const results = await syncOpportunities(ctx, deps, settings, live.map((t) => ({ id: t.id, row: t.fields })));
		const synced = live.filter((t) => results.get(t.id)?.status !== 'failed');
		const reports = await reconcileRoles(ctx, deps, settings, synced.map((t) => ({ id: t.id, customerContact: results.get(t.id)!.customerContact })));
		for (const [id, report] of reports) reconciled.set(id, report);
		for (const task of live) {
			const result = results.get(task.id)!;
			const report = reports.get(task.id);
			const contacts = report?.roles.map((r) => r.contactId) ?? [];
			set(outcomes, task, settings, {
				status: result.status,
				reason: result.reason,
				marketoId: result.marketoId ?? null,
				key: result.key,
				...roleSummary(report),
				...extras([...result.warnings, ...roleWarnings(report)], createdFor(deps, [result.key.externalCompanyId as string, result.key.externalSalesPersonId as string, ...contacts])),
			});
		}
	}
	if (deleted.length) {
		const results = await deleteOpportunities(ctx, deleted.map((t) => t.id));
		for (const task of deleted) {
			const r = results.get(task.id)!;
			set(outcomes, task, settings, {
				status: r.status,
				reason: r.status === 'failed' ? `Marketo refused to delete the opportunity: ${r.reason}` : r.reason,
				key: { externalOpportunityId: task.id },
				removedRoles: r.removedRoles,
			});
		}
	}
}

/**
 * Stakeholder connections → opportunity roles. Each affected opportunity's roles are reconciled
 * with Dynamics as a whole, so a connection that was removed (deactivated or deleted) loses its
 * role. A deleted connection arrives as a bare id: its opportunity comes from the Dynamics 365
 * Trigger's `lastSeen` (the trigger remembers every connection row it read); one it cannot place
 * is a failure, never a silent skip.
 */
async function syncConnections(
	ctx: ApiContext,
	deps: Dependencies,
	settings: SyncSettings,
	tasks: SyncTask[],
	outcomes: Outcomes,
	reconciled: Map<string, RoleReport>,
): Promise<void> {
	if (!tasks.length) return;
	const live = tasks.filter((t) => t.operation !== 'deleted');
	const rows = new Map<string, IDataObject>(live.map((t) => [t.id, { ...t.fields }]));
	const incomplete = live.filter((t) => CONNECTION_COLUMNS.some((c) => !Object.prototype.hasOwnProperty.call(t.fields, c))).map((t) => t.id);
	if (incomplete.length) {
		const { present } = await presentColumns(ctx, 'connection', CONNECTION_COLUMNS);
		const fetched = await rowsByIds(ctx, KNOWN_TABLES.connection, incomplete, present);
		for (const id of incomplete) {
			const row = fetched.get(id);
			if (row) Object.assign(rows.get(id)!, row);
		}
	}
	const stakeholderRoles = await deps.stakeholderRoles();
	const affected = new Map<SyncTask, { opportunityId: string; removed: boolean; contactId?: string; role?: string }>();
	for (const task of tasks) {
		if (task.operation === 'deleted') {
			const lastSeen = isPlainObject(task.json.lastSeen) ? (task.json.lastSeen as IDataObject) : undefined;
			const from = lastSeen ? connectionSide(lastSeen, 1) : undefined;
			if (!lastSeen || !from) {
				set(outcomes, task, settings, {
					status: 'failed',
					reason:
						'deleted in Dynamics, but its opportunity is unknown (no "lastSeen" on the item: the Dynamics 365 Trigger on table connection never read this connection): ' +
						'its role, if it had one, stays in Marketo until the opportunity syncs again (Remove Roles Not in Dynamics)',
				});
			} else if (!isMaster(lastSeen)) {
				set(outcomes, task, settings, { reason: 'reciprocal row of a connection (is master = No): the master row carries the stakeholder' });
			} else if (from.table === 'opportunity' && from.id) {
				affected.set(task, { opportunityId: from.id, removed: true });
			} else {
				set(outcomes, task, settings, { reason: `not a stakeholder of an opportunity (connected a ${from.table ?? 'record'})` });
			}
			continue;
		}
		const row = rows.get(task.id)!;
		const from = connectionSide(row, 1);
		const to = connectionSide(row, 2);
		const role = stakeholderRoles.get(connectionRoleId(row) ?? '');
		if (!isMaster(row)) {
			set(outcomes, task, settings, { reason: 'reciprocal row of a connection (is master = No): the master row carries the stakeholder' });
		} else if (from.table !== 'opportunity' || to.table !== 'contact' || !from.id || !to.id) {
			set(outcomes, task, settings, { reason: `not a stakeholder of an opportunity (connects a ${from.table ?? 'record'} to a ${to.table ?? 'record'})` });
		} else if (!role) {
			set(outcomes, task, settings, { reason: 'the connection role is not a Stakeholder role (category 1000)' });
		} else {
			const active = isActive(row);
			affected.set(task, { opportunityId: from.id, removed: !active, contactId: to.id, role });
		}
	}

	// Opportunities not reconciled yet: read them from Dynamics (customer, filter), create missing ones.
	const pending = [...new Set([...affected.values()].map((a) => a.opportunityId))].filter((id) => !reconciled.has(id));
	const skipped = new Map<string, string>();
	if (pending.length) {
		const filter = settings.syncFilterField;
		const { present } = await presentColumns(ctx, 'opportunity', columnsOf(settings.opportunityFields, '_customerid_value', '_ownerid_value', filter));
		const opportunities = await rowsByIds(ctx, KNOWN_TABLES.opportunity, pending, present);
		const toSync: Array<{ id: string; row: IDataObject }> = [];
		for (const id of pending) {
			const row = opportunities.get(id);
			if (!row) skipped.set(id, `opportunity ${id} no longer exists in Dynamics`);
			else if (filter && excludedByFilter({}, row, filter)) skipped.set(id, `opportunity ${id} is not synced (its sync filter ${filter} is No)`);
			else toSync.push({ id, row });
		}
		// Sync them (createOrUpdate): creates missing opportunities and refreshes the others from Dynamics.
		const results = await syncOpportunities(ctx, deps, settings, toSync);
		const ready: Array<{ id: string; customerContact?: string }> = [];
		for (const { id } of toSync) {
			const result = results.get(id)!;
			if (result.status === 'failed') skipped.set(id, result.reason);
			else {
				if (result.status === 'created') deps.createdFirst.push({ object: 'opportunity', dynamicsId: id, status: 'created', reason: '' });
				ready.push({ id, customerContact: result.customerContact });
			}
		}
		const reports = await reconcileRoles(ctx, deps, settings, ready);
		for (const [id, report] of reports) reconciled.set(id, report);
	}

	for (const [task, a] of affected) {
		const key = { externalOpportunityId: a.opportunityId, ...(a.contactId ? { contactId: a.contactId } : {}), ...(a.role ? { role: a.role } : {}) };
		const why = skipped.get(a.opportunityId);
		const report = reconciled.get(a.opportunityId);
		const created = createdFor(deps, [a.opportunityId, a.contactId]);
		if (why || !report) {
			set(outcomes, task, settings, { status: a.removed ? 'skipped' : 'failed', reason: why ?? `opportunity ${a.opportunityId} could not be synced`, key });
			continue;
		}
		if (a.removed) {
			const removed = report.removed.filter((r) => !a.role || r.role.toLowerCase() === a.role.toLowerCase());
			const gone = removed.filter((r) => r.status === 'deleted');
			set(outcomes, task, settings, {
				status: gone.length ? 'deleted' : 'skipped',
				reason: gone.length ? '' : 'no Marketo role left to remove',
				key,
				...(removed.length ? { removedRoles: removed } : {}),
			});
			continue;
		}
		const line = report.roles.find((r) => r.connectionId === task.id) ?? report.roles.find((r) => r.contactId === a.contactId && r.role === a.role);
		if (!line) {
			set(outcomes, task, settings, { status: 'failed', reason: 'the stakeholder was not found on the opportunity in Dynamics (changed meanwhile?)', key });
			continue;
		}
		set(outcomes, task, settings, {
			status: line.status,
			reason: line.status === 'failed' ? line.reason : line.status === 'skipped' ? line.reason : '',
			key: { ...key, leadId: line.leadId },
			...extras([], created),
		});
	}
}

/** Whether a row carries a lookup column at all (`_x_value` in Web API rows, `x` in plain rows). */
function hasLookup(row: IDataObject, column: string): boolean {
	return Object.prototype.hasOwnProperty.call(row, `_${column}_value`) || Object.prototype.hasOwnProperty.call(row, column);
}


async function syncCustomObjects(ctx: ApiContext, deps: Dependencies, settings: SyncSettings, tasks: SyncTask[], outcomes: Outcomes): Promise<void> {
	const custom = settings.custom;
	if (!tasks.length) return;
	if (!custom) {
		for (const task of tasks) set(outcomes, task, settings, { status: 'failed', reason: 'no custom table mapping is set up' });
		return;
	}
	const path = customObjectPath(custom.apiName);
	const label = objectLabel(path);
	const live = tasks.filter((t) => t.operation !== 'deleted');
	const deleted = tasks.filter((t) => t.operation === 'deleted');
	if (live.length) {
		const personIds = custom.personLink ? live.map((t) => lookupId(t.fields, custom.personLink!.dynamics)).filter((id): id is string => !!id) : [];
		const persons = personIds.length ? await deps.personsFor(personIds) : new Map<string, number>();
		const companyIds = custom.companyLink ? live.map((t) => lookupId(t.fields, custom.companyLink!.dynamics)).filter((id): id is string => !!id) : [];
		if (companyIds.length) await deps.ensureCompanies(companyIds);
		const known = await deps.schemas.fields(path);
		const plans = live.map((task) => {
			const warnings: string[] = [];
			const record: IDataObject = { [custom.keyField]: task.id, ...mapped(task.fields, custom.fields) };
			const refs: string[] = [];
			if (custom.personLink && hasLookup(task.fields, custom.personLink.dynamics)) {
				const personId = lookupId(task.fields, custom.personLink.dynamics);
				if (personId) refs.push(personId);
				const leadId = personId ? persons.get(personId) : undefined;
				if (personId && leadId === undefined) warnings.push(`${deps.why(personId) ?? `${custom.personLink.dynamics} ${personId} has no Marketo person`}; ${custom.personLink.marketo} left empty`);
				record[custom.personLink.marketo] = leadId ?? null;
			}
			if (custom.companyLink && hasLookup(task.fields, custom.companyLink.dynamics)) {
				const accountId = lookupId(task.fields, custom.companyLink.dynamics);
				if (accountId) refs.push(accountId);
				const companyId = accountId ? deps.companies.get(accountId) : undefined;
				if (accountId && companyId === undefined) warnings.push(`${deps.why(accountId) ?? `account ${accountId} has no Marketo company`}; ${custom.companyLink.marketo} left empty`);
				record[custom.companyLink.marketo] = companyId ?? null;
			}
			const dropped = keepKnownFields(record, known);
			if (dropped.length) warnings.push(`the ${label} has no field ${dropped.map((d) => `"${d}"`).join(', ')}: left out`);
			return { task, record, warnings, refs };
		});
		const results = await writeValid(ctx, path, plans.map((p) => p.record), (record) =>
			checkValues(record, known, (field) => sourceColumn(custom.fields, field)),
		);
		plans.forEach((plan, k) => {
			const { status, reason, id, invalid } = outcomeOf(results[k]);
			set(outcomes, plan.task, settings, {
				status,
				reason: status === 'failed' ? (invalid ? reason : `Marketo refused the ${label}: ${reason}`) : '',
				marketoId: id ?? null,
				key: { [custom.keyField]: plan.task.id },
				...extras(plan.warnings, createdFor(deps, plan.refs)),
			});
		});
	}
	if (deleted.length) {
		const results = await deleteObjects(ctx, path, deleted.map((t) => ({ [custom.keyField]: t.id })));
		deleted.forEach((task, k) => {
			const { status, reason } = deleteStatus(results[k]);
			set(outcomes, task, settings, { status, reason: status === 'failed' ? `Marketo refused to delete the ${label}: ${reason}` : reason, key: { [custom.keyField]: task.id } });
		});
	}
}
