import * as fs from 'node:fs';

import type { N8nInstance } from './n8nHost';
import { eventually, startTemplateRun, type TemplateRun } from './templateRun';
import type { Simulators } from '../helpers/simulators';
import { seedSample, syncSnapshot } from '../helpers/sampleData';
import { alertsTemplate, TEMPLATE_PATH as TEMPLATE } from '../helpers/template';


/**
 * The shipped template, imported and published in a real n8n 2.41.1 with the packed package,
 * against the simulators: the initial copy in every lane, then changes moving both ways.
 */
jest.setTimeout(600_000);

describe('the sync template in real n8n', () => {
	let sims: Simulators;
	let n8n: N8nInstance;
	let seeded: ReturnType<typeof seedSample>;
	let workflowId: string;

	let run: TemplateRun;

	beforeAll(async () => {
		run = await startTemplateRun('template', (s) => {
			seeded = seedSample(s, { leads: 60, contacts: 50, accounts: 10, opportunities: 6, users: 3, projects: 5, marketoOnly: 4 });
		});
		({ sims, n8n, workflowId } = run);
	}, 900_000);

	afterAll(async () => {
		await run?.stop();
	});

	test('template uses only the published package prefix and asks for credentials by type', () => {
		const text = fs.readFileSync(TEMPLATE, 'utf8');
		expect(text).not.toContain('"CUSTOM.');
		const workflow = JSON.parse(text) as { nodes: Array<{ type: string; credentials?: Record<string, unknown> }>; settings: Record<string, unknown> };
		const ours = workflow.nodes.filter((n) => n.type.startsWith('n8n-nodes-marketo-dynamics-sync.'));
		expect(new Set(ours.map((n) => n.type.split('.')[1]))).toEqual(
			new Set(['dynamicsTrigger', 'marketoTrigger', 'upsertPerson', 'syncPerson', 'resolveConflict', 'deletePerson', 'syncRecords']),
		);
		for (const n of ours) expect(Object.keys(n.credentials ?? {}).length).toBeGreaterThan(0);
		expect(workflow.settings.saveDataSuccessExecution).toBe('none');
		// The error-workflow hook points at the shipped alerts workflow.
		expect(workflow.settings.errorWorkflow).toBe(alertsTemplate().id);
		expect(alertsTemplate().nodes.map((n) => n.type)).toContain('n8n-nodes-base.errorTrigger');
		// The sample custom table exists only in the simulator: its trigger ships disabled.
		expect(workflow.nodes.filter((n: any) => n.disabled).map((n: any) => n.parameters.table)).toEqual(['new_project']);
	});

	test('initial copy: every lane lands in Marketo, the sync filter keeps "No" rows out', async () => {
		// Sample: 60 leads (2 with sync filter No), 50 contacts (2 with No), 10 accounts, 3 users + 1 team,
		// 6 opportunities (3 with a contact customer) with 2 stakeholders each, 5 projects.
		await eventually('initial copy', () => {
			const s = syncSnapshot(sims);
			return s.marketoLeadsFromDynamics === 58 && s.marketoContactsFromDynamics >= 48 && s.companies === 10 && s.opportunities === 6 && s.customObjects === 5 && s.opportunityRoles >= 12;
		});
		const s = syncSnapshot(sims);
		expect(s.salesPersons).toBeGreaterThanOrEqual(4);
		const filteredLead = sims.dataverse.store.get('lead', seeded.leadIds[29]);
		expect(filteredLead?.new_synctomkto).toBe(false);
		expect(sims.marketo.store.findLeadIds('microsoftId', seeded.leadIds[29])).toEqual([]);
	});

	test('changes move both ways; a new Marketo person reaches Dynamics through Sync Person; a Dynamics delete flags the person', async () => {
		const leadId = seeded.leadIds[3];
		sims.dataverse.update('lead', leadId, { jobtitle: 'Chief Test Officer' });
		const contactId = seeded.contactIds[5];
		const [contactPersonId] = sims.marketo.store.findLeadIds('microsoftId', contactId);
		sims.marketo.uiUpdateLead(contactPersonId, { phone: '+31 70 123 4567' });
		const visitor = sims.marketo.uiCreateLead({ email: 'late.visitor@visitor.test', firstName: 'Late', lastName: 'Visitor' });
		const deletedContact = seeded.contactIds[8];
		const [deletedPersonId] = sims.marketo.store.findLeadIds('microsoftId', deletedContact);
		sims.dataverse.delete('contact', deletedContact);

		await eventually('Dynamics lead change in Marketo', () => {
			const [personId] = sims.marketo.store.findLeadIds('microsoftId', leadId);
			return sims.marketo.store.getLead(personId)?.title === 'Chief Test Officer';
		});
		await eventually('Marketo contact change in Dynamics', () => sims.dataverse.store.get('contact', contactId)?.telephone1 === '+31 70 123 4567');
		await eventually('new Marketo person as a Dynamics lead', () => sims.dataverse.store.all('lead').some((r: any) => r.emailaddress1 === 'late.visitor@visitor.test'));
		await eventually('Dynamics delete flags the Marketo person', () => sims.marketo.store.getLead(deletedPersonId)?.microsoftIsDeleted === true);
		expect(sims.marketo.store.getLead(visitor.id)?.microsoftType).toBe('Lead');
	});

	/** The Marketo person linked to a Dynamics row. */
	const personOf = (dynamicsId: string): (Record<string, unknown> & { id: number }) | undefined => {
		const [id] = sims.marketo.store.findLeadIds('microsoftId', dynamicsId);
		return id === undefined ? undefined : ({ ...sims.marketo.store.getLead(id)!, id } as Record<string, unknown> & { id: number });
	};
	const executions = async (workflowId: string) => {
		const res = await n8n.rest('GET', `/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}`);
		return (res.json?.data?.results ?? []) as Array<{ id: string; status: string }>;
	};
	/** Data written on either side: Marketo records and activities, Dataverse writes (direct or in $batch). */
	const writes = () => {
		const dvRoutes = sims.dataverse.stats().byRoute;
		const dvWrites = Object.entries(dvRoutes)
			.filter(([route]) => /^(\$batch )?(POST|PATCH|PUT|DELETE) /.test(route) && route !== 'POST /$batch')
			.reduce((sum, [, n]) => sum + n, 0);
		return { marketoRecordsWritten: sims.marketo.stats().recordsWritten, marketoActivities: sims.marketo.store.activities.length, dataverseWrites: dvWrites };
	};

	test('collisions, one-sided changes on both sides, the sync filter both ways, a Dynamics merge, a Marketo delete, a validation failure', async () => {
		const [collidingLead, bothSidesLead, oneSidedLead, stopsSyncing, validationLead, mergeWinner, mergeLoser] = [5, 6, 7, 15, 16, 10, 11].map((i) => seeded.leadIds[i]);
		const collidingContact = seeded.contactIds[10];
		const startsSyncing = seeded.leadIds[29]; // seeded with sync filter No
		const deletedInMarketo = seeded.leadIds[18];
		for (const id of [collidingLead, bothSidesLead, oneSidedLead, stopsSyncing, validationLead, mergeWinner, mergeLoser, deletedInMarketo, collidingContact]) {
			expect(personOf(id)).toBeDefined();
		}
		const failedBefore = (await executions(workflowId)).filter((e) => e.status === 'error').length;

		// The same field changed on both sides between two polls: a collision.
		sims.dataverse.update('lead', collidingLead, { jobtitle: 'Title from Dynamics' });
		sims.marketo.uiUpdateLead(personOf(collidingLead)!.id, { title: 'Title from Marketo' });
		sims.dataverse.update('contact', collidingContact, { jobtitle: 'Contact title from Dynamics' });
		sims.marketo.uiUpdateLead(personOf(collidingContact)!.id, { title: 'Contact title from Marketo' });
		// Different fields changed on each side: both survive.
		sims.dataverse.update('lead', bothSidesLead, { jobtitle: 'Only Dynamics changed the title' });
		sims.marketo.uiUpdateLead(personOf(bothSidesLead)!.id, { phone: '+31 10 000 0006' });
		sims.marketo.uiUpdateLead(personOf(oneSidedLead)!.id, { city: 'Zwolle' });
		// Sync filter No → Yes syncs at once; Yes → No stops updates and leaves the person.
		sims.dataverse.update('lead', startsSyncing, { new_synctomkto: true });
		sims.dataverse.update('lead', stopsSyncing, { new_synctomkto: false, jobtitle: 'Changed after sync was turned off' });
		// A Dynamics merge: the winner keeps syncing, the loser's person is flagged.
		sims.dataverse.update('lead', mergeWinner, { jobtitle: 'Merged winner' });
		sims.dataverse.merge('lead', mergeWinner, mergeLoser);
		// A Marketo delete is ignored (native default).
		sims.marketo.uiDeleteLead(personOf(deletedInMarketo)!.id);
		// Dynamics allows 50 characters in lastname: this one fails alone, on the error path.
		const invalidPerson = personOf(validationLead)!.id;
		sims.marketo.uiUpdateLead(invalidPerson, { lastName: 'L'.repeat(60) });

		const lead = (id: string) => sims.dataverse.store.get('lead', id) as Record<string, unknown> | undefined;
		await eventually('lead collision: Marketo wins on both sides', () => lead(collidingLead)?.jobtitle === 'Title from Marketo' && personOf(collidingLead)?.title === 'Title from Marketo');
		await eventually('contact collision: Dynamics wins on both sides', () =>
			sims.dataverse.store.get('contact', collidingContact)?.jobtitle === 'Contact title from Dynamics' && personOf(collidingContact)?.title === 'Contact title from Dynamics');
		await eventually('one-sided changes on both sides both survive', () =>
			personOf(bothSidesLead)?.title === 'Only Dynamics changed the title' && lead(bothSidesLead)?.telephone1 === '+31 10 000 0006' && lead(oneSidedLead)?.address1_city === 'Zwolle');
		await eventually('sync filter No → Yes reaches Marketo', () => personOf(startsSyncing)?.microsoftType === 'Lead');
		await eventually('Dynamics merge: winner updated, loser flagged', () => personOf(mergeWinner)?.title === 'Merged winner' && personOf(mergeLoser)?.microsoftIsDeleted === true);
		await eventually('the validation failure is on the activity log', () => {
			const type = sims.marketo.store.customActivityTypes.get('dynamicsSyncError');
			return !!type && sims.marketo.store.activities.some((a) => a.leadId === invalidPerson && a.typeId === type.id);
		});
		let failedRuns: Array<{ id: string; status: string }> = [];
		let alerts: Array<{ id: string; status: string }> = [];
		for (let attempt = 0; attempt < 60; attempt++) {
			failedRuns = (await executions(workflowId)).filter((e) => e.status === 'error');
			alerts = await executions(alertsTemplate().id);
			if (failedRuns.length > failedBefore && alerts.length > 0) break;
			await new Promise((r) => setTimeout(r, 2000));
		}
		expect(failedRuns.length).toBeGreaterThan(failedBefore);
		const failedRun = await n8n.rest('GET', `/executions/${failedRuns[0].id}`);
		const data = String(failedRun.json?.data?.data ?? '');
		// The saved run names the record and the field, and the run summary counted it.
		expect(data).toContain(`Marketo lead ${invalidPerson}`);
		expect(data).toContain('Dynamics column \\"lastname\\" is too long');
		expect(data).toContain('record(s) failed in this run');
		expect(alerts.length).toBeGreaterThan(0);
		// Every failed run failed for this record alone (nothing else in the scenario is invalid).
		for (const run of failedRuns.slice(0, failedRuns.length - failedBefore)) {
			const text = String((await n8n.rest('GET', `/executions/${run.id}`)).json?.data?.data ?? '');
			const failures = text.match(/Item \d+ \([^)]*\): [^"]*/g) ?? [];
			expect(failures.length).toBeGreaterThan(0);
			for (const failure of failures) expect(failure).toContain(`Marketo lead ${invalidPerson}`);
		}

		// The failure stayed alone: its Dynamics lead kept its last name; the rest synced (above).
		expect(String(lead(validationLead)?.lastname).length).toBeLessThanOrEqual(50);
		// Yes → No: the person stays, but the change made after it no longer syncs.
		expect(personOf(stopsSyncing)).toBeDefined();
		expect(personOf(stopsSyncing)?.title).not.toBe('Changed after sync was turned off');
		// The Marketo delete was ignored: the Dynamics lead is still there and active.
		expect(lead(deletedInMarketo)).toBeDefined();
		expect(lead(deletedInMarketo)?.statecode ?? 0).toBe(0);
		// A lead collision never writes Dynamics' losing value back into Marketo, nor the reverse for contacts.
		expect(personOf(collidingContact)?.title).toBe('Contact title from Dynamics');
	});

	test('an opportunity with a contact customer and two stakeholders has exactly those three roles', () => {
		// Opportunity 0 of the sample: customer contact 0, stakeholders contacts 1 and 2.
		const opportunityId = seeded.opportunityIds[0];
		const roles = ((sims.marketo.store as any).objects('opportunityRoles') as Array<Record<string, unknown>>).filter(
			(r) => String(r.externalOpportunityId).toLowerCase() === opportunityId.toLowerCase(),
		);
		const expected = [0, 1, 2].map((i) => personOf(seeded.contactIds[i])!.id).sort();
		expect(roles.map((r) => Number(r.leadId)).sort()).toEqual(expected);
	});

	test('a new Marketo person becomes exactly one Dynamics lead', () => {
		expect(sims.dataverse.store.all('lead').filter((r: any) => r.emailaddress1 === 'late.visitor@visitor.test')).toHaveLength(1);
	});

	test('no echo loops: a quiet system stays quiet over two poll cycles', async () => {
		// Let whatever the last changes set off settle, then watch two full cycles.
		let before = writes();
		for (let settled = 0; settled < 12; settled++) {
			await new Promise((r) => setTimeout(r, 65_000));
			const now = writes();
			if (JSON.stringify(now) === JSON.stringify(before)) break;
			before = now;
		}
		const polls = sims.dataverse.stats().calls + sims.marketo.stats().calls;
		await new Promise((r) => setTimeout(r, 125_000));
		expect(writes()).toEqual(before);
		// The triggers did poll meanwhile (reads only).
		expect(sims.dataverse.stats().calls + sims.marketo.stats().calls).toBeGreaterThan(polls);
	});
});
