import { fingerprint, parseSyncState } from '../../nodes/conflict/syncState';
import { eventually, startTemplateRun, type TemplateRun } from './templateRun';
import type { Simulators } from '../helpers/simulators';
import { seedSample } from '../helpers/sampleData';

const TITLE_206 = 'Senior Vice President of International Strategic Partnerships, '.padEnd(206, 'x');
const TITLE_206_B = 'Global Head of Customer Experience and Digital Transformation, '.padEnd(206, 'y');

/**
 * The person pipeline's first promise, in the shipped template in real n8n 2.41.1: a value one
 * system rejects stays where the user put it, is reported on every try, and is never reverted
 * by a later change of another field (the sync state moves only for values both systems hold).
 */
jest.setTimeout(900_000);

describe('rejected writes in the sync template: kept, reported each time, never reverted', () => {
	let sims: Simulators;
	let seeded: ReturnType<typeof seedSample>;

	let run: TemplateRun;

	beforeAll(async () => {
		run = await startTemplateRun('pipeline', (s) => {
			seeded = seedSample(s, { leads: 6, contacts: 4, accounts: 2, opportunities: 0, users: 1, projects: 0, marketoOnly: 0 });
		});
		({ sims } = run);
	}, 900_000);

	afterAll(async () => {
		await run?.stop();
	});

	type Person = Record<string, unknown> & { id: number };
	/** The Marketo person linked to a Dynamics row. */
	const personOf = (dynamicsId: string): Person | undefined => {
		const [id] = sims.marketo.store.findLeadIds('microsoftId', dynamicsId);
		return id === undefined ? undefined : ({ ...sims.marketo.store.getLead(id)!, id } as Person);
	};
	const row = (table: 'lead' | 'contact', id: string) => sims.dataverse.store.get(table, id) as Record<string, unknown>;
	/** "Dynamics Sync Error" activities on a person: one per reported failure. */
	const reports = (personId: number): number => {
		const type = sims.marketo.store.customActivityTypes.get('dynamicsSyncError');
		return type ? sims.marketo.store.activities.filter((a) => a.leadId === personId && a.typeId === type.id).length : 0;
	};
	const stateOf = (dynamicsId: string) => parseSyncState(personOf(dynamicsId)?.microsoftSyncState);
	/** Every broken promise of the run, listed together (so one run shows each scenario that fails). */
	const problems: string[] = [];
	const check = (what: string, actual: unknown, expected: unknown) => {
		if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
	};
	const waitFor = async (what: string, condition: () => boolean) => {
		try {
			await eventually(what, condition);
		} catch (error) {
			problems.push((error as Error).message);
		}
	};

	test('over-length title (plain lead, lead collision), contact collision rejected by Marketo, Marketo rejection after a Dynamics write', async () => {
		const [plainLead, collidingLead, rejectedInMarketoLead] = [0, 1, 2].map((i) => seeded.leadIds[i]);
		const collidingContact = seeded.contactIds[0];
		await eventually('initial copy with sync states', () =>
			[...seeded.leadIds, ...seeded.contactIds].every((id) => typeof personOf(id)?.microsoftSyncState === 'string'),
		);
		// Let the initial copy's own echoes settle before the users start editing.
		await new Promise((r) => setTimeout(r, 65_000));
		const plain = personOf(plainLead)!;
		const colliding = personOf(collidingLead)!;
		const contact = personOf(collidingContact)!;
		const rejected = personOf(rejectedInMarketoLead)!;
		const before = {
			plainTitle: row('lead', plainLead).jobtitle ?? null,
			collidingContactEmail: String(row('contact', collidingContact).emailaddress1),
			rejectedEmail: String(rejected.email),
			rejectedEmailPrint: stateOf(rejectedInMarketoLead)!.f.email,
			plainTitlePrint: stateOf(plainLead)!.f.title,
		};
		expect(before.rejectedEmailPrint).toBe(fingerprint(before.rejectedEmail));

		// 1. Marketo users set a 206-character title (Dynamics' jobtitle holds 100).
		sims.marketo.uiUpdateLead(plain.id, { title: TITLE_206 });
		// A lead collision: Dynamics changed the title at the same moment; Marketo wins, Dynamics rejects it.
		sims.dataverse.update('lead', collidingLead, { jobtitle: 'Title set in Dynamics' });
		sims.marketo.uiUpdateLead(colliding.id, { title: TITLE_206_B });
		// A contact collision: Dynamics wins the e-mail, and Marketo rejects the winner (no non-ASCII addresses).
		sims.dataverse.update('contact', collidingContact, { emailaddress1: 'jörg.kontakt@beispiel.de' });
		sims.marketo.uiUpdateLead(contact.id, { email: 'contact.changed.in.marketo@customer.test' });
		// Dynamics takes Marketo's new title, then Marketo rejects Dynamics' new e-mail.
		sims.marketo.uiUpdateLead(rejected.id, { title: 'Title set in Marketo' });
		sims.dataverse.update('lead', rejectedInMarketoLead, { emailaddress1: 'jörg.lead@beispiel.de' });

		const scenarios = { 'plain lead': plain, 'lead collision': colliding, 'contact collision': contact, 'Marketo rejection after a Dynamics write': rejected };
		for (const [name, p] of Object.entries(scenarios)) await waitFor(`${name}: the rejection is reported on the person`, () => reports(p.id) >= 1);
		await waitFor('Dynamics took the Marketo title of the lead whose e-mail Marketo rejected', () => row('lead', rejectedInMarketoLead).jobtitle === 'Title set in Marketo');
		// One more poll of each trigger, so every lane has handled phase 1.
		await new Promise((r) => setTimeout(r, 65_000));

		// Each value stayed where its user put it.
		const phase = (name: string) => problems.push(`-- ${name}`);
		phase('after the rejections');
		check('personOf(plainLead)?.title', personOf(plainLead)?.title, TITLE_206);
		check('row("lead", plainLead).jobtitle ?? null', row('lead', plainLead).jobtitle ?? null, before.plainTitle);
		check('personOf(collidingLead)?.title', personOf(collidingLead)?.title, TITLE_206_B);
		check('row("lead", collidingLead).jobtitle', row('lead', collidingLead).jobtitle, 'Title set in Dynamics');
		check('personOf(collidingContact)?.email', personOf(collidingContact)?.email, 'contact.changed.in.marketo@customer.test');
		check('row("contact", collidingContact).emailaddress1', row('contact', collidingContact).emailaddress1, 'jörg.kontakt@beispiel.de');
		check('row("lead", rejectedInMarketoLead).emailaddress1', row('lead', rejectedInMarketoLead).emailaddress1, 'jörg.lead@beispiel.de');
		check('personOf(rejectedInMarketoLead)?.email', personOf(rejectedInMarketoLead)?.email, before.rejectedEmail);
		// The sync state did not move for the rejected values: it still describes the old ones.
		check('stateOf(plainLead)!.f.title', stateOf(plainLead)!.f.title, before.plainTitlePrint);
		check('stateOf(rejectedInMarketoLead)!.f.email', stateOf(rejectedInMarketoLead)!.f.email, before.rejectedEmailPrint);
		const reported = Object.fromEntries([plain, colliding, contact, rejected].map((p) => [p.id, reports(p.id)]));

		phase('after a later change of another field');
		// 2. Later, users change another field only: Dynamics the phone, Marketo the city.
		sims.dataverse.update('lead', plainLead, { telephone1: '+31 20 000 0001' });
		sims.dataverse.update('lead', collidingLead, { telephone1: '+31 20 000 0002' });
		sims.dataverse.update('contact', collidingContact, { telephone1: '+31 20 000 0003' });
		sims.marketo.uiUpdateLead(rejected.id, { city: 'Zwolle' });

		await waitFor('plain lead: the phone arrives in Marketo', () => personOf(plainLead)?.phone === '+31 20 000 0001');
		await waitFor('lead collision: the phone arrives in Marketo', () => personOf(collidingLead)?.phone === '+31 20 000 0002');
		await waitFor('contact collision: the phone arrives in Marketo', () => personOf(collidingContact)?.phone === '+31 20 000 0003');
		await waitFor('the city arrives in Dynamics', () => row('lead', rejectedInMarketoLead).address1_city === 'Zwolle');
		for (const [name, p] of Object.entries(scenarios)) await waitFor(`${name}: reported again on the next try`, () => reports(p.id) > reported[p.id]);
		await new Promise((r) => setTimeout(r, 65_000));

		// Nothing was reverted.
		check('personOf(plainLead)?.title', personOf(plainLead)?.title, TITLE_206);
		check('personOf(collidingLead)?.title', personOf(collidingLead)?.title, TITLE_206_B);
		check('row("lead", collidingLead).jobtitle', row('lead', collidingLead).jobtitle, 'Title set in Dynamics');
		check('personOf(collidingContact)?.email', personOf(collidingContact)?.email, 'contact.changed.in.marketo@customer.test');
		check('row("contact", collidingContact).emailaddress1', row('contact', collidingContact).emailaddress1, 'jörg.kontakt@beispiel.de');
		check('row("lead", rejectedInMarketoLead).emailaddress1', row('lead', rejectedInMarketoLead).emailaddress1, 'jörg.lead@beispiel.de');
		check('personOf(rejectedInMarketoLead)?.email', personOf(rejectedInMarketoLead)?.email, before.rejectedEmail);
		check('personOf(rejectedInMarketoLead)?.title', personOf(rejectedInMarketoLead)?.title, 'Title set in Marketo');
		check('stateOf(plainLead)!.f.title', stateOf(plainLead)!.f.title, before.plainTitlePrint);
		check('stateOf(rejectedInMarketoLead)!.f.email', stateOf(rejectedInMarketoLead)!.f.email, before.rejectedEmailPrint);
		expect(problems.some((p) => !p.startsWith('-- ')) ? problems : []).toEqual([]);
	});
});
